/**
 * A CPU-bound map: counting primes in ranges, first in this thread, then across a pool of
 * `cpuCount()` workers. Each worker is a thread of its own, so the pool runs the ranges in
 * parallel.
 *
 * Run: deno task example:pool_cpu_speedup
 */
import { cpuCount, Pool } from "../mod.ts";

const RANGES = 16;
const RANGE_SIZE = 150_000;

/** Counts the primes in `[start, start + size)` by trial division: deliberately CPU-bound. */
export function countPrimes(start: number, size: number): number {
  let count = 0;
  for (let n = Math.max(2, start); n < start + size; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

if (import.meta.main) {
  const ranges = Array.from(
    { length: RANGES },
    (_, i): [number, number] => [i * RANGE_SIZE, RANGE_SIZE],
  );
  let started = performance.now();
  const single = ranges.reduce((sum, [start, size]) => sum + countPrimes(start, size), 0);
  const singleMs = performance.now() - started;
  console.log(`one thread: ${single} primes in ${singleMs.toFixed(0)} ms`);

  await using pool = new Pool({ processes: cpuCount() });
  await pool.apply(countPrimes, [0, 10]); // the workers are up and have loaded the module
  started = performance.now();
  const counts = await pool.starmap(countPrimes, ranges, { chunksize: 1 });
  const poolMs = performance.now() - started;
  const total = counts.reduce((sum, count) => sum + count, 0);
  console.log(`Pool(${pool.processes}): ${total} primes in ${poolMs.toFixed(0)} ms`);
  console.log(`same answer: ${total === single}, speed-up ${(singleMs / poolMs).toFixed(2)}x`);
}
