/**
 * The seeds' three ways to submit 20 tasks to a pool of 5 workers, each task sleeping a random
 * 50-100 ms: `apply` (one at a time), `applyAsync` with `get()` right after each submit (still
 * one at a time: the classic mistake), and `applyAsync` for all tasks first, then `get()` (five
 * at a time).
 *
 * Run: deno task example:pool_apply
 */
import { Pool } from "../mod.ts";

const TASKS = 20;

/** The seeds' task: `i + 1` after a random pause. */
export async function task(i: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 50));
  return i + 1;
}

async function timed(label: string, run: () => Promise<number[]>): Promise<void> {
  const started = performance.now();
  const results = await run();
  const ms = performance.now() - started;
  console.log(`${label}: ${ms.toFixed(0)} ms, sum ${results.reduce((a, b) => a + b, 0)}`);
}

if (import.meta.main) {
  await using pool = new Pool({ processes: 5 });
  await timed("apply, one after another", async () => {
    const results = [];
    for (let i = 0; i < TASKS; i++) results.push(await pool.apply(task, [i]));
    return results;
  });
  await timed("applyAsync with get() in the loop (wrong)", async () => {
    const results = [];
    for (let i = 0; i < TASKS; i++) results.push(await pool.applyAsync(task, [i]).get());
    return results;
  });
  await timed("applyAsync for all, then get() (right)", async () => {
    const pending = Array.from({ length: TASKS }, (_, i) => pool.applyAsync(task, [i]));
    const results = [];
    for (const result of pending) results.push(await result.get());
    return results;
  });
}
