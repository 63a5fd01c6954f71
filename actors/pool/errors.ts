/**
 * Named errors of the {@linkcode Pool}. Each sets `name`, so callers can branch on
 * `instanceof`. Two belong to a family of the actor layer, so one `instanceof` covers it:
 * {@linkcode TaskTimeoutError} is a {@linkcode TimeoutError} (a task ran out of time, as a wait
 * does), and {@linkcode WorkerDiedError} is an {@linkcode ActorExitedError} (the actor that was
 * to answer ended first, as an `ask`'s does).
 *
 * @example One `catch` for every timeout, one for every actor that ended
 * ```ts
 * import assert from "node:assert/strict";
 * import { ActorExitedError, TaskTimeoutError, TimeoutError, WorkerDiedError } from "../../mod.ts";
 *
 * assert.ok(new TaskTimeoutError('Task "slow" timed out after 100 ms') instanceof TimeoutError);
 * assert.ok(new WorkerDiedError('Task "f" failed: its worker died') instanceof ActorExitedError);
 * ```
 *
 * @module
 */

import { ActorExitedError, TimeoutError } from "../errors.ts";

/**
 * A {@linkcode Pool} was used in a state that does not allow it: a task submitted after
 * `close()` or `terminate()`, `join()` on a pool still running, `successful()` asked of a result
 * that is not ready. Python raises `ValueError` in these places.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { PoolStateError } from "./errors.ts";
 *
 * const error = new PoolStateError('Cannot submit task "square": the pool was closed');
 * assert.equal(error.name, "PoolStateError");
 * ```
 */
export class PoolStateError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was attempted and the pool's state.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolStateError";
  }
}

/**
 * A {@linkcode Pool}'s `terminate()` ended the task before it completed: every task still queued
 * or running when the pool is terminated rejects with this error.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { PoolTerminatedError } from "./errors.ts";
 *
 * const error = new PoolTerminatedError('Task "square" was cancelled: the pool was terminated');
 * assert.equal(error.name, "PoolTerminatedError");
 * ```
 */
export class PoolTerminatedError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which task was ended.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolTerminatedError";
  }
}

/**
 * The {@linkcode Pool} worker running a task died (it was killed, called `exit()`, ran out of
 * memory, or its initializer failed). The pool replaces the worker; only the task(s) it was
 * running fail with this error, everything else still completes. `cause` is the worker's own
 * error when it had one. An {@linkcode ActorExitedError}: a `catch` of that class covers it too.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkerDiedError } from "./errors.ts";
 *
 * const error = new WorkerDiedError('Task "crawl" failed: pool worker "PoolWorker-2" died');
 * assert.equal(error.name, "WorkerDiedError");
 * ```
 */
export class WorkerDiedError extends ActorExitedError {
  /**
   * Creates the error.
   *
   * @param message Which task failed and how its worker ended.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerDiedError";
  }
}

/**
 * A {@linkcode Pool} task ran longer than its `timeout` option allowed. Nothing can interrupt a
 * running function in a worker, so the pool kills that worker and replaces it. A
 * {@linkcode TimeoutError}: a `catch` of that class covers it too.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { TaskTimeoutError } from "./errors.ts";
 *
 * const error = new TaskTimeoutError('Task "slow" timed out after 100 ms');
 * assert.equal(error.name, "TaskTimeoutError");
 * ```
 */
export class TaskTimeoutError extends TimeoutError {
  /**
   * Creates the error.
   *
   * @param message Which task timed out and after how long.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TaskTimeoutError";
  }
}

/**
 * `applyAsync` found the {@linkcode Pool}'s queue full (`maxQueue` tasks waiting). The other
 * submitting methods wait for room instead; `applyAsync` returns at once, so it cannot.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { PoolQueueFullError } from "./errors.ts";
 *
 * const error = new PoolQueueFullError('Cannot submit task "f": the queue is full');
 * assert.equal(error.name, "PoolQueueFullError");
 * ```
 */
export class PoolQueueFullError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which task was refused and the queue's bound.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolQueueFullError";
  }
}
