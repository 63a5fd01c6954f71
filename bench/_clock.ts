/** What the workloads that start actors share: the timed part's clock, and the settling wait. */

/**
 * Marks the timed part of a workload, for `deno bench`'s `b.start()` and `b.end()`: the starts
 * and joins around it are not measured.
 */
export interface Clock {
  start(): void;
  end(): void;
}

/** The clock of a workload timed by its own return value (`deno task bench:compare`). */
export const noClock: Clock = { start() {}, end() {} };

/**
 * Enough for the standby a start used to be replaced here: it is built at the next quiet moment
 * (30 ms), or at the next turn when starts come back to back, on this thread (25-60 ms of
 * synchronous work), then loads the library on its own thread (50-100 ms); about 110 ms of CPU
 * in all, measured with `process.cpuUsage()` in 50 ms windows after a start.
 */
const STANDBY_REFILL_MS = 300;

/**
 * Lets the work that follows a start pass before a clock starts, as the raw baseline builds and
 * boots its Worker before its clock. Timed without this, a workload measures the refill of the
 * standby as much as itself: on 2 cores it takes one from the actors, and a main thread that
 * never yields during the loop pays the build at its first await, after the loop.
 */
export async function afterStart(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, STANDBY_REFILL_MS));
}
