import { ApplyJob } from "./_apply_job.ts";
import { assertCloneable } from "../_shm/clone.ts";
import { MapJob, type MapMode } from "./_map_job.ts";
import { PoolEngine } from "./_engine.ts";
import { runtime } from "../_kernel/runtime.ts";
import { refFor } from "../_kernel/targets.ts";
import { checkInteger, checkSignal, checkTimeout, describeValue } from "../_shm/time.ts";
import { AsyncResult } from "./async_result.ts";
import { cpuCount } from "../cpu_count.ts";
import { TargetNotFoundError } from "../errors.ts";
import type { Process } from "../process.ts";

/** How far `imap` reads ahead of its consumer, in chunks, when `maxQueue` is not set. */
const DEFAULT_READ_AHEAD = 1024;
/** The most workers a pool may have: each is a thread with a heap of its own. */
const MAX_PROCESSES = 1024;

/** Options of {@linkcode Pool}, as Python's `Pool(processes, initializer, initargs, maxtasksperchild)`. */
export interface PoolOptions {
  /**
   * The number of worker processes.
   *
   * @default {cpuCount()}
   */
  processes?: number;
  /**
   * Called once in each worker, with `initargs`, before it takes tasks (sync or async). Like a
   * task, it must be exported from the main module or registered with `task(import.meta, fn)`.
   * If it throws, the pool is broken: its tasks fail with `WorkerDiedError` instead of the pool
   * restarting workers forever, as Python's does.
   */
  // deno-lint-ignore no-explicit-any
  initializer?: (...args: any[]) => unknown;
  /**
   * Arguments of `initializer`: plain data and handles (locks, queues, values).
   *
   * @default {[]}
   */
  initargs?: unknown[];
  /**
   * A worker exits and is replaced after this many tasks (a map chunk counts as one task), to
   * release what long-lived workers accumulate.
   *
   * @default {Infinity}
   */
  maxTasksPerChild?: number;
  /**
   * The most tasks (map chunks) waiting in the pool's queue. When it is full, `apply` and the
   * map forms wait for room before reading more of their input (backpressure), and `applyAsync`
   * throws `PoolQueueFullError`. `imap` and `imapUnordered` also never read more than this many
   * chunks ahead of their consumer (1024 when it is not set), so an infinite input is fine.
   *
   * @default {Infinity}
   */
  maxQueue?: number;
  /**
   * The most memory, in MiB, each worker's JavaScript heap may hold (V8's old generation;
   * `ArrayBuffer` contents do not count). A task that needs more ends its worker: the task
   * fails with `WorkerDiedError` (its `cause`: "Worker terminated due to reaching memory limit"),
   * the worker is replaced and the program goes on. Whatever the limit, a worker out of memory
   * no longer aborts the program. One Deno 2.9 limit: the heap must fill in the synchronous part
   * of a task; if it fills in what an async task runs after an `await`, Deno drops that code
   * silently and the task never settles, so give such tasks a `timeout`. When the program runs
   * with `--v8-flags=--max-old-space-size=N`, that flag sets every heap's limit instead. Python's
   * pool has no such option.
   *
   * @default {the main program's heap limit}
   */
  maxWorkerMemoryMb?: number;
}

/** Options of {@linkcode Pool.prototype.apply}. */
export interface ApplyOptions {
  /** Cancels the task if it has not started yet; its result then rejects with the reason. */
  signal?: AbortSignal;
  /**
   * Milliseconds the task may run once a worker takes it (`Infinity`: no limit), loading the
   * task's module included the first time that worker runs it. After that its result rejects
   * with `TaskTimeoutError` and its worker is killed and replaced; a task whose result comes
   * back after running longer fails the same way. An async task stops there. A synchronous one
   * cannot be stopped (Deno cannot interrupt a thread in synchronous code): its thread runs on
   * until the function returns, no longer counted as a worker, never waited for by `close()`
   * and `join()`, and halting as soon as it touches shared state (a lock, a queue) or returns.
   *
   * @default {no limit}
   */
  timeout?: number;
}

/** Options of {@linkcode Pool.prototype.applyAsync}: Python's `callback` and `error_callback`. */
export interface ApplyAsyncOptions<T> extends ApplyOptions {
  /** Called with the result, in the actor that submitted the task. */
  callback?: (result: T) => void;
  /** Called with the error if the task fails, in the actor that submitted it. */
  errorCallback?: (error: Error) => void;
}

/** Options of the map forms. */
export interface MapOptions {
  /**
   * Items sent to a worker at a time. Python's heuristic by default for `map` and `starmap`
   * (the items split into about four chunks per worker), 1 for `imap` and `imapUnordered`.
   *
   * @default {Math.ceil(items / (4 * processes)) for map, 1 for imap}
   */
  chunksize?: number;
  /** Cancels the map: chunks not yet started are dropped and the map rejects with the reason. */
  signal?: AbortSignal;
  /**
   * Called in the submitting actor after each chunk completes, with the number of items done
   * and the total (undefined while an iterable's end is not reached yet).
   */
  onProgress?: (done: number, total: number | undefined) => void;
}

/** Options of {@linkcode Pool.prototype.mapAsync} and `starmapAsync`. */
export interface MapAsyncOptions<T> extends MapOptions {
  /** Called with all the results, in order, in the submitting actor. */
  callback?: (results: T[]) => void;
  /** Called with the first error, in the submitting actor. */
  errorCallback?: (error: Error) => void;
}

/**
 * A pool of worker processes that run tasks, as Python's `multiprocessing.Pool`: a fixed number
 * of workers (instead of one process per task) takes functions and arguments from a queue.
 *
 * Task functions resolve as {@linkcode Process} targets do: exported from the main module or
 * registered with `task(import.meta, fn)`; results are typed from the function. Unlike
 * Python's pool, a worker that dies is replaced and only the task it was running fails (with
 * `WorkerDiedError`), so nothing ever hangs: a task gets its own result, its own error, or that
 * `WorkerDiedError`, exactly once, with its callback called once. Tiny tasks are batched: no
 * message round trip per task.
 *
 * A task whose arguments hold handles (pipe ends, queues, locks, shared values) is given, when
 * it is submitted, to the worker that will run it: that worker holds them at once, so the
 * submitter may close its own copy of a pipe end right away, as after `Process.start()`. Such a
 * task runs on that worker even past `maxTasksPerChild`, and fails with `WorkerDiedError` if the
 * worker dies before starting it. A worker keeps the pipe ends it was given until it exits:
 * `close()` them in the task when done.
 *
 * `await using` terminates the pool at the end of the scope, as Python's `with Pool() as p:`.
 *
 * @example The seeds' pool: map, then close and join
 * ```ts
 * import assert from "node:assert/strict";
 * import { Pool } from "../../mod.ts";
 * import { double } from "../../examples/doc_targets.ts";
 *
 * const pool = new Pool({ processes: 2 });
 * const doubled = await pool.map(double, [1, 2, 3, 4]);
 * pool.close();
 * await pool.join();
 * assert.deepEqual(doubled, [2, 4, 6, 8]);
 * ```
 */
export class Pool {
  readonly #engine: PoolEngine;
  readonly #processes: number;
  readonly #readAhead: number;

  /**
   * Starts the workers.
   *
   * @param options The number of workers, an initializer, recycling and queue bounds.
   * @throws {RangeError} If `processes` is not an integer from 1 to 1024, `maxTasksPerChild`
   * or `maxQueue` not a positive integer or Infinity, or `maxWorkerMemoryMb` not an integer
   * from 1 to 2**20.
   * @throws {TypeError} If an option has the wrong type, `initializer` is not a function or
   * `initargs` not an array.
   * @throws {CloneError} If an initializer argument cannot cross to a worker.
   * @throws {TargetNotFoundError} If the initializer is an anonymous or inline function.
   */
  constructor(options: PoolOptions = {}) {
    const action = "create pool";
    checkOptions(options, action);
    const {
      processes = cpuCount(),
      initializer,
      initargs = [],
      maxTasksPerChild = Infinity,
      maxQueue = Infinity,
      maxWorkerMemoryMb,
    } = options;
    checkInteger(processes, action, "processes", { min: 1, max: MAX_PROCESSES });
    checkLimit(maxTasksPerChild, action, "maxTasksPerChild");
    checkLimit(maxQueue, action, "maxQueue");
    if (maxWorkerMemoryMb !== undefined) {
      checkInteger(maxWorkerMemoryMb, action, "maxWorkerMemoryMb", { min: 1, max: 2 ** 20 });
    }
    if (initializer !== undefined) checkInitializer(initializer);
    if (!Array.isArray(initargs)) {
      throw new TypeError(
        `Cannot create pool: initargs must be an array, got ${describeValue(initargs)}`,
      );
    }
    assertCloneable(initargs, "initargs", action);
    this.#processes = processes;
    this.#readAhead = Number.isFinite(maxQueue) ? maxQueue : DEFAULT_READ_AHEAD;
    this.#engine = new PoolEngine({
      processes,
      initializer,
      initargs,
      maxTasksPerChild,
      maxQueue,
      maxWorkerMemoryMb,
    });
  }

  /** The number of workers the pool keeps. */
  get processes(): number {
    return this.#processes;
  }

  /**
   * The live worker processes, read-only: their `pid`, `name` and `exitcode`. Killing one
   * (`pool.workers[0].kill()`) is how a crash is simulated; the pool replaces it.
   */
  get workers(): readonly Process[] {
    return this.#engine.workers;
  }

  /**
   * Runs `fn(...args)` in a worker and waits for its result, as Python's `apply`. Awaiting
   * each `apply` in turn runs one task at a time: to run tasks side by side, use
   * {@linkcode Pool.prototype.applyAsync} or a map.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A named task function, exported from the main module or registered with `task`.
   * @param args Its arguments: plain data and handles.
   * @param options An abort `signal` and a `timeout` in milliseconds.
   * @returns The task's result. Every failure rejects it; nothing is thrown at the call.
   * @throws {PoolStateError} Rejects with it if the pool was closed or terminated.
   * @throws {CloneError} Rejects with it if an argument cannot cross to a worker (a function,
   * a class instance...), naming it, before the task is submitted.
   * @throws {TargetNotFoundError} Rejects with it if `fn` is an anonymous function.
   * @throws {TypeError} Rejects with it if `args` is not an array or an option has the wrong
   * type (a `signal` that is not an `AbortSignal`).
   * @throws {RangeError} Rejects with it if `timeout` is negative or NaN.
   * @throws {Error} Rejects with the task's own error, `CloneError` for a result that cannot
   * cross back, `WorkerDiedError`, `TaskTimeoutError`, `PoolTerminatedError`, or the abort
   * reason.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { add } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 1 });
   * assert.equal(await pool.apply(add, [2, 3]), 5);
   * ```
   */
  apply<A extends unknown[], R>(
    fn: (...args: A) => R,
    args: A,
    options: ApplyOptions = {},
  ): Promise<Awaited<R>> {
    try {
      const { job, signal } = this.#applyJob<A, R>(fn, args, options, false);
      this.#engine.submit(job, signal, true);
      return runtime.waitFor(job.promise);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Submits `fn(...args)` and returns at once, as Python's `apply_async`. Submit all tasks
   * first, then collect the results: calling `get()` right after each submit waits for each
   * task in turn, the seeds' classic mistake.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A named task function, exported from the main module or registered with `task`.
   * @param args Its arguments: plain data and handles.
   * @param options `callback`, `errorCallback`, an abort `signal` and a `timeout`.
   * @returns The task's {@linkcode AsyncResult}. It is returned at once, so bad input throws
   * here, as Python's `apply_async` raises; the task's own failures reach the result.
   * @throws {PoolStateError} If the pool was closed or terminated.
   * @throws {PoolQueueFullError} If `maxQueue` tasks are already waiting.
   * @throws {CloneError} If an argument cannot cross to a worker, naming it.
   * @throws {TargetNotFoundError} If `fn` is an anonymous function.
   * @throws {TypeError} If `args` is not an array or an option has the wrong type.
   * @throws {RangeError} If `timeout` is negative or NaN.
   *
   * @example Results arrive through a callback, in the submitting actor
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 2 });
   * const seen: number[] = [];
   * const results = [1, 2, 3].map((n) =>
   *   pool.applyAsync(double, [n], { callback: (value) => seen.push(value) })
   * );
   * for (const result of results) await result.wait();
   * assert.equal(seen.length, 3);
   * ```
   */
  applyAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    args: A,
    options: ApplyAsyncOptions<Awaited<R>> = {},
  ): AsyncResult<Awaited<R>> {
    const { job, signal } = this.#applyJob<A, R>(fn, args, options, true);
    this.#engine.submit(job, signal, false);
    return new AsyncResult(job.promise);
  }

  /**
   * Calls `fn(item)` for every item, in the workers, and resolves to the results in input
   * order, as Python's `map`. The input is read whole first (Python makes a list of it) and cut
   * into chunks; the first failing item rejects the map.
   *
   * @typeParam T The item type.
   * @typeParam R The task's return type.
   * @param fn A named task function of one argument.
   * @param iterable The items.
   * @param options `chunksize`, an abort `signal` and an `onProgress` callback.
   * @returns The results, in input order. Every failure rejects it; nothing is thrown at the
   * call.
   * @throws {PoolStateError} Rejects with it if the pool was closed or terminated.
   * @throws {RangeError} Rejects with it if `chunksize` is not a positive integer.
   * @throws {TypeError} Rejects with it if the items are not iterable or an option has the
   * wrong type.
   * @throws {TargetNotFoundError} Rejects with it if `fn` is an anonymous function.
   * @throws {Error} Rejects with the first task error, the error the iterable throws,
   * `CloneError` for an item or a result that cannot cross, `WorkerDiedError`,
   * `PoolTerminatedError`, or the abort reason.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 2 });
   * const results = await pool.map(double, [1, 2, 3], { chunksize: 2 });
   * assert.deepEqual(results, [2, 4, 6]);
   * ```
   */
  map<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T>,
    options: MapOptions = {},
  ): Promise<Awaited<R>[]> {
    try {
      return runtime.waitFor(this.#mapJob<Awaited<R>>(fn, iterable, "map", "all", options).promise);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Like {@linkcode Pool.prototype.map}, but returns at once with an {@linkcode AsyncResult}, as
   * Python's `map_async`.
   *
   * @typeParam T The item type.
   * @typeParam R The task's return type.
   * @param fn A named task function of one argument.
   * @param iterable The items.
   * @param options The map options, plus `callback` and `errorCallback`.
   * @returns The result of the whole map.
   * @throws {PoolStateError} If the pool was closed or terminated.
   * @throws {RangeError} If `chunksize` is not a positive integer.
   * @throws {TargetNotFoundError} If `fn` is an anonymous function.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 2 });
   * const result = pool.mapAsync(double, [1, 2, 3]);
   * assert.deepEqual(await result.get(), [2, 4, 6]);
   * ```
   */
  mapAsync<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T>,
    options: MapAsyncOptions<Awaited<R>> = {},
  ): AsyncResult<Awaited<R>[]> {
    return new AsyncResult(
      this.#mapJob<Awaited<R>>(fn, iterable, "map", "all", options, true).promise,
    );
  }

  /**
   * Calls `fn(...args)` for every argument list, as Python's `starmap`.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A named task function.
   * @param iterable Argument lists.
   * @param options `chunksize`, an abort `signal` and an `onProgress` callback.
   * @returns The results, in input order. Every failure rejects it.
   * @throws {TypeError} Rejects with it if an item is not an array of arguments.
   * @throws {Error} Rejects as {@linkcode Pool.prototype.map} does.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { add } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 2 });
   * const sums = await pool.starmap(add, [[1, 2], [3, 4]]);
   * assert.deepEqual(sums, [3, 7]);
   * ```
   */
  starmap<A extends unknown[], R>(
    fn: (...args: A) => R,
    iterable: Iterable<A>,
    options: MapOptions = {},
  ): Promise<Awaited<R>[]> {
    try {
      return runtime.waitFor(
        this.#mapJob<Awaited<R>>(fn, iterable, "starmap", "all", options).promise,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Like {@linkcode Pool.prototype.starmap}, returning an {@linkcode AsyncResult} at once, as
   * Python's `starmap_async`.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A named task function.
   * @param iterable Argument lists.
   * @param options The map options, plus `callback` and `errorCallback`.
   * @returns The result of the whole map.
   * @throws {PoolStateError} If the pool was closed or terminated.
   * @throws {RangeError} If `chunksize` is not a positive integer.
   * @throws {TargetNotFoundError} If `fn` is an anonymous function.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { add } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 2 });
   * const result = pool.starmapAsync(add, [[1, 1], [2, 2]]);
   * assert.deepEqual(await result.get(), [2, 4]);
   * ```
   */
  starmapAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    iterable: Iterable<A>,
    options: MapAsyncOptions<Awaited<R>> = {},
  ): AsyncResult<Awaited<R>[]> {
    return new AsyncResult(
      this.#mapJob<Awaited<R>>(fn, iterable, "starmap", "all", options, true).promise,
    );
  }

  /**
   * Streams `fn(item)` for every item, in input order, as Python's `imap`: results come as soon
   * as they and those before them are done. The input is read lazily, never more than
   * `maxQueue` chunks ahead of the consumer, so it may be huge or infinite. A failing item ends
   * the iteration with its error; leaving the loop early cancels what is left.
   *
   * @typeParam T The item type.
   * @typeParam R The task's return type.
   * @param fn A named task function of one argument.
   * @param iterable The items, read as the pool needs them.
   * @param options `chunksize` (default 1), an abort `signal` and an `onProgress` callback.
   * @returns An async iterator of the results.
   * @throws {PoolStateError} If the pool was closed or terminated.
   * @throws {RangeError} If `chunksize` is not a positive integer.
   * @throws {TargetNotFoundError} If `fn` is an anonymous function.
   *
   * @example Take the first results of an infinite input
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * function* naturals() {
   *   for (let n = 0;; n++) yield n;
   * }
   * await using pool = new Pool({ processes: 2, maxQueue: 16 });
   * const firsts: number[] = [];
   * for await (const value of pool.imap(double, naturals())) {
   *   if (firsts.push(value) === 5) break;
   * }
   * assert.deepEqual(firsts, [0, 2, 4, 6, 8]);
   * ```
   */
  imap<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T>,
    options: MapOptions = {},
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#mapJob<Awaited<R>>(fn, iterable, "map", "ordered", options).iterate();
  }

  /**
   * Like {@linkcode Pool.prototype.imap}, but yields results in completion order, as Python's
   * `imap_unordered`.
   *
   * @typeParam T The item type.
   * @typeParam R The task's return type.
   * @param fn A named task function of one argument.
   * @param iterable The items, read as the pool needs them.
   * @param options `chunksize` (default 1), an abort `signal` and an `onProgress` callback.
   * @returns An async iterator of the results, fastest first.
   * @throws {PoolStateError} If the pool was closed or terminated.
   * @throws {RangeError} If `chunksize` is not a positive integer.
   * @throws {TargetNotFoundError} If `fn` is an anonymous function.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * await using pool = new Pool({ processes: 2 });
   * let sum = 0;
   * for await (const value of pool.imapUnordered(double, [1, 2, 3])) sum += value;
   * assert.equal(sum, 12);
   * ```
   */
  imapUnordered<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T>,
    options: MapOptions = {},
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#mapJob<Awaited<R>>(fn, iterable, "map", "unordered", options).iterate();
  }

  /**
   * Takes no more tasks, as Python's `close`: the workers finish what was submitted, then exit.
   *
   * @example
   * ```ts
   * import { Pool } from "../../mod.ts";
   *
   * const pool = new Pool({ processes: 1 });
   * pool.close();
   * await pool.join();
   * ```
   */
  close(): void {
    this.#engine.close();
  }

  /**
   * Ends the workers at once, as Python's `terminate`: every task queued or running rejects
   * with `PoolTerminatedError`.
   *
   * @returns A promise that resolves once every worker has exited.
   *
   * @example
   * ```ts
   * import { Pool } from "../../mod.ts";
   *
   * const pool = new Pool({ processes: 1 });
   * await pool.terminate();
   * ```
   */
  terminate(): Promise<void> {
    return this.#engine.terminate();
  }

  /**
   * Waits until every worker has exited, as Python's `join`: after `close()`, once all
   * submitted work is done.
   *
   * @returns A promise that resolves once every worker has exited.
   * @throws {PoolStateError} Rejects with it if the pool is still running: call `close()` or
   * `terminate()` first.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pool } from "../../mod.ts";
   * import { double } from "../../examples/doc_targets.ts";
   *
   * const pool = new Pool({ processes: 2 });
   * const result = pool.applyAsync(double, [4]);
   * pool.close();
   * await pool.join();
   * assert.equal(result.ready(), true);
   * ```
   */
  join(): Promise<void> {
    try {
      return this.#engine.join();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Terminates the pool at the end of an `await using` scope, as Python's `with` does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }

  #applyJob<A extends unknown[], R>(
    fn: (...args: A) => R,
    args: A,
    options: ApplyAsyncOptions<Awaited<R>>,
    withCallbacks: boolean,
  ): { job: ApplyJob<Awaited<R>>; signal: AbortSignal | undefined } {
    const label = this.#label(fn);
    const action = `submit task "${label}"`;
    checkOptions(options, action);
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot ${action}: args must be an array of its arguments, got ${describeValue(args)}`,
      );
    }
    const timeout = checkTimeout(options.timeout, action);
    const signal = checkSignal(options.signal, action);
    const callbacks = withCallbacks
      ? {
        callback: checkCallback(options.callback, action, "callback"),
        errorCallback: checkCallback(options.errorCallback, action, "errorCallback"),
      }
      : {};
    const job = ApplyJob.create<Awaited<R>>(this.#engine, { fn, label, args, timeout }, callbacks);
    return { job, signal };
  }

  #mapJob<R>(
    // deno-lint-ignore no-explicit-any
    fn: (...args: any[]) => unknown,
    iterable: Iterable<unknown>,
    kind: "map" | "starmap",
    mode: MapMode,
    options: MapAsyncOptions<R>,
    withCallbacks = false,
  ): MapJob<R> {
    const label = this.#label(fn);
    const action = `submit task "${label}"`;
    checkOptions(options, action);
    if (iterable === null || typeof iterable !== "object" || !(Symbol.iterator in iterable)) {
      throw new TypeError(
        `Cannot ${action}: the items must be iterable (an array, a Set, a generator...), got ` +
          describeValue(iterable),
      );
    }
    const signal = checkSignal(options.signal, action);
    const onProgress = checkCallback(options.onProgress, action, "onProgress");
    const callbacks = withCallbacks
      ? {
        callback: checkCallback(options.callback, action, "callback"),
        errorCallback: checkCallback(options.errorCallback, action, "errorCallback"),
      }
      : {};
    const job = MapJob.create<R>(this.#engine, {
      fn,
      label,
      kind,
      items: iterable,
      mode,
      chunksize: options.chunksize,
      processes: this.#processes,
      window: mode === "all" ? Infinity : this.#readAhead,
      onProgress,
    }, callbacks);
    this.#engine.submit(job, signal, true);
    return job;
  }

  /** Checks that `fn` is a function the pool takes, and returns its name. */
  // deno-lint-ignore ban-types
  #label(fn: Function): string {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot submit task: fn must be a function, got ${describeValue(fn)}`,
      );
    }
    const label = fn.name || "(anonymous)";
    this.#engine.assertOpen(label);
    return label;
  }
}

/** Checks a positive integer option that may also be Infinity (no limit). */
function checkLimit(value: unknown, action: string, name: string): void {
  if (value === Infinity) return;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be an integer or Infinity, got ${describeValue(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be an integer >= 1 or Infinity (no limit), got ${value}`,
    );
  }
}

/** Checks that an options argument is an object. */
function checkOptions(options: unknown, action: string): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: the options must be an object, got ${describeValue(options)}`,
    );
  }
}

function checkCallback<F>(callback: F | undefined, action: string, name: string): F | undefined {
  if (callback === undefined || typeof callback === "function") return callback;
  throw new TypeError(
    `Cannot ${action}: ${name} must be a function, got ${describeValue(callback)}`,
  );
}

/**
 * Checks that workers can find the initializer. An inline function (`initializer: () => {}`)
 * is named after its property, as an exported function of that name would be: the worker
 * would look for an export called "initializer" and break the pool. Its source tells them apart:
 * a declaration names itself; an arrow, a method or an anonymous function expression does not.
 *
 * @throws {TypeError} If `initializer` is not a function.
 * @throws {TargetNotFoundError} If it is anonymous or defined inline in the options.
 */
// deno-lint-ignore ban-types
function checkInitializer(initializer: Function): void {
  if (typeof initializer !== "function") {
    throw new TypeError(
      `Cannot create pool: initializer must be a function, got ${describeValue(initializer)}`,
    );
  }
  const ref = refFor(initializer, runtime.mainModule, "the pool's initializer");
  if (ref.via === "task" || ref.name !== "initializer") return;
  if (/^(async\s+)?function\s*\*?\s*initializer\s*\(/.test(String(initializer))) return;
  throw new TargetNotFoundError(
    'Cannot create pool: the initializer is an inline function (named "initializer" after ' +
      "its option), which a worker cannot import; declare it with a name and export it from " +
      "the main module (`export function setup() {}`, then `{ initializer: setup }`), or " +
      "register it with `task(import.meta, fn)`",
  );
}
