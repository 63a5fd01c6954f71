/**
 * Lock, Semaphore and BoundedSemaphore on one mechanism: each permit is one shared word that is
 * FREE, DIED (free, and its last holder died holding it), NONE (not a permit now: room for a
 * semaphore's value to grow) or the pid of the actor holding it, with the SLEEPING bit set once
 * a waiter went to sleep on it. Taking, giving back and repairing are each a single
 * compare-exchange, so an actor terminated at any instruction leaves no half-done state, and the
 * supervisor's repair frees exactly the permits whose holder is dead.
 *
 * The uncontended acquire + release is two compare-exchanges on the first permit word and
 * nothing else: the owner-died report is in the word taken (DIED), and a release that finds its
 * own pid without the SLEEPING bit knows that nobody sleeps on it, so it skips the wake. A
 * waiter registers in SLEEPERS, then, on its last try before sleeping, sets SLEEPING on every
 * held permit word: a holder's release either happens first (the try takes the permit) or fails
 * its compare-exchange on the marked word and wakes.
 *
 * Every operation checks first that this actor was not reaped (`runtime.haltIfReaped()`, a plain
 * read in a worker): a holder terminated while stuck in synchronous code, whose permit the
 * supervisor already gave to another actor, halts at its `release()` instead of freeing the
 * permit the new holder took.
 *
 * @module
 */
import {
  type AcquireOptions,
  FIRST_STATE_WORD,
  sharedWords,
  SLEEPERS,
  waitUntil,
  waitUntilSync,
  wake,
} from "../_shm/futex.ts";
import { repairHandle } from "../_kernel/handles.ts";
import { acquireDisposable, withAcquired } from "./_scoped_lock.ts";
import { runtime } from "../_kernel/runtime.ts";
import { type Revival, SharedHandle } from "../_kernel/shared_handle.ts";
import { ReleaseError } from "./errors.ts";

export type { AcquireOptions };

const FIRST_PERMIT = FIRST_STATE_WORD;
const FREE = 0;
const NONE = -1;
/** Free, and its last holder died holding it: whoever takes it is told ({@linkcode PermitPrimitive.prototype.ownerDied}). */
const DIED = -2;
/** Set on a held permit word by a waiter about to sleep: its release must wake. Pids stay below. */
const SLEEPING = 1 << 30;
const HOLDER = SLEEPING - 1;

/**
 * The most permits a semaphore can have: each is one shared word, that a dead holder's permit can
 * be given back by a single compare-exchange, and an acquire that finds none free looks at each.
 */
export const MAX_PERMITS = 65_536;

/**
 * Method telling whether the current actor holds a permit: a Condition's wait and notify need
 * the caller to hold the lock, as Python's do.
 *
 * @ignore Internal: not part of the public API.
 */
export const heldByCurrentActor: unique symbol = Symbol("heldByCurrentActor");

/** How a primitive kind behaves, read from its class. */
export interface PermitKind {
  /** Whether releasing above the initial value is an error. */
  readonly bounded: boolean;
  /** The noun in error messages: "lock", "semaphore". */
  readonly noun: string;
}

/**
 * The shared machinery of permit-based primitives.
 *
 * @ignore Internal: not part of the public API.
 */
export abstract class PermitPrimitive extends SharedHandle<Int32Array> {
  #ownerDied = false;
  readonly #kind: PermitKind;
  readonly #acquireAction: string;

  /**
   * Allocates `capacity` permit words of which `initial` are free, or revives described ones.
   *
   * @param initial The number of free permits.
   * @param capacity The most permits there can ever be.
   * @param revival What the reviver passed, to revive described permit words.
   */
  protected constructor(initial: number, capacity: number, revival?: Revival) {
    const kind = new.target as unknown as PermitKind & { name: string };
    super(kind.name, () => {
      const words = sharedWords(FIRST_PERMIT + capacity);
      words.fill(NONE, FIRST_PERMIT + initial);
      return words;
    }, revival);
    this.#kind = kind;
    this.#acquireAction = `acquire ${kind.noun}`;
  }

  /**
   * True when this actor's latest successful acquire took over a permit from an actor that
   * died holding it (terminated, killed or crashed): the data it protected may be half-updated,
   * so check it. The supervisor released the permit; nothing deadlocks.
   */
  get ownerDied(): boolean {
    return this.#ownerDied;
  }

  /**
   * Takes a permit, waiting while there is none. Like Python's `acquire(block, timeout)`.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds.
   * @returns True once taken; false if not blocking or out of time. It rejects with a
   * `TypeError` or `RangeError` for bad options (a timeout that is negative, NaN or not a number).
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    if (options === undefined && this.#takeFirst()) return Promise.resolve(true);
    return waitUntil(this.state, this.#take, options ?? {}, this.#acquireAction);
  }

  /**
   * The blocking form of {@linkcode PermitPrimitive.prototype.acquire} for workers that must
   * not yield.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds.
   * @returns True once taken; false if not blocking or out of time.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   * @throws {TypeError | RangeError} For bad options.
   */
  acquireSync(options?: AcquireOptions): boolean {
    if (options === undefined && this.#takeFirst()) return true;
    return waitUntilSync(this.state, this.#take, options ?? {}, this.#acquireAction);
  }

  /**
   * Gives a permit back: the caller's own if it holds one, else one held by another actor
   * (Python lets any process release), else, for an unbounded semaphore, a new one.
   *
   * @throws {ReleaseError} If nothing can be released: an unlocked lock, a bounded semaphore
   * at its initial value, a semaphore at its capacity.
   */
  release(): void {
    runtime.haltIfReaped();
    const me = runtime.pid;
    // The caller's own first permit, and nobody asleep on it: nothing to wake.
    if (Atomics.compareExchange(this.state, FIRST_PERMIT, me, FREE) === me) return;
    if (
      !this.#giveBack(me) && !this.#giveBack(null) &&
      (this.#kind.bounded || !this.#swapAny(NONE, FREE))
    ) {
      throw new ReleaseError(this.#overReleaseMessage());
    }
    wake(this.state);
  }

  /**
   * Acquires, runs `fn`, and releases even if `fn` throws.
   *
   * @typeParam T What `fn` returns.
   * @param fn The critical section.
   * @returns What `fn` returned.
   */
  withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    return withAcquired(this, fn, this.#kind.noun);
  }

  /**
   * Acquires and returns a disposable that releases: `using _ = await lock.lock();`.
   *
   * @returns A disposable whose disposal releases the permit once.
   */
  lock(): Promise<Disposable> {
    return acquireDisposable(this);
  }

  /** Whether a permit is held by the current actor. */
  [heldByCurrentActor](): boolean {
    const me = runtime.pid;
    for (let index = FIRST_PERMIT; index < this.state.length; index++) {
      const current = Atomics.load(this.state, index);
      if (current > 0 && (current & HOLDER) === me) return true;
    }
    return false;
  }

  /** Frees permits held by dead actors and marks the next acquirer as told. */
  [repairHandle](isDead: (pid: number) => boolean): void {
    const words = this.state;
    let repaired = false;
    for (let index = FIRST_PERMIT; index < words.length; index++) {
      let current = Atomics.load(words, index);
      // A waiter may set SLEEPING between the load and the exchange: retry with what is there.
      while (current > 0 && isDead(current & HOLDER)) {
        const seen = Atomics.compareExchange(words, index, current, DIED);
        if (seen === current) {
          repaired = true;
          break;
        }
        current = seen;
      }
    }
    if (repaired) {
      this.countOwnerDied();
      wake(words);
    }
  }

  /** Holders, free permits, sleeping waiters and the permits freed from dead holders. */
  protected override inspectState(): Record<string, unknown> {
    const holders: number[] = [];
    for (let index = FIRST_PERMIT; index < this.state.length; index++) {
      const current = Atomics.load(this.state, index);
      if (current > 0) holders.push(current & HOLDER);
    }
    return {
      holders,
      free: this.freePermits(),
      waiters: Atomics.load(this.state, SLEEPERS),
      ownerDiedEvents: this.ownerDiedEvents,
    };
  }

  /** The number of free permits, as Python's `get_value()`. */
  protected freePermits(): number {
    let free = 0;
    for (let index = FIRST_PERMIT; index < this.state.length; index++) {
      const current = Atomics.load(this.state, index);
      if (current === FREE || current === DIED) free++;
    }
    return free;
  }

  /** The fast path of an acquire: the first permit word, free. */
  #takeFirst(): boolean {
    runtime.haltIfReaped();
    if (Atomics.compareExchange(this.state, FIRST_PERMIT, FREE, runtime.pid) !== FREE) return false;
    this.#ownerDied = false;
    return true;
  }

  /**
   * Takes any free permit; when `sleeping` and there is none, marks every held one SLEEPING so
   * that its release wakes this waiter.
   */
  readonly #take = (sleeping?: boolean): boolean => {
    runtime.haltIfReaped();
    const words = this.state;
    const me = runtime.pid;
    for (let index = FIRST_PERMIT; index < words.length; index++) {
      let current = Atomics.load(words, index);
      while (true) {
        let wanted: number;
        if (current === FREE || current === DIED) wanted = me;
        else if (sleeping && current > 0 && (current & SLEEPING) === 0) wanted = current | SLEEPING;
        else break;
        const seen = Atomics.compareExchange(words, index, current, wanted);
        if (seen !== current) {
          current = seen;
          continue;
        }
        if (wanted !== me) break;
        this.#ownerDied = current === DIED;
        return true;
      }
    }
    return false;
  };

  /** Frees a permit held by `holder`, or by anyone when `holder` is null. */
  #giveBack(holder: number | null): boolean {
    const words = this.state;
    for (let index = FIRST_PERMIT; index < words.length; index++) {
      let current = Atomics.load(words, index);
      // A waiter may set SLEEPING between the load and the exchange: retry with what is there.
      while (current > 0 && (holder === null || (current & HOLDER) === holder)) {
        const seen = Atomics.compareExchange(words, index, current, FREE);
        if (seen === current) return true;
        current = seen;
      }
    }
    return false;
  }

  #swapAny(from: number, to: number): boolean {
    const words = this.state;
    for (let index = FIRST_PERMIT; index < words.length; index++) {
      if (
        Atomics.load(words, index) === from &&
        Atomics.compareExchange(words, index, from, to) === from
      ) {
        return true;
      }
    }
    return false;
  }

  #overReleaseMessage(): string {
    const { noun, bounded } = this.#kind;
    if (noun === "lock") return "Cannot release lock: it is not locked";
    return bounded
      ? `Cannot release ${noun}: it is back at its initial value of ${
        this.state.length - FIRST_PERMIT
      }; ` +
        "release only what was acquired"
      : `Cannot release ${noun}: its value is at its capacity of ${
        this.state.length - FIRST_PERMIT
      }; ` +
        "create it with a larger `capacity`";
  }
}
