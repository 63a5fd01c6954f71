/**
 * Waiting on shared memory. A primitive keeps a sequence word that every state change bumps
 * (`wake`); a waiter retries its attempt, spins briefly, then sleeps until the word changes:
 * `Atomics.wait` for the synchronous forms (workers only), `Atomics.waitAsync` otherwise. No
 * message is ever sent, so an uncontended primitive costs only its atomic operations.
 *
 * @module
 */
import { runtime } from "./_runtime.ts";
import { BlockingError } from "./errors.ts";

/** Whether to wait, and for how long. */
export interface AcquireOptions {
  /**
   * When false, try once and resolve at once.
   *
   * @default {true}
   */
  blocking?: boolean;
  /** Milliseconds to wait before giving up (resolving to false); forever when omitted. */
  timeout?: number;
}

const SPINS = 64;

/** Bumps the sequence word at `index` and wakes every waiter on it. */
export function wake(words: Int32Array, index: number): void {
  Atomics.add(words, index, 1);
  Atomics.notify(words, index);
}

function deadlineOf(options: AcquireOptions, action: string): number {
  const { timeout } = options;
  if (timeout === undefined) return Infinity;
  if (!(timeout >= 0)) {
    throw new RangeError(
      `Cannot ${action}: timeout must be a number of milliseconds >= 0, got ${timeout}`,
    );
  }
  return performance.now() + timeout;
}

function spin(attempt: () => boolean): boolean {
  for (let round = 0; round < SPINS; round++) if (attempt()) return true;
  return false;
}

/**
 * Resolves to true once `attempt()` succeeds, or to false when not blocking or out of time.
 * `sequence` is the index of the word that changes whenever `attempt` might newly succeed.
 */
export async function waitUntil(
  words: Int32Array,
  sequence: number,
  attempt: () => boolean,
  options: AcquireOptions,
  action: string,
): Promise<boolean> {
  const deadline = deadlineOf(options, action);
  if (attempt()) return true;
  if (options.blocking === false) return false;
  if (spin(attempt)) return true;
  while (true) {
    const seen = Atomics.load(words, sequence);
    if (attempt()) return true;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    const finite = Number.isFinite(remaining);
    const result = Atomics.waitAsync(words, sequence, seen, finite ? remaining : undefined);
    if (!result.async) continue;
    // A pending waitAsync neither keeps the event loop alive nor reliably times out before the
    // loop drains: a timer of our own ends a timed wait.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const elapsed = finite
      ? new Promise((resolve) => timer = setTimeout(resolve, remaining))
      : null;
    try {
      await runtime.waitFor(
        elapsed === null ? result.value : Promise.race([result.value, elapsed]),
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The blocking form of {@linkcode waitUntil}, for workers; throws on the main thread. */
export function waitUntilSync(
  words: Int32Array,
  sequence: number,
  attempt: () => boolean,
  options: AcquireOptions,
  action: string,
): boolean {
  if (runtime.parent === null) {
    throw new BlockingError(
      `Cannot ${action} synchronously on the main thread: it would block the event loop and ` +
        "every actor that waits on it; use the async form (await) there",
    );
  }
  const deadline = deadlineOf(options, action);
  if (attempt()) return true;
  if (options.blocking === false) return false;
  if (spin(attempt)) return true;
  while (true) {
    const seen = Atomics.load(words, sequence);
    if (attempt()) return true;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    Atomics.wait(words, sequence, seen, remaining);
  }
}

/** Allocates `length` zeroed shared words. */
export function sharedWords(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}
