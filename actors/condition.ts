import { FIRST_STATE_WORD, sharedWords, waitUntil, wake } from "./_futex.ts";
import { repairHandle } from "./_portable.ts";
import { registerSharedKind, SharedHandle } from "./_shared_handle.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";
import { ReleaseError } from "./errors.ts";

/** The next ticket a waiter takes. */
const NEXT_TICKET = FIRST_STATE_WORD;
/** Every ticket below this one has been notified or skipped as cancelled. */
const RELEASED = FIRST_STATE_WORD + 1;
/**
 * One slot per ticket (modulo the ring): `t + 1` when waiter `t` gave up (timed out), `-(t + 1)`
 * when a notify woke it. Both sides change a slot only by compare-exchange, so a waiter that
 * times out at the moment it is notified either keeps the notification or gives it back.
 */
const FIRST_SLOT = FIRST_STATE_WORD + 2;
const RING = 256;

/** @ignore Internal: not part of the public API. */
interface ConditionState {
  words: Int32Array;
  lock: Lock | RLock;
}

/**
 * A condition variable shared between actors, as Python's `multiprocessing.Condition`: with
 * its lock held, `wait()` releases the lock, sleeps until notified, and takes the lock again.
 * Waiters are woken in the order they began to wait; at most 256 actors may wait at once.
 * As in Python, re-check the state after a wait, or use `waitFor(predicate)`.
 *
 * @example A notify from another actor
 * ```ts
 * import { Condition, Process } from "../mod.ts";
 * import { notifyOnce } from "../examples/doc_targets.ts";
 *
 * const ready = new Condition();
 * await ready.acquire();
 * const p = new Process({ target: notifyOnce, args: [ready] });
 * await p.start();
 * const notified = await ready.wait(5000);
 * ready.release();
 * await p.join();
 * console.assert(notified);
 * ```
 */
export class Condition extends SharedHandle<ConditionState> {
  /**
   * Creates a condition on `lock`, or on a new `RLock` as Python does.
   *
   * @param lock The lock that guards the condition's data.
   */
  constructor(lock?: Lock | RLock) {
    super(
      "Condition",
      import.meta.url,
      () => ({ words: sharedWords(FIRST_SLOT + RING), lock: lock ?? new RLock() }),
    );
  }

  /**
   * Acquires the underlying lock.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds.
   * @returns True once held.
   */
  acquire(options?: { blocking?: boolean; timeout?: number }): Promise<boolean> {
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
   * Releases the lock, waits for a notify (or `timeoutMs`), then re-acquires the lock.
   *
   * @param timeoutMs The longest wait in milliseconds; forever when omitted.
   * @returns False if the wait timed out, true if it was notified.
   * @throws {ReleaseError} If the caller does not hold the lock.
   */
  async wait(timeoutMs?: number): Promise<boolean> {
    const { words, lock } = this.state;
    const depth = this.#releaseFully(lock);
    const ticket = Atomics.add(words, NEXT_TICKET, 1);
    const woken = await waitUntil(
      words,
      () => Atomics.load(words, RELEASED) > ticket,
      { timeout: timeoutMs },
      "wait on condition",
    );
    const notified = woken || !this.#giveUp(ticket);
    for (let level = 0; level < depth; level++) await lock.acquire();
    return notified;
  }

  /**
   * Waits until `predicate()` is true, re-checking after every notify, as Python's `wait_for`.
   *
   * @param predicate Checked with the lock held.
   * @param timeoutMs The longest total wait in milliseconds; forever when omitted.
   * @returns The last value of `predicate()`.
   */
  async waitFor(predicate: () => boolean, timeoutMs?: number): Promise<boolean> {
    const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
    let result = predicate();
    while (!result) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      await this.wait(Number.isFinite(remaining) ? remaining : undefined);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting actors. The caller must hold the lock.
   *
   * @param n How many waiters to wake.
   * @throws {ReleaseError} If the caller does not hold the lock.
   */
  notify(n = 1): void {
    this.#assertHeld("notify");
    const words = this.state.words;
    const next = Atomics.load(words, NEXT_TICKET);
    let ticket = Atomics.load(words, RELEASED);
    for (let woken = 0; woken < n && ticket < next; ticket++) {
      if (this.#settle(ticket, -(ticket + 1))) woken++;
    }
    Atomics.store(words, RELEASED, ticket);
    wake(words);
  }

  /**
   * Wakes every waiting actor. The caller must hold the lock.
   *
   * @throws {ReleaseError} If the caller does not hold the lock.
   */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** The lock's own repair runs through its adoption; waiters hold nothing. */
  [repairHandle](): void {}

  /** A timed-out waiter withdraws its ticket; false if a notify woke it first. */
  #giveUp(ticket: number): boolean {
    return this.#settle(ticket, ticket + 1);
  }

  /**
   * Claims ticket's slot for `mark` (woken by a notify, or given up by its waiter) unless the
   * other side claimed it first; true when this side won.
   */
  #settle(ticket: number, mark: number): boolean {
    const words = this.state.words;
    const slot = FIRST_SLOT + (ticket % RING);
    while (true) {
      const current = Atomics.load(words, slot);
      if (current === ticket + 1 || current === -(ticket + 1)) return false;
      if (Atomics.compareExchange(words, slot, current, mark) === current) return true;
    }
  }

  #releaseFully(lock: Lock | RLock): number {
    this.#assertHeld("wait on");
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
    const held = lock instanceof Lock ? lock.locked() : lock.count > 0;
    if (!held) {
      throw new ReleaseError(
        `Cannot ${action} condition: the caller does not hold its lock; acquire() it first`,
      );
    }
  }
}

registerSharedKind(import.meta, "Condition", () => new Condition());
