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
/** A synchronous wait sleeps at most this long at a time, to notice that it was terminated. */
const SLICE_MS = 100;

/**
 * Async sleepers of this thread, by the memory they sleep on. A wake from the same thread must
 * resume them directly: Deno does not always run V8's waitAsync resolution for a notify issued
 * by the waiting thread itself.
 */
const localSleepers = new WeakMap<ArrayBufferLike, Set<() => void>>();

/** Index of the sequence word every primitive keeps first: bumped when waiters may proceed. */
export const SEQUENCE = 0;
/** Index of the count of actors sleeping on the sequence word. */
export const SLEEPERS = 1;
/** The first word a primitive may use for its own state. */
export const FIRST_STATE_WORD = 2;

/**
 * Wakes every waiter after a state change. Free when nobody sleeps: a waiter registers in
 * SLEEPERS before its last attempt, so either this sees it, or its attempt sees the change.
 */
export function wake(words: Int32Array): void {
  if (Atomics.load(words, SLEEPERS) === 0) return;
  for (const resume of localSleepers.get(words.buffer) ?? []) resume();
  Atomics.add(words, SEQUENCE, 1);
  Atomics.notify(words, SEQUENCE);
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
 * Whoever makes `attempt` newly succeed calls {@linkcode wake}.
 */
export async function waitUntil(
  words: Int32Array,
  attempt: () => boolean,
  options: AcquireOptions,
  action: string,
): Promise<boolean> {
  const deadline = deadlineOf(options, action);
  if (attempt()) return true;
  if (options.blocking === false) return false;
  if (spin(attempt)) return true;
  Atomics.add(words, SLEEPERS, 1);
  try {
    return await sleepUntil(words, attempt, deadline);
  } finally {
    Atomics.sub(words, SLEEPERS, 1);
  }
}

async function sleepUntil(words: Int32Array, attempt: () => boolean, deadline: number) {
  while (true) {
    const seen = Atomics.load(words, SEQUENCE);
    if (attempt()) return true;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    const finite = Number.isFinite(remaining);
    const result = Atomics.waitAsync(words, SEQUENCE, seen, finite ? remaining : undefined);
    if (!result.async) continue;
    // A pending waitAsync neither keeps the event loop alive nor reliably times out before the
    // loop drains: a timer of our own ends a timed wait.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const elapsed = finite
      ? new Promise((resolve) => timer = setTimeout(resolve, remaining))
      : null;
    const resumed = Promise.withResolvers<void>();
    const sleepers = localSleepers.get(words.buffer) ?? new Set();
    localSleepers.set(words.buffer, sleepers);
    sleepers.add(resumed.resolve);
    try {
      const wakers = [result.value, resumed.promise, ...(elapsed === null ? [] : [elapsed])];
      await runtime.waitFor(Promise.race(wakers));
    } finally {
      clearTimeout(timer);
      sleepers.delete(resumed.resolve);
    }
  }
}

/**
 * The blocking form of {@linkcode waitUntil}, for workers. On the main thread it succeeds when
 * no wait is needed and throws `BlockingError` when one would be.
 */
export function waitUntilSync(
  words: Int32Array,
  attempt: () => boolean,
  options: AcquireOptions,
  action: string,
): boolean {
  const deadline = deadlineOf(options, action);
  if (attempt()) return true;
  if (options.blocking === false) return false;
  if (spin(attempt)) return true;
  if (runtime.parent === null) {
    throw new BlockingError(
      `Cannot ${action} synchronously on the main thread: it would have to wait, blocking the ` +
        "event loop and every actor that waits on it; use the async form (await) there",
    );
  }
  Atomics.add(words, SLEEPERS, 1);
  try {
    while (true) {
      const seen = Atomics.load(words, SEQUENCE);
      if (attempt()) return true;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      Atomics.wait(words, SEQUENCE, seen, Math.min(remaining, SLICE_MS));
      runtime.haltIfReaped();
    }
  } finally {
    Atomics.sub(words, SLEEPERS, 1);
  }
}

/** Allocates `length` zeroed shared words. */
export function sharedWords(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}
