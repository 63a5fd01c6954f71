/** Pool workloads shared by the deno bench file and the comparison with Python and piscina. */
import { Pool, task } from "../mod.ts";

/** The tiny task of every pool workload: x => x * x. */
export const square = task(import.meta, function square(x: number) {
  return x * x;
});

/** Sizes of the workloads, the same on every side of the comparison. */
export const MAP_TASKS = 100_000;
/** Tasks of the per-task dispatch workloads (applyAsync, map with chunksize 1). */
export const DISPATCH_TASKS = 10_000;
/** Round trips per apply round-trip measurement. */
export const ROUND_TRIPS = 2000;

const inputs = (count: number) => Array.from({ length: count }, (_, i) => i);
const mapInput = inputs(MAP_TASKS);
const dispatchInput = inputs(DISPATCH_TASKS);

/**
 * Milliseconds to create a `Pool` of 2 and get its first map back, after the program was idle a
 * while (so the standby workers are ready); its teardown is not counted.
 */
export async function poolCreateFirstMapMs(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = performance.now();
  const pool = new Pool({ processes: 2 });
  await pool.map(square, [1]);
  const elapsed = performance.now() - started;
  await pool.terminate();
  return elapsed;
}

/** A started pool of 2 workers, warmed up, and the workloads timed on it. */
export async function pool2(): Promise<{
  mapTinyPerSecond(): Promise<number>;
  applyAsyncPerSecond(): Promise<number>;
  mapChunk1PerSecond(): Promise<number>;
  applyRoundTripUs(count?: number): Promise<number>;
  stop(): Promise<void>;
}> {
  const pool = new Pool({ processes: 2 });
  await pool.map(square, dispatchInput);
  const rate = async (count: number, run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return count / ((performance.now() - started) / 1000);
  };
  return {
    mapTinyPerSecond: () => rate(MAP_TASKS, () => pool.map(square, mapInput)),
    applyAsyncPerSecond: () =>
      rate(DISPATCH_TASKS, async () => {
        const results = dispatchInput.map((i) => pool.applyAsync(square, [i]));
        for (const result of results) await result.get();
      }),
    mapChunk1PerSecond: () =>
      rate(DISPATCH_TASKS, () => pool.map(square, dispatchInput, { chunksize: 1 })),
    async applyRoundTripUs(count = ROUND_TRIPS) {
      const started = performance.now();
      for (let i = 0; i < count; i++) await pool.apply(square, [i]);
      return (performance.now() - started) / count * 1000;
    },
    stop: () => pool.terminate(),
  };
}
