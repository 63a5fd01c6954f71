/**
 * Waiting on shared memory. A primitive keeps a sequence word that every state change bumps
 * (`wake`); a waiter retries its attempt, spins briefly, then sleeps until the word changes:
 * `Atomics.wait` for the synchronous forms (workers only), `Atomics.waitAsync` otherwise. No
 * message is ever sent, so an uncontended primitive costs only its atomic operations.
 *
 * @module
 */
import { haltIfReaped, mayBlock, waitKeepingAlive } from "./thread.ts";
import { checkTimeout, describeValue, startTimer, stopTimer, type Timer } from "./time.ts";
import { BlockingError } from "../errors.ts";

/** Whether to wait, and for how long. */
export interface AcquireOptions {
  /**
   * When false, try once and resolve at once.
   *
   * @default {true}
   */
  blocking?: boolean;
  /**
   * Milliseconds to wait before giving up (resolving to false); forever when omitted, `null` or
   * `Infinity`. Any length works: a wait longer than `setTimeout`'s 24.8 days is re-armed.
   */
  timeout?: number | null;
}

const SPINS = 64;
/** A synchronous wait sleeps at most this long at a time, to notice that it was terminated. */
const SLICE_MS = 100;
/** How long an async wait keeps trying before it sleeps: see {@linkcode spinAWhile}. */
const ASYNC_SPIN_MS = 0.03;
/** The longest interval between re-checks of an async wait. */
const MAX_POLL_MS = 20;

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
 * One try of a wait. `sleeping` is true for the last try before the waiter sleeps (it is then
 * registered in SLEEPERS): a primitive that skips {@linkcode wake} on its fast paths uses it to
 * leave a mark the waker will see (as a lock marks its holder's word).
 */
export type Attempt = (sleeping?: boolean) => boolean;

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

/**
 * Validates the options of a wait before anything else happens, and returns its deadline on the
 * `performance.now()` clock (`Infinity` for none).
 *
 * @throws {TypeError} If `options` is not an object, `blocking` not a boolean, or `timeout` not a
 * number.
 * @throws {RangeError} If `timeout` is negative or NaN.
 */
function deadlineOf(options: AcquireOptions, action: string): number {
  checkOptions(options ?? null, action);
  const { blocking } = options;
  if (blocking !== undefined && typeof blocking !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: blocking must be true or false, got ${describeValue(blocking)}`,
    );
  }
  const timeout = checkTimeout(options.timeout, action);
  return timeout === undefined ? Infinity : performance.now() + timeout;
}

/**
 * Validates an options argument: `undefined`, or an object (not an array, not `null`).
 *
 * @param options What the caller passed.
 * @param action What was being done, for the message ("create semaphore").
 * @throws {TypeError} If it is anything else: a Python habit such as `acquire(false)` passes
 * `blocking` positionally, and would otherwise wait forever.
 */
export function checkOptions(options: unknown, action: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot ${action}: options must be an object such as { blocking: false, timeout: 100 }, ` +
        `got ${describeValue(options)}`,
    );
  }
}

/** True once a finite deadline has passed (the clock is only read for one). */
function outOfTime(deadline: number): boolean {
  return deadline !== Infinity && deadline <= performance.now();
}

function spin(attempt: Attempt): boolean {
  for (let round = 0; round < SPINS; round++) if (attempt()) return true;
  return false;
}

/**
 * Keeps trying for up to {@linkcode ASYNC_SPIN_MS} before an async waiter sleeps. Waking an
 * event loop through `waitAsync` (or the poll behind it) costs tens of microseconds to
 * milliseconds here, while the other actor often answers within a few: an Event round trip went
 * from 60 us to 16 us with this, about Python's.
 */
function spinAWhile(attempt: Attempt): boolean {
  if (spin(attempt)) return true;
  const until = performance.now() + ASYNC_SPIN_MS;
  while (performance.now() < until) if (spin(attempt)) return true;
  return false;
}

/**
 * After its spin, an async waiter blocks in `Atomics.wait` for up to this long before it sleeps on
 * its event loop. A blocked thread gives its core to the actor that will answer (on 2 vCPUs they
 * often share one), and a futex wake takes microseconds where a `waitAsync` wake takes tens of
 * them or a poll; the event loop stalls at most this long. An Event round trip went from 16-21 us
 * to 2-11 us with it (Python's: 14 us).
 */
const BLOCK_MS = 0.5;

/** Blocks until `attempt` succeeds, up to {@linkcode BLOCK_MS} or the deadline. */
function blockBriefly(words: Int32Array, attempt: Attempt, deadline: number): boolean {
  const until = Math.min(performance.now() + BLOCK_MS, deadline);
  while (true) {
    const seen = Atomics.load(words, SEQUENCE);
    if (attempt(true)) return true;
    const remaining = until - performance.now();
    if (remaining <= 0) return false;
    Atomics.wait(words, SEQUENCE, seen, remaining);
    haltIfReaped();
  }
}

/**
 * Resolves to true once `attempt()` succeeds, or to false when not blocking or out of time.
 * Whoever makes `attempt` newly succeed calls {@linkcode wake} (or, when the attempt leaves
 * marks, at least whenever it finds one). Bad options reject it before the first attempt; a
 * timeout of 0 tries once.
 */
export async function waitUntil(
  words: Int32Array,
  attempt: Attempt,
  options: AcquireOptions,
  action: string,
): Promise<boolean> {
  const deadline = deadlineOf(options, action);
  if (attempt()) return true;
  if (options.blocking === false || outOfTime(deadline)) return false;
  if (spinAWhile(attempt)) return true;
  Atomics.add(words, SLEEPERS, 1);
  try {
    if (blockBriefly(words, attempt, deadline)) return true;
    return await sleepUntil(words, attempt, deadline);
  } finally {
    Atomics.sub(words, SLEEPERS, 1);
  }
}

type WaitResult =
  | { async: false; value: "not-equal" | "timed-out" }
  | { async: true; value: Promise<"ok" | "timed-out"> };

/** A `waitAsync` on the sequence word while it was `seen`. */
interface PendingWake {
  seen: number;
  woken: Promise<unknown>;
  settled: boolean;
}

/**
 * The event-loop sleep of {@linkcode waitUntil}: re-checks on every change of the sequence word
 * (`waitAsync`), on every wake from this thread, on a poll timer, and ends at the deadline.
 * Every promise it races is one that has not settled yet: racing a settled one would resolve at
 * once, and the loop would spin on microtasks, starving the timers and messages (the supervisor's
 * reaping among them) that it is waiting for.
 */
async function sleepUntil(words: Int32Array, attempt: Attempt, deadline: number) {
  let pending: PendingWake | null = null;
  let pollMs = 1;
  // A timed wait must last its time even if nothing else keeps the program alive, and this
  // timer, which does, must also be what ends it. `startTimer` takes any length (setTimeout
  // fires at once beyond 2^31-1 ms) and never a negative delay.
  let expired = false;
  let timer: Timer | undefined;
  const timeUp = Number.isFinite(deadline)
    ? new Promise<void>((resolve) => {
      timer = startTimer(Math.max(0, deadline - performance.now()), () => {
        expired = true;
        resolve();
      });
    })
    : null;
  const local = localResumes(words);
  try {
    while (true) {
      const seen = Atomics.load(words, SEQUENCE);
      if (attempt(true)) return true;
      const remaining = deadline - performance.now();
      if (expired || remaining <= 0) return false;
      if (pending === null || pending.seen !== seen || pending.settled) {
        const result = Atomics.waitAsync(words, SEQUENCE, seen) as WaitResult;
        if (!result.async) continue;
        const next: PendingWake = { seen, woken: result.value, settled: false };
        void result.value.then(() => next.settled = true);
        pending = next;
        pollMs = 1;
      }
      await waitKeepingAlive(
        Promise.race([
          pending.woken,
          local.next(),
          poll(Math.min(pollMs, remaining)),
          ...(timeUp === null ? [] : [timeUp]),
        ]),
      );
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  } finally {
    stopTimer(timer);
    local.stop();
  }
}

/** Resumes of this thread's wakes on `words`, one registration for a whole wait. */
function localResumes(words: Int32Array): { next(): Promise<void>; stop(): void } {
  let current = Promise.withResolvers<void>();
  const resume = () => current.resolve();
  const sleepers = localSleepers.get(words.buffer) ?? new Set();
  localSleepers.set(words.buffer, sleepers);
  sleepers.add(resume);
  return {
    next() {
      current = Promise.withResolvers<void>();
      return current.promise;
    },
    stop: () => sleepers.delete(resume),
  };
}

/**
 * Resolves after `ms`, without keeping the program alive. Deno does not always run V8's
 * waitAsync resolution while the event loop is idle, so a waiter re-checks on this timer too,
 * at growing intervals; a timed wait also ends on it.
 */
function poll(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    Deno.unrefTimer(timer as unknown as number);
  });
}

/**
 * The blocking form of {@linkcode waitUntil}, for workers. On the main thread it succeeds when
 * no wait is needed and throws `BlockingError` when one would be.
 */
export function waitUntilSync(
  words: Int32Array,
  attempt: Attempt,
  options: AcquireOptions,
  action: string,
): boolean {
  const deadline = deadlineOf(options, action);
  if (attempt()) return true;
  if (options.blocking === false || outOfTime(deadline)) return false;
  if (spin(attempt)) return true;
  if (!mayBlock) {
    throw new BlockingError(
      `Cannot ${action} synchronously on the main thread: it would have to wait, blocking the ` +
        "event loop and every actor that waits on it; use the async form (await) there",
    );
  }
  Atomics.add(words, SLEEPERS, 1);
  try {
    while (true) {
      const seen = Atomics.load(words, SEQUENCE);
      if (attempt(true)) return true;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      Atomics.wait(words, SEQUENCE, seen, Math.min(remaining, SLICE_MS));
      haltIfReaped();
    }
  } finally {
    Atomics.sub(words, SLEEPERS, 1);
  }
}

/** Allocates `length` zeroed shared words. */
export function sharedWords(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}
