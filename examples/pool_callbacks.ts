/**
 * Callbacks run in the process that submitted the task (here the main program), not in the
 * worker: the worker computes, the parent handles results and errors as they arrive.
 *
 * Run: deno task example:pool_callbacks
 */
import { currentProcess, Pool } from "../mod.ts";

/** Squares `n` in a worker; 13 is refused, to show the error callback. */
export function square(n: number): { n: number; square: number; worker: string } {
  if (n === 13) throw new RangeError(`unlucky number ${n}`);
  return { n, square: n * n, worker: currentProcess().name };
}

if (import.meta.main) {
  const pool = new Pool({ processes: 3 });
  for (const n of [2, 3, 13, 4]) {
    pool.applyAsync(square, [n], {
      callback: (result) =>
        console.log(
          `${result.n}^2 = ${result.square} (computed by ${result.worker}, handled in ` +
            `${currentProcess().name})`,
        ),
      errorCallback: (error) => console.log(`error callback in ${currentProcess().name}: ${error}`),
    });
  }
  pool.mapAsync(square, [5, 6, 7], {
    callback: (results) =>
      console.log(`mapAsync callback: ${results.map((r) => r.square).join(", ")}`),
  });
  pool.close();
  await pool.join();
  console.log("all callbacks done");
}
