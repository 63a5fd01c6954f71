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
import { registerSharedKind, type Revival, SharedHandle } from "../_kernel/shared_handle.ts";
import { ReleaseError } from "./errors.ts";

export type { AcquireOptions };

/**
 * FREE, DIED (free, and its last holder died holding it) or the holder's pid, with the SLEEPING
 * bit set once a waiter went to sleep on it: a Lock's permit word (`_permit_primitive.ts`).
 */
const OWNER = FIRST_STATE_WORD;
/**
 * How many times the holder holds the lock. Only the holder reads or writes it, with plain
 * accesses: the compare-exchanges on OWNER that pass the lock on order them.
 */
const COUNT = FIRST_STATE_WORD + 1;
const FREE = 0;
const DIED = -2;
const SLEEPING = 1 << 30;
const HOLDER = SLEEPING - 1;

/**
 * A re-entrant lock, as Python's `multiprocessing.RLock`: the actor that holds it may acquire
 * it again, and must release it as many times. Only the holder may release it. Ownership is per
 * actor (Python's is per process and thread). If the holder dies, the supervisor releases it
 * and the next acquirer sees {@linkcode RLock.prototype.ownerDied} true.
 *
 * @example Re-entering
 * ```ts
 * import assert from "node:assert/strict";
 * import { RLock } from "../../mod.ts";
 *
 * const lock = new RLock();
 * await lock.acquire();
 * await lock.acquire();
 * assert.equal(lock.count, 2);
 * lock.release();
 * lock.release();
 * assert.equal(lock.count, 0);
 * ```
 */
export class RLock extends SharedHandle<Int32Array> {
  #ownerDied = false;

  /** Creates an unlocked re-entrant lock. */
  constructor();
  /** @ignore Revives a lock another actor described (see `registerSharedKind`). */
  constructor(revival?: Revival);
  constructor(revival?: Revival) {
    super("RLock", () => sharedWords(FIRST_STATE_WORD + 2), revival);
  }

  /** True when this actor's latest first acquire took the lock over from an actor that died holding it. */
  get ownerDied(): boolean {
    return this.#ownerDied;
  }

  /** How many times the current actor holds the lock (0 when it does not). */
  get count(): number {
    return this.#holds(runtime.pid) ? this.state[COUNT] : 0;
  }

  /**
   * Acquires the lock, or acquires it once more if this actor holds it.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds.
   * @returns True once held; false if not blocking or out of time. It rejects with a
   * `TypeError` or `RangeError` for bad options.
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    if (options === undefined && this.#take()) return Promise.resolve(true);
    return waitUntil(this.state, this.#take, options ?? {}, "acquire rlock");
  }

  /**
   * The blocking form of {@linkcode RLock.prototype.acquire}, for workers.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds.
   * @returns True once held; false if not blocking or out of time.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   */
  acquireSync(options?: AcquireOptions): boolean {
    if (options === undefined && this.#take()) return true;
    return waitUntilSync(this.state, this.#take, options ?? {}, "acquire rlock");
  }

  /**
   * Releases one level; the lock is free when every acquire was released.
   *
   * @throws {ReleaseError} If this actor does not hold the lock.
   */
  release(): void {
    // A holder reaped while stuck in synchronous code halts here, before it can free the lock
    // that the supervisor already gave to another actor.
    runtime.haltIfReaped();
    const words = this.state;
    const me = runtime.pid;
    if (!this.#holds(me)) {
      throw new ReleaseError(
        `Cannot release rlock: actor ${me} does not hold it; only its holder can release it`,
      );
    }
    const count = words[COUNT];
    if (count > 1) {
      words[COUNT] = count - 1;
      return;
    }
    words[COUNT] = 0;
    // Nobody asleep on it: nothing to wake. Else a waiter can only have added SLEEPING.
    if (Atomics.compareExchange(words, OWNER, me, FREE) === me) return;
    Atomics.compareExchange(words, OWNER, me | SLEEPING, FREE);
    wake(words);
  }

  /**
   * Acquires, runs `fn`, and releases even if `fn` throws.
   *
   * @typeParam T What `fn` returns.
   * @param fn The critical section.
   * @returns What `fn` returned.
   */
  withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    return withAcquired(this, fn, "rlock");
  }

  /**
   * Acquires and returns a disposable that releases once: `using _ = await lock.lock();`.
   *
   * @returns The disposable.
   */
  lock(): Promise<Disposable> {
    return acquireDisposable(this);
  }

  /** Frees the lock if its holder is dead. */
  [repairHandle](isDead: (pid: number) => boolean): void {
    const words = this.state;
    let owner = Atomics.load(words, OWNER);
    // A waiter may set SLEEPING between the load and the exchange: retry with what is there.
    while (owner > 0 && isDead(owner & HOLDER)) {
      const seen = Atomics.compareExchange(words, OWNER, owner, DIED);
      if (seen === owner) {
        this.countOwnerDied();
        wake(words);
        return;
      }
      owner = seen;
    }
  }

  /** The holder and its depth, sleeping waiters and the repairs of a dead holder. */
  protected override inspectState(): Record<string, unknown> {
    const owner = Atomics.load(this.state, OWNER);
    return {
      holders: owner > 0 ? [owner & HOLDER] : [],
      depth: owner > 0 ? Atomics.load(this.state, COUNT) : 0,
      waiters: Atomics.load(this.state, SLEEPERS),
      ownerDiedEvents: this.ownerDiedEvents,
    };
  }

  /**
   * Whether actor `me` holds the lock. A plain read is enough: only `me` writes its pid there,
   * and only `me` removes it (or the supervisor, once `me` is dead); others only add SLEEPING.
   */
  #holds(me: number): boolean {
    const owner = this.state[OWNER];
    return owner > 0 && (owner & HOLDER) === me;
  }

  /**
   * Takes the lock, or takes it once more if this actor holds it; when `sleeping` and another
   * actor holds it, marks it SLEEPING so that its release wakes this waiter.
   */
  readonly #take = (sleeping?: boolean): boolean => {
    runtime.haltIfReaped();
    const words = this.state;
    const me = runtime.pid;
    if (this.#holds(me)) {
      words[COUNT]++;
      return true;
    }
    let owner = Atomics.compareExchange(words, OWNER, FREE, me);
    if (owner === FREE) {
      words[COUNT] = 1;
      this.#ownerDied = false;
      return true;
    }
    while (true) {
      if (owner > 0 && (owner & HOLDER) === me) {
        words[COUNT]++;
        return true;
      }
      let wanted: number;
      if (owner === FREE || owner === DIED) wanted = me;
      else if (sleeping && owner > 0 && (owner & SLEEPING) === 0) wanted = owner | SLEEPING;
      else return false;
      const seen = Atomics.compareExchange(words, OWNER, owner, wanted);
      if (seen !== owner) {
        owner = seen;
        continue;
      }
      if (wanted !== me) return false;
      words[COUNT] = 1;
      this.#ownerDied = owner === DIED;
      return true;
    }
  };
}

registerSharedKind(import.meta, "RLock", (revival) => new RLock(revival));
