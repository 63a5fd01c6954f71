/**
 * The scoped forms every lock-like primitive offers, written once.
 *
 * @module
 */

/** What the scoped forms need from a lock. */
export interface Acquirable {
  acquire(): Promise<boolean>;
  release(): void;
}

/** Acquires `lock`, runs `fn`, and releases even if `fn` throws. */
export async function withAcquired<T>(lock: Acquirable, fn: () => T | Promise<T>): Promise<T> {
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
