/**
 * Waiting on shared memory, for every primitive, channel and the manager's local link. A waiter
 * keeps a sequence word that every state change bumps (`wake`); a waiter retries its attempt,
 * spins for a while ({@linkcode SpinPolicy}), then sleeps until the word changes:
 * `Atomics.wait` for the synchronous forms (workers only), a brief `Atomics.wait` and then
 * `Atomics.waitAsync` otherwise. No message is ever sent, so an uncontended primitive costs only
 * its atomic operations.
 *
 * @module
 */
import { haltIfReaped, mayBlock, waitKeepingAlive } from "./thread.ts";
import {
  checkSignal,
  checkTimeout,
  describeValue,
  startTimer,
  stopTimer,
  type Timer,
} from "./time.ts";
import { BlockingError } from "../errors.ts";
import type { WaitOptions } from "../wait_options.ts";

/** The options of `acquire` and of every futex wait: {@linkcode WaitOptions}, by its lock name. */
export type AcquireOptions = WaitOptions;

/**
 * How a waiter spends the time before it sleeps. The other actor often answers within
 * microseconds, while a sleep and its wake-up cost tens of them, or a poll interval when an idle
 * event loop misses a `waitAsync` wake. So a waiter first retries its attempt for a while; an
 * async one then blocks in `Atomics.wait` for a short while (a blocked thread gives its core to
 * the actor that will answer, on 2 vCPUs they often share one, and a futex wake takes
 * microseconds where a `waitAsync` wake takes tens of them or a poll); only then does it sleep
 * on its event loop.
 */
export interface SpinPolicy {
  /** How long a waiter retries before it blocks, in microseconds; the most, when adaptive. */
  readonly spinMicros: number;
  /**
   * How long an async waiter then blocks in `Atomics.wait` before it sleeps on its event loop,
   * in milliseconds: its event loop stalls at most this long.
   */
  readonly blockMillis: number;
  /**
   * Whether a {@linkcode Futex} spins only as long as spinning has been paying off. When the
   * two threads run on different cores, the answer arrives within a spin of a few microseconds
   * and nobody is woken. When they share a core (the other one busy), spinning only delays the
   * thread it waits for: the answer comes right after the spin gives up, so the spin is halved
   * down to none, and blocking hands the core over at once. A full spin is tried now and then,
   * to notice the cores free again. A one-off wait ({@linkcode waitUntil}) has nothing to learn
   * from, and spins in full.
   */
  readonly adaptive?: boolean;
  /**
   * Whether an adaptive spin that fails is also halved: for a waiter whose answer comes from a
   * thread that spins too (two actors exchanging mail). On a shared core each one's spin then
   * delays the other's answer by its whole length, so the wake after it looks slow, not fast,
   * and only a failed spin tells.
   */
  readonly halveOnFailure?: boolean;
}

/**
 * The synchronization primitives' waits: an Event round trip went from 60 us to 16 us with the
 * spin, and from 16-21 us to 2-11 us with the block (Python's: 14 us).
 */
export const PRIMITIVE_SPIN: SpinPolicy = { spinMicros: 30, blockMillis: 0.5 };
/**
 * The channels' waits: the other side usually makes progress within microseconds (a consumer
 * takes, a producer puts), so they spin 50 us longer than a primitive.
 */
export const CHANNEL_SPIN: SpinPolicy = { spinMicros: 80, blockMillis: 0.5 };
/**
 * A manager client waiting for its replies: a manager that is awake answers a small call in a
 * few microseconds; the block is long enough for a manager that shares this core, short enough
 * to keep this thread's event loop going.
 */
export const MANAGER_REPLY_SPIN: SpinPolicy = { spinMicros: 50, blockMillis: 0.5, adaptive: true };
/**
 * The manager waiting for requests: it blocks about as long as a wake through the event loop
 * can take when both cores are busy, and its event loop (TCP sessions, mail, timers of timed
 * waits) waits that long at most.
 */
export const MANAGER_IDLE_SPIN: SpinPolicy = { spinMicros: 50, blockMillis: 2, adaptive: true };

/**
 * An actor waiting in `receive()` for mail: it polls its links, as a channel's waiter retries,
 * and blocks briefly on its mailbox words, which a sender wakes after posting. A mailbox echo
 * went from 64-65 us to 26-28 us a round trip with two free cores. Without `halveOnFailure`,
 * when the two actors share a core (the other one busy), both spins ran in full on every hop:
 * 150-220 us against 65-100 us without polling; with it, 72-117 us against 65-106 us.
 */
export const MAIL_SPIN: SpinPolicy = {
  spinMicros: 50,
  blockMillis: 0.5,
  adaptive: true,
  halveOnFailure: true,
};

/** Where a futex's two words are. */
export interface FutexLayout {
  /** The word every wake bumps, and sleepers wait on. */
  readonly sequence: number;
  /** The count of the threads sleeping on `sequence`: a wake is free while it is 0. */
  readonly sleepers: number;
}

/** Attempts between two reads of the clock while spinning. */
const SPIN_BATCH = 32;
/** A synchronous wait sleeps at most this long at a time, to notice that it was terminated. */
const SLICE_MS = 100;
/** The longest interval between re-checks of an async wait. */
const MAX_POLL_MS = 20;
/** Every this many waits, an adaptive spin that stopped paying off is tried in full again. */
const PROBE_EVERY = 64;
/**
 * An answer this soon after blocking came from a thread on the same core (a wake from another
 * core takes longer here), which the spin before kept from running.
 */
const FAST_WAKE_US = 20;

/** Eases a spinning core's load on its sibling, where the engine has `Atomics.pause`. */
const pause: () => void = typeof (Atomics as { pause?: () => void }).pause === "function"
  ? (Atomics as unknown as { pause: () => void }).pause
  : () => {};

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

const PRIMITIVE_LAYOUT: FutexLayout = { sequence: SEQUENCE, sleepers: SLEEPERS };

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
  wakeAt(words, SEQUENCE, SLEEPERS);
}

function wakeAt(words: Int32Array, sequence: number, sleepers: number): void {
  if (Atomics.load(words, sleepers) === 0) return;
  for (const resume of localSleepers.get(words.buffer) ?? []) resume();
  Atomics.add(words, sequence, 1);
  Atomics.notify(words, sequence);
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
  checkBlocking(options, action);
  const timeout = checkTimeout(options.timeout, action);
  checkSignal(options.signal, action)?.throwIfAborted();
  return timeout === undefined ? Infinity : performance.now() + timeout;
}

/**
 * Whether a wait may wait: `block` (Python's queues' name) or `blocking` (its locks' name),
 * `block` counting when both are given; undefined when neither is.
 *
 * @throws {TypeError} If the one that counts is not a boolean.
 */
export function checkBlocking(options: WaitOptions, action: string): boolean | undefined {
  const name = options.block === undefined ? "blocking" : "block";
  const blocking = options.block ?? options.blocking;
  if (blocking !== undefined && typeof blocking !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be true or false, got ${describeValue(blocking)}`,
    );
  }
  return blocking;
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

/** Retries `attempt` for up to `micros` (not at all for 0); true once it succeeds. */
function spin(attempt: Attempt, micros: number): boolean {
  if (micros <= 0) return false;
  const until = performance.now() + micros / 1000;
  do {
    for (let round = 0; round < SPIN_BATCH; round++) {
      if (attempt()) return true;
      pause();
    }
  } while (performance.now() < until);
  return false;
}

/**
 * Blocks in `Atomics.wait` on `words[sequence]` until `attempt` succeeds (true) or the time
 * `until` passes (false). The caller is registered as a sleeper.
 */
function block(words: Int32Array, sequence: number, attempt: Attempt, until: number): boolean {
  while (true) {
    const seen = Atomics.load(words, sequence);
    if (attempt(true)) return true;
    const remaining = until - performance.now();
    if (remaining <= 0) return false;
    Atomics.wait(words, sequence, seen, Math.min(remaining, SLICE_MS));
    haltIfReaped();
  }
}

/**
 * Resolves to true once `attempt()` succeeds, or to false when not blocking or out of time.
 * Whoever makes `attempt` newly succeed calls {@linkcode wake} (or, when the attempt leaves
 * marks, at least whenever it finds one). Bad options reject it before the first attempt; a
 * timeout of 0 tries once.
 *
 * @param policy How long it retries, and blocks, before it sleeps on the event loop.
 */
export async function waitUntil(
  words: Int32Array,
  attempt: Attempt,
  options: AcquireOptions,
  action: string,
  policy: SpinPolicy = PRIMITIVE_SPIN,
): Promise<boolean> {
  const deadline = deadlineOf(options, action);
  if (attempt()) return true;
  if ((options.block ?? options.blocking) === false || outOfTime(deadline)) return false;
  if (spin(attempt, policy.spinMicros)) return true;
  Atomics.add(words, SLEEPERS, 1);
  try {
    const blockUntil = Math.min(performance.now() + policy.blockMillis, deadline);
    if (block(words, SEQUENCE, attempt, blockUntil)) return true;
    return await sleepUntil(words, SEQUENCE, attempt, deadline, false, options.signal);
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
 * Deno does not always run V8's waitAsync resolution while the event loop is idle, so the poll
 * timer re-checks at growing intervals; it keeps the program alive only if `keepAlive`.
 * Every promise it races is one that has not settled yet: racing a settled one would resolve at
 * once, and the loop would spin on microtasks, starving the timers and messages (the supervisor's
 * reaping among them) that it is waiting for.
 */
async function sleepUntil(
  words: Int32Array,
  sequence: number,
  attempt: Attempt,
  deadline: number,
  keepAlive = false,
  signal?: AbortSignal,
): Promise<boolean> {
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
  const aborted = signal === undefined ? null : abortOf(signal);
  try {
    while (true) {
      // Cancelled: nothing is taken, so the attempt is not tried again.
      signal?.throwIfAborted();
      const seen = Atomics.load(words, sequence);
      if (attempt(true)) return true;
      const remaining = deadline - performance.now();
      if (expired || remaining <= 0) return false;
      if (pending === null || pending.seen !== seen || pending.settled) {
        const result = Atomics.waitAsync(words, sequence, seen) as WaitResult;
        if (!result.async) continue;
        const next: PendingWake = { seen, woken: result.value, settled: false };
        void result.value.then(() => next.settled = true);
        pending = next;
        pollMs = 1;
      }
      let poll: Timer | undefined;
      const polled = new Promise<void>((resolve) => {
        poll = startTimer(Math.min(pollMs, remaining), resolve, { ref: keepAlive });
      });
      try {
        await waitKeepingAlive(
          Promise.race([
            pending.woken,
            local.next(),
            polled,
            ...(timeUp === null ? [] : [timeUp]),
            ...(aborted === null ? [] : [aborted.promise]),
          ]),
        );
      } finally {
        stopTimer(poll);
      }
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  } finally {
    stopTimer(timer);
    local.stop();
    aborted?.stop();
  }
}

/** Settles when `signal` aborts, until stopped: what a sleeping wait races to be cancelled. */
function abortOf(signal: AbortSignal): { promise: Promise<void>; stop(): void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  const onAbort = () => resolve();
  signal.addEventListener("abort", onAbort, { once: true });
  return { promise, stop: () => signal.removeEventListener("abort", onAbort) };
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
 * The blocking form of {@linkcode waitUntil}, for workers. On the main thread it succeeds when
 * no wait is needed and throws `BlockingError` when one would be.
 */
export function waitUntilSync(
  words: Int32Array,
  attempt: Attempt,
  options: AcquireOptions,
  action: string,
  policy: SpinPolicy = PRIMITIVE_SPIN,
): boolean {
  const deadline = deadlineOf(options, action);
  if (attempt()) return true;
  if ((options.block ?? options.blocking) === false || outOfTime(deadline)) return false;
  if (spin(attempt, policy.spinMicros)) return true;
  if (!mayBlock) {
    throw new BlockingError(
      `Cannot ${action} synchronously on the main thread: it would have to wait, blocking the ` +
        "event loop and every actor that waits on it; use the async form (await) there",
    );
  }
  Atomics.add(words, SLEEPERS, 1);
  try {
    return block(words, SEQUENCE, attempt, deadline);
  } finally {
    Atomics.sub(words, SLEEPERS, 1);
  }
}

/**
 * A futex at any place in its words, with a spin that can learn ({@linkcode SpinPolicy}): for
 * a waiter that runs its own loop between the brief wait and the sleep on its event loop, as
 * the manager's local link and hub do. Their wakers call {@linkcode Futex.prototype.wake}.
 */
export class Futex {
  /** The shared words. */
  readonly words: Int32Array;
  readonly #sequence: number;
  readonly #sleepers: number;
  readonly #policy: SpinPolicy;
  #spinMicros: number;
  #waits = 0;

  /**
   * @param words The shared words.
   * @param layout Where the sequence word and the sleeper count are in them.
   * @param policy How {@linkcode Futex.prototype.waitBriefly} spins and blocks.
   */
  constructor(
    words: Int32Array,
    layout: FutexLayout = PRIMITIVE_LAYOUT,
    policy: SpinPolicy = PRIMITIVE_SPIN,
  ) {
    this.words = words;
    this.#sequence = layout.sequence;
    this.#sleepers = layout.sleepers;
    this.#policy = policy;
    this.#spinMicros = policy.spinMicros;
  }

  /** Wakes every sleeper; free when nobody sleeps (see {@linkcode wake}). */
  wake(): void {
    wakeAt(this.words, this.#sequence, this.#sleepers);
  }

  /**
   * Waits synchronously until `attempt()` succeeds: spins, then blocks in `Atomics.wait` for at
   * most the policy's `blockMillis`. Returns whether it succeeded.
   */
  waitBriefly(attempt: Attempt): boolean {
    const { spinMicros: most, blockMillis, adaptive } = this.#policy;
    const probe = this.#spinMicros < most && ++this.#waits % PROBE_EVERY === 0;
    if (spin(attempt, probe ? most : this.#spinMicros)) {
      if (adaptive) {
        this.#spinMicros = Math.min(most, Math.max(2 * this.#spinMicros, probe ? most : 4));
      }
      return true;
    }
    if (adaptive && this.#policy.halveOnFailure) {
      this.#spinMicros = this.#spinMicros < 2 ? 0 : this.#spinMicros / 2;
    }
    const blocked = performance.now();
    Atomics.add(this.words, this.#sleepers, 1);
    let succeeded: boolean;
    try {
      succeeded = block(this.words, this.#sequence, attempt, blocked + blockMillis);
    } finally {
      Atomics.sub(this.words, this.#sleepers, 1);
    }
    if (succeeded && adaptive && (performance.now() - blocked) * 1000 < FAST_WAKE_US) {
      this.#spinMicros = this.#spinMicros < 2 ? 0 : this.#spinMicros / 2;
    }
    return succeeded;
  }

  /**
   * Sleeps on the event loop until `attempt()` succeeds: it re-checks on every wake, and on a
   * poll timer.
   *
   * @param options `keepAlive`: the sleep keeps the program alive (as a connection with a call
   * in flight does), not only while a live child could end it.
   */
  async sleep(attempt: Attempt, options: { keepAlive?: boolean } = {}): Promise<void> {
    Atomics.add(this.words, this.#sleepers, 1);
    try {
      await sleepUntil(this.words, this.#sequence, attempt, Infinity, options.keepAlive);
    } finally {
      Atomics.sub(this.words, this.#sleepers, 1);
    }
  }
}

/** Allocates `length` zeroed shared words. */
export function sharedWords(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}
