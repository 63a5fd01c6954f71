/**
 * The counterpart of the seeds' "x = 100 is not shared" lesson: a Value IS shared. Four
 * processes add 10,000 each; `counter.value += 1` is a read and a write, so without the lock
 * increments are lost; with `getLock()` (or the atomic `add`) the total is exact.
 *
 * Run: deno task example:shared_counter
 */
import { Event, Process, Value } from "../mod.ts";

export async function addMany(
  counter: Value<"i32">,
  times: number,
  mode: string,
  go: Event,
): Promise<void> {
  await go.wait(); // all four start together, so their increments overlap
  for (let i = 0; i < times; i++) {
    if (mode === "atomic") {
      counter.add(1);
    } else if (mode === "lock") {
      const lock = counter.getLock();
      await lock.acquire();
      counter.value += 1;
      lock.release();
    } else {
      counter.value = counter.value + 1; // read, then write: another actor may write between
    }
  }
}

async function run(mode: string): Promise<number> {
  const counter = new Value("i32", 0);
  const go = new Event();
  const workers = Array.from(
    { length: 4 },
    () => new Process({ target: addMany, args: [counter, 10_000, mode, go] }),
  );
  for (const p of workers) await p.start();
  go.set();
  for (const p of workers) await p.join();
  return counter.value;
}

if (import.meta.main) {
  console.log(`without a lock: ${await run("racy")} of 40000`);
  console.log(`with getLock(): ${await run("lock")} of 40000`);
  console.log(`with add(1):    ${await run("atomic")} of 40000`);
}
