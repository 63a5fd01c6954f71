import { FIRST_STATE_WORD, sharedWords, waitUntil, wake } from "../_shm/futex.ts";
import { heldByCurrentActor } from "./_permit.ts";
import { repairHandle } from "../_kernel/handles.ts";
import { runtime } from "../_kernel/runtime.ts";
import { registerSharedKind, type Revival, SharedHandle } from "../_kernel/shared_handle.ts";
import { checkInteger, checkWaitOptions, describeValue } from "../_shm/time.ts";
import type { WaitOptions } from "../wait_options.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";
import { ReleaseError } from "./errors.ts";

/*
 * Each pending wait holds a slot of two words: its owner (0 when the slot is free, else the
 * waiter's pid, with NOTIFIED set once a notify chose it) and its ticket (the order in which the
 * waits began). A waiter takes its slot while it still holds the lock, as Python's waiter
 * appends itself to `_waiters` before `_release_save()`: a notify from an actor that takes the
 * lock as soon as the waiter releases it finds the waiter there. Notify (lock held) marks the
 * oldest waiting slots. A waiter that times out withdraws by a compare-exchange of its owner
 * word, so that it either withdraws or finds it was notified (and says so): a notification is
 * never lost between the two. The supervisor frees the slots of dead waiters and hands a
 * notification a dead waiter never acted on to the oldest live one.
 */
/** The next ticket. */
const NEXT_TICKET = FIRST_STATE_WORD;
/** One more than the highest slot ever taken: notify and repair look no further. */
const HIGH = FIRST_STATE_WORD + 1;
const FIRST_SLOT = FIRST_STATE_WORD + 2;
const SLOT_WORDS = 2;
const TICKET = 1;
/** The most waits that can be pending on one Condition at once. */
const MAX_WAITERS = 256;
const NOTIFIED = 1 << 30;
const PID = NOTIFIED - 1;

/** @ignore Internal: not part of the public API. */
interface ConditionState {
  words: Int32Array;
  lock: Lock | RLock;
}

/**
 * A condition variable shared between actors, as Python's `multiprocessing.Condition`: with
 * its lock held, `wait()` releases the lock, sleeps until notified, and takes the lock again.
 * Waiters are woken in the order they began to wait; at most 256 waits may be pending at once.
 * As in Python, re-check the state after a wait, or use `waitFor(predicate)`. A waiter that dies
 * swallows no notification: the supervisor frees its place, and a notification it was given but
 * never returned from `wait()` with goes to the next waiter.
 *
 * @example A notify from another actor
 * ```ts
 * import assert from "node:assert/strict";
 * import { Condition, Process } from "../../mod.ts";
 * import { notifyOnce } from "../../examples/doc_targets.ts";
 *
 * const ready = new Condition();
 * await ready.acquire();
 * const p = new Process({ target: notifyOnce, args: [ready] });
 * await p.start();
 * const notified = await ready.wait(5000);
 * ready.release();
 * await p.join();
 * assert.ok(notified);
 * ```
 */
export class Condition extends SharedHandle<ConditionState> {
  /**
   * Creates a condition on `lock`, or on a new `RLock` as Python does.
   *
   * @param lock The lock that guards the condition's data.
   * @throws {TypeError} If `lock` is not a `Lock` or an `RLock`.
   */
  constructor(lock?: Lock | RLock | null);
  /** @ignore Revives a condition another actor described (see `registerSharedKind`). */
  constructor(lock?: Lock | RLock | null, revival?: Revival);
  constructor(lock?: Lock | RLock | null, revival?: Revival) {
    if (lock !== undefined && lock !== null && !(lock instanceof Lock || lock instanceof RLock)) {
      throw new TypeError(
        `Cannot create condition: lock must be a Lock or an RLock, got ${describeValue(lock)}`,
      );
    }
    super(
      "Condition",
      () => ({
        words: sharedWords(FIRST_SLOT + MAX_WAITERS * SLOT_WORDS),
        lock: lock ?? new RLock(),
      }),
      revival,
    );
  }

  /**
   * Acquires the underlying lock.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds.
   * @returns True once held; false if not blocking or out of time. It rejects for bad options.
   */
  acquire(options?: { blocking?: boolean; timeout?: number | null }): Promise<boolean> {
    return this.state.lock.acquire(options);
  }

  /**
   * Releases the underlying lock.
   *
   * @throws {ReleaseError} If it is not held.
   */
  release(): void {
    this.state.lock.release();
  }

  /**
   * Releases the lock, waits for a notify (or the timeout), then re-acquires the lock.
   *
   * @param options A `timeout` in milliseconds (forever when omitted, `null` or `Infinity`) and
   * a `signal` that cancels the wait; or the timeout alone, as Python passes it (`wait(1500)`).
   * @returns False if the wait timed out, true if it was notified. It rejects, changing nothing,
   * with a `ReleaseError` if the caller does not hold the lock, a `TypeError` or `RangeError`
   * for a bad timeout, and a `RangeError` if 256 waits are already pending. Cancelled by its
   * signal, it withdraws as a timed-out wait does, re-acquires the lock, then rejects with the
   * signal's reason, unless a notification chose it first: then it resolves true.
   */
  async wait(options?: number | null | Pick<WaitOptions, "timeout" | "signal">): Promise<boolean> {
    runtime.haltIfReaped();
    const { timeout, signal } = checkWaitOptions(options, "wait on condition");
    this.#assertHeld("wait on");
    const { words, lock } = this.state;
    const slot = this.#takeSlot();
    const depth = this.#releaseFully(lock);
    let woken = false;
    let cancelled: { reason: unknown } | null = null;
    try {
      woken = await waitUntil(
        words,
        () => (Atomics.load(words, slot) & NOTIFIED) !== 0,
        { timeout, signal },
        "wait on condition",
      );
    } catch (reason) {
      cancelled = { reason };
    }
    // A timed-out wait withdraws at once, unless a notify chose it meanwhile: then it keeps the
    // notification. A notified wait keeps its slot until it holds the lock again, so that if
    // it dies first, the supervisor passes the notification on.
    runtime.haltIfReaped();
    const me = runtime.pid;
    const notified = woken || Atomics.compareExchange(words, slot, me, 0) !== me;
    try {
      for (let level = 0; level < depth; level++) await lock.acquire();
    } finally {
      if (notified) Atomics.compareExchange(words, slot, me | NOTIFIED, 0);
    }
    // A notification that chose it before the abort wins: passing it on now could lose it.
    if (cancelled !== null && !notified) throw cancelled.reason;
    return notified;
  }

  /**
   * Waits until `predicate()` is truthy, re-checking after every notify, as Python's
   * `wait_for`. The caller must hold the lock.
   *
   * @typeParam R What `predicate` returns.
   * @param predicate Checked with the lock held.
   * @param options The longest total wait and a signal, as for
   * {@linkcode Condition.prototype.wait}, or the timeout alone.
   * @returns The last value of `predicate()`. It rejects as `wait()` does, and with a
   * `TypeError` if `predicate` is not a function.
   */
  async waitFor<R>(
    predicate: () => R,
    options?: number | null | Pick<WaitOptions, "timeout" | "signal">,
  ): Promise<R> {
    if (typeof predicate !== "function") {
      throw new TypeError(
        `Cannot wait for a condition: predicate must be a function, got ${
          describeValue(predicate)
        }`,
      );
    }
    const { timeout, signal } = checkWaitOptions(options, "wait on condition");
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    let result = predicate();
    while (!result) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      await this.wait({ timeout: remaining, signal });
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting actors, the oldest waits first. The caller must hold the lock.
   *
   * @param n How many waiters to wake: an integer >= 0.
   * @throws {ReleaseError} If the caller does not hold the lock.
   * @throws {TypeError | RangeError} If `n` is not an integer >= 0.
   */
  notify(n = 1): void {
    checkInteger(n, "notify condition", "n");
    this.#notify(n);
  }

  /**
   * Wakes every waiting actor. The caller must hold the lock.
   *
   * @throws {ReleaseError} If the caller does not hold the lock.
   */
  notifyAll(): void {
    this.#notify(Infinity);
  }

  /**
   * Frees the slots of dead waiters; a notification a dead waiter was given goes to the oldest
   * live waiter, so that it is not lost with the dead.
   */
  [repairHandle](isDead: (pid: number) => boolean): void {
    const words = this.state.words;
    let handOver = 0;
    const high = Atomics.load(words, HIGH);
    for (let index = 0; index < high; index++) {
      const slot = FIRST_SLOT + index * SLOT_WORDS;
      const owner = Atomics.load(words, slot);
      if (owner === 0 || !isDead(owner & PID)) continue;
      if (Atomics.compareExchange(words, slot, owner, 0) !== owner) continue;
      if ((owner & NOTIFIED) !== 0) handOver++;
    }
    if (handOver > 0 && this.#markOldest(handOver, isDead) > 0) wake(words);
  }

  #notify(n: number): void {
    runtime.haltIfReaped();
    this.#assertHeld("notify");
    if (n > 0 && this.#markOldest(n, () => false) > 0) wake(this.state.words);
  }

  /**
   * Marks the `n` oldest waiting slots NOTIFIED (skipping those of dead waiters); returns how
   * many it marked. A slot whose waiter withdraws meanwhile is skipped, not counted.
   */
  #markOldest(n: number, isDead: (pid: number) => boolean): number {
    const words = this.state.words;
    const high = Atomics.load(words, HIGH);
    const waiting: number[] = [];
    for (let index = 0; index < high; index++) {
      const slot = FIRST_SLOT + index * SLOT_WORDS;
      const owner = Atomics.load(words, slot);
      if (owner > 0 && (owner & NOTIFIED) === 0 && !isDead(owner)) waiting.push(slot);
    }
    if (waiting.length > n) {
      // Tickets wrap around: compare their difference.
      waiting.sort((a, b) => (words[a + TICKET] - words[b + TICKET]) | 0);
    }
    let marked = 0;
    for (const slot of waiting) {
      if (marked >= n) break;
      const owner = Atomics.load(words, slot);
      if ((owner & NOTIFIED) !== 0 || owner <= 0) continue;
      if (Atomics.compareExchange(words, slot, owner, owner | NOTIFIED) === owner) marked++;
    }
    return marked;
  }

  /** Takes a free slot for a wait, its ticket set; the caller holds the lock. */
  #takeSlot(): number {
    const words = this.state.words;
    for (let index = 0; index < MAX_WAITERS; index++) {
      const slot = FIRST_SLOT + index * SLOT_WORDS;
      if (Atomics.load(words, slot) !== 0) continue;
      // Only lock holders take slots, so the ticket is ours until the owner word says so.
      Atomics.store(words, slot + TICKET, Atomics.add(words, NEXT_TICKET, 1));
      if (Atomics.compareExchange(words, slot, 0, runtime.pid) !== 0) continue;
      if (index >= Atomics.load(words, HIGH)) Atomics.store(words, HIGH, index + 1);
      return slot;
    }
    throw new RangeError(
      `Cannot wait on condition: ${MAX_WAITERS} waits are already pending on it, the most a ` +
        "Condition holds; wake some, or share the work through a Queue",
    );
  }

  #releaseFully(lock: Lock | RLock): number {
    if (lock instanceof Lock) {
      lock.release();
      return 1;
    }
    const depth = lock.count;
    for (let level = 0; level < depth; level++) lock.release();
    return depth;
  }

  #assertHeld(action: string): void {
    const lock = this.state.lock;
    const held = lock instanceof Lock ? lock[heldByCurrentActor]() : lock.count > 0;
    if (!held) {
      throw new ReleaseError(
        `Cannot ${action} condition: the caller does not hold its lock; acquire() it first`,
      );
    }
  }
}

registerSharedKind(
  import.meta,
  "Condition",
  (revival) => new Condition(undefined, revival),
);
