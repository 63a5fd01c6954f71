import {
  type AcquireOptions,
  FIRST_STATE_WORD,
  sharedWords,
  waitUntil,
  waitUntilSync,
  wake,
} from "./_futex.ts";
import { repairHandle } from "./_portable.ts";
import { acquireDisposable, withAcquired } from "./_scoped_lock.ts";
import { runtime } from "./_runtime.ts";
import { registerSharedKind, SharedHandle } from "./_shared_handle.ts";
import { ReleaseError } from "./errors.ts";

export type { AcquireOptions };

const OWNER = FIRST_STATE_WORD;
const COUNT = FIRST_STATE_WORD + 1;
const OWNER_DIED = FIRST_STATE_WORD + 2;

/**
 * A re-entrant lock, as Python's `multiprocessing.RLock`: the actor that holds it may acquire
 * it again, and must release it as many times. Only the holder may release it. Ownership is per
 * actor (Python's is per process and thread). If the holder dies, the supervisor releases it
 * and the next acquirer sees {@linkcode RLock.prototype.ownerDied} true.
 *
 * @example Re-entering
 * ```ts
 * import { RLock } from "../mod.ts";
 *
 * const lock = new RLock();
 * await lock.acquire();
 * await lock.acquire();
 * console.assert(lock.count === 2);
 * lock.release();
 * lock.release();
 * console.assert(lock.count === 0);
 * ```
 */
export class RLock extends SharedHandle<Int32Array> {
  #ownerDied = false;

  /** Creates an unlocked re-entrant lock. */
  constructor() {
    super("RLock", import.meta.url, () => sharedWords(FIRST_STATE_WORD + 3));
  }

  /** True when this actor's latest first acquire took the lock over from an actor that died holding it. */
  get ownerDied(): boolean {
    return this.#ownerDied;
  }

  /** How many times the current actor holds the lock (0 when it does not). */
  get count(): number {
    return Atomics.load(this.state, OWNER) === runtime.pid ? Atomics.load(this.state, COUNT) : 0;
  }

  /**
   * Acquires the lock, or acquires it once more if this actor holds it.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds.
   * @returns True once held; false if not blocking or out of time.
   */
  acquire(options: AcquireOptions = {}): Promise<boolean> {
    return waitUntil(this.state, this.#take, options, "acquire rlock");
  }

  /**
   * The blocking form of {@linkcode RLock.prototype.acquire}, for workers.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds.
   * @returns True once held; false if not blocking or out of time.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   */
  acquireSync(options: AcquireOptions = {}): boolean {
    return waitUntilSync(this.state, this.#take, options, "acquire rlock");
  }

  /**
   * Releases one level; the lock is free when every acquire was released.
   *
   * @throws {ReleaseError} If this actor does not hold the lock.
   */
  release(): void {
    const words = this.state;
    if (Atomics.load(words, OWNER) !== runtime.pid) {
      throw new ReleaseError(
        `Cannot release rlock: actor ${runtime.pid} does not hold it; only its holder can release it`,
      );
    }
    if (Atomics.sub(words, COUNT, 1) === 1) {
      Atomics.store(words, OWNER, 0);
      wake(words);
    }
  }

  /**
   * Acquires, runs `fn`, and releases even if `fn` throws.
   *
   * @typeParam T What `fn` returns.
   * @param fn The critical section.
   * @returns What `fn` returned.
   */
  withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    return withAcquired(this, fn);
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
    const owner = Atomics.load(words, OWNER);
    if (owner === 0 || !isDead(owner)) return;
    Atomics.store(words, COUNT, 0);
    if (Atomics.compareExchange(words, OWNER, owner, 0) === owner) {
      Atomics.store(words, OWNER_DIED, 1);
      wake(words);
    }
  }

  readonly #take = (): boolean => {
    runtime.haltIfReaped();
    const words = this.state;
    const me = runtime.pid;
    if (Atomics.load(words, OWNER) === me) {
      Atomics.add(words, COUNT, 1);
      return true;
    }
    if (Atomics.compareExchange(words, OWNER, 0, me) !== 0) return false;
    Atomics.store(words, COUNT, 1);
    this.#ownerDied = Atomics.load(words, OWNER_DIED) === 1 &&
      Atomics.compareExchange(words, OWNER_DIED, 1, 0) === 1;
    return true;
  };
}

registerSharedKind(import.meta, "RLock", () => new RLock());
