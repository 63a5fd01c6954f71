/**
 * The seeds' comparison: N tasks as N processes (start all, join all) against a pool of 5
 * workers running the same N tasks with `map`. Starting a process costs a worker; a pool starts
 * 5 and reuses them. (The seeds use 200; 100 keeps the example quick on a small machine.)
 *
 * Run: deno task example:pool_vs_processes
 */
import { Pool, Process } from "../mod.ts";

const PROCESSES = 100;

/** The seeds' task: `i += 1`. Exported, so workers find it in the main module. */
export function increment(i: number): number {
  return i + 1;
}

if (import.meta.main) {
  let started = performance.now();
  const processes = Array.from(
    { length: PROCESSES },
    (_, i) => new Process({ target: increment, args: [i] }),
  );
  for (const p of processes) p.start();
  for (const p of processes) await p.join();
  const processMs = performance.now() - started;
  console.log(`${PROCESSES} processes: ${processMs.toFixed(0)} ms`);

  started = performance.now();
  const pool = new Pool({ processes: 5 });
  const results = await pool.map(increment, Array.from({ length: PROCESSES }, (_, i) => i));
  pool.close();
  await pool.join();
  const poolMs = performance.now() - started;
  console.log(
    `Pool(5).map of ${PROCESSES} tasks: ${poolMs.toFixed(0)} ms (results ${results[0]}..${
      results.at(-1)
    })`,
  );
  console.log(`the pool is ${(processMs / poolMs).toFixed(1)}x faster`);
}
