import { runtime } from "../_kernel/runtime.ts";
import { checkWaitOptions, settledWithin } from "../_shm/time.ts";
import type { WaitOptions } from "../wait_options.ts";
import { TimeoutError } from "../errors.ts";
import { PoolStateError } from "./errors.ts";

/**
 * The result of a task submitted with {@linkcode Pool.prototype.applyAsync} (or of a whole map
 * with `mapAsync`/`starmapAsync`), as Python's `AsyncResult`: submit many tasks first, then
 * collect their results, so they run at the same time.
 *
 * A result nobody collects is not an error: a failed task whose result is never read does not
 * crash the program.
 *
 * @typeParam T The task's result type, from the task function's return type.
 *
 * @example Submit first, collect after (the seeds' right way)
 * ```ts
 * import assert from "node:assert/strict";
 * import { Pool } from "../../mod.ts";
 * import { double } from "../../examples/doc_targets.ts";
 *
 * await using pool = new Pool({ processes: 2 });
 * const results = [1, 2, 3].map((n) => pool.applyAsync(double, [n]));
 * const values = [];
 * for (const result of results) values.push(await result.get());
 * assert.deepEqual(values, [2, 4, 6]);
 * ```
 */
export class AsyncResult<T> {
  readonly #promise: Promise<T>;
  #ready = false;
  #successful = false;

  /**
   * Wraps the promise of a submitted task; the pool creates these.
   *
   * @param promise Settles with the task's result or error.
   */
  constructor(promise: Promise<T>) {
    this.#promise = promise;
    promise.then(() => this.#successful = this.#ready = true, () => this.#ready = true);
  }

  /**
   * Waits for the result, as Python's `get(timeout)`.
   *
   * @param options A `timeout` in milliseconds (forever when omitted, `null` or `Infinity`) and
   * a `signal` that cancels the wait; or the timeout alone, as Python passes it (`get(1000)`).
   * Running out of time, or being cancelled, does not cancel the task: `get()` may be called
   * again.
   * @returns The task's result.
   * @throws {TimeoutError} If the result is not ready within the timeout.
   * @throws {RangeError} If the timeout is negative or NaN.
   * @throws {TypeError} If the timeout is not a number, or the signal not an `AbortSignal`.
   * @throws {Error} The task's own error (with the worker's `name`, `message` and `stack`), or
   * `WorkerDiedError`, `TaskTimeoutError`, `PoolTerminatedError`, or an abort signal's reason.
   *
   * @example Wait at most one second
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 1 });
   * assert.equal(await pool.applyAsync(double, [21]).get(1000), 42);
   * ```
   */
  async get(options?: number | null | Pick<WaitOptions, "timeout" | "signal">): Promise<T> {
    const { timeout, signal } = checkWaitOptions(options, "get the task's result");
    if (this.#ready || (timeout === undefined && signal === undefined)) {
      return await this.#settled(this.#promise);
    }
    if (!(await this.wait({ timeout, signal }))) {
      throw new TimeoutError(
        `Cannot get the task's result: it was not ready within ${timeout} ms; call get() ` +
          "again, or raise the timeout",
      );
    }
    return await this.#promise;
  }

  /**
   * Waits until the result is ready (success or failure), or until `timeoutMs` passes; never
   * throws the task's error, as Python's `wait(timeout)`.
   *
   * @param options A `timeout` in milliseconds (forever when omitted, `null` or `Infinity`) and
   * a `signal` that cancels the wait; or the timeout alone, as Python passes it (`wait(1000)`).
   * @returns Whether the result is ready.
   * @throws {RangeError} If the timeout is negative or NaN.
   * @throws {TypeError} If the timeout is not a number, or the signal not an `AbortSignal`.
   * @throws {unknown} The signal's reason, when it aborts first.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 1 });
   * const result = pool.applyAsync(double, [1]);
   * assert.equal(await result.wait(), true);
   * assert.equal(result.ready(), true);
   * ```
   */
  async wait(options?: number | null | Pick<WaitOptions, "timeout" | "signal">): Promise<boolean> {
    const { timeout, signal } = checkWaitOptions(options, "wait for the task's result");
    const settled = this.#promise.then(() => true, () => true);
    if (this.#ready) return true;
    return await runtime.waitFor(settledWithin(settled, timeout, signal));
  }

  /** Awaits `promise`, keeping the program alive meanwhile unless the result is already in. */
  #settled<V>(promise: Promise<V>): Promise<V> {
    return this.#ready ? promise : runtime.waitFor(promise);
  }

  /**
   * Whether the task has completed (successfully or not), as Python's `ready()`.
   *
   * @returns True once the result or error is known.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 1 });
   * const result = pool.applyAsync(double, [1]);
   * assert.equal(result.ready(), false);
   * await result.wait();
   * assert.equal(result.ready(), true);
   * ```
   */
  ready(): boolean {
    return this.#ready;
  }

  /**
   * Whether the task completed without error, as Python's `successful()`.
   *
   * @returns True if the task returned a value, false if it failed.
   * @throws {PoolStateError} If the result is not ready yet.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 1 });
   * const result = pool.applyAsync(double, [1]);
   * await result.wait();
   * assert.equal(result.successful(), true);
   * ```
   */
  successful(): boolean {
    if (!this.#ready) {
      throw new PoolStateError(
        "Cannot tell whether the task was successful: its result is not ready; wait() first",
      );
    }
    return this.#successful;
  }
}
