/**
 * What managed locks and semaphores share: acquire and release in the manager, and the scoped
 * forms that release even when the critical section throws.
 *
 * @module
 */
import type { AcquireOptions } from "../../_shm/futex.ts";
import { BaseProxy, type ProxyBinding } from "./_base.ts";
import { waitOptions } from "../_wire/args.ts";

/**
 * Base of {@linkcode LockProxy} and {@linkcode SemaphoreProxy}. Permits are counted per actor
 * in the manager: an actor that ends, however it ends, gives back the permits it held.
 *
 * @ignore Internal: not part of the public API.
 */
export abstract class PermitProxy extends BaseProxy {
  readonly #action: string;

  /**
   * Binds the proxy to its permits.
   *
   * @param binding The manager connection and the object.
   */
  protected constructor(binding: ProxyBinding) {
    super(binding);
    this.#action = `acquire ${binding.ref.kind}`;
  }

  /**
   * Takes a permit, waiting in the manager while there is none.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds (`Infinity` for no
   * limit).
   * @returns True once taken; false if not blocking or out of time.
   * @throws {RangeError} If the timeout is negative or NaN (nothing is sent).
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    return this.callWith("acquire", () => [waitOptions(options, this.#action)]);
  }

  /**
   * Gives a permit back: this actor's own if it holds one, else another holder's.
   *
   * @returns Once released.
   * @throws {ReleaseError} If a lock is released while unlocked.
   */
  release(): Promise<void> {
    return this.call("release");
  }

  /**
   * Acquires, runs `fn`, and releases even if `fn` throws.
   *
   * @typeParam T What `fn` returns.
   * @param fn The critical section.
   * @returns What `fn` returned.
   */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }

  /**
   * Acquires and returns a disposable that releases: `await using _ = await lock.lock();`.
   *
   * @returns An async disposable whose disposal releases the permit once.
   */
  async lock(): Promise<AsyncDisposable> {
    await this.acquire();
    let released = false;
    return {
      [Symbol.asyncDispose]: async () => {
        if (!released) await this.release();
        released = true;
      },
    };
  }
}
