/**
 * Named errors of the synchronization primitives (`Lock`, `RLock`, semaphores, `Condition`,
 * `Barrier`). Each sets `name`, so callers can branch on `instanceof`, in the actor that threw
 * and in one the error crossed to. A synchronous wait that would block the main thread raises
 * `BlockingError`, of the actor layer (`actors/errors.ts`): the channels' waits raise it too.
 *
 * @module
 */

/**
 * A lock or semaphore was released more times than it was acquired: an unlocked `Lock`, an
 * `RLock` not held by the releasing actor, a `BoundedSemaphore` above its initial value.
 * Python raises `ValueError` or `RuntimeError` here.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReleaseError } from "./errors.ts";
 *
 * const error = new ReleaseError("Cannot release lock: it is not locked");
 * assert.equal(error.name, "ReleaseError");
 * ```
 */
export class ReleaseError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was released and why that was wrong.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ReleaseError";
  }
}

/**
 * A `Barrier` is broken: it was aborted, reset while parties waited, or a wait timed out. Every
 * party waiting on it, and every later `wait()` until `reset()`, rejects with this error.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokenBarrierError } from "./errors.ts";
 *
 * const error = new BrokenBarrierError("The barrier was aborted");
 * assert.equal(error.name, "BrokenBarrierError");
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Creates the error.
   *
   * @param message How the barrier broke.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenBarrierError";
  }
}
