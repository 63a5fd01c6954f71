/**
 * The scoped forms every lock-like primitive offers, written once. Both are async functions, so
 * every failure (a bad argument included) rejects the promise they return.
 *
 * @module
 */
import { describeValue } from "../_shm/time.ts";

/** What the scoped forms need from a lock. */
export interface Acquirable {
  acquire(): Promise<boolean>;
  release(): void;
}

/** Acquires `lock`, runs `fn`, and releases even if `fn` throws. */
export async function withAcquired<T>(
  lock: Acquirable,
  fn: () => T | Promise<T>,
  noun: string,
): Promise<T> {
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot run withLock on ${noun}: expected a function to run while holding it, got ` +
        describeValue(fn),
    );
  }
  await lock.acquire();
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Acquires `lock` and returns a disposable that releases it once. */
export async function acquireDisposable(lock: Acquirable): Promise<Disposable> {
  await lock.acquire();
  let released = false;
  return {
    [Symbol.dispose]: () => {
      if (!released) lock.release();
      released = true;
    },
  };
}
