/**
 * One `apply`/`applyAsync` submission: a job of a single unit, with its callbacks.
 *
 * @module
 */
import { type Job, type JobHost, preparePayload, runCallback, type Unit } from "./_task_queue.ts";

/** The callbacks Python's `apply_async` takes; they run in the actor that submitted the task. */
export interface ResultCallbacks<T> {
  /** Called with the result once the task succeeds. */
  callback?: (result: T) => void;
  /** Called with the error once the task fails. */
  errorCallback?: (error: Error) => void;
}

/** What an apply job runs: a task function, its arguments and an optional time limit. */
export interface ApplyInit {
  // deno-lint-ignore ban-types
  fn: Function;
  label: string;
  args: unknown[];
  timeout: number | undefined;
}

/** An apply job's unit before it has an owner: its function resolved, its arguments checked. */
interface ApplyUnit {
  fn: number;
  label: string;
  payload: unknown[];
  handles: boolean;
  recipient: number | undefined;
  timeout: number | undefined;
}

/** A single task; its promise settles once, whatever happens to the worker. */
export class ApplyJob<T> implements Job {
  readonly label: string;
  #unit: Unit | null;
  #done = false;
  readonly #result = Promise.withResolvers<T>();
  readonly #callbacks: ResultCallbacks<T>;

  /**
   * The job of `init.fn(...init.args)`, for the engine `host`.
   *
   * @throws {TargetNotFoundError} If the function is anonymous.
   * @throws {CloneError} If an argument cannot cross to a worker, naming it.
   */
  static create<T>(host: JobHost, init: ApplyInit, callbacks: ResultCallbacks<T>): ApplyJob<T> {
    const fn = host.functionId(init.fn, init.label);
    const { payload, handles, recipient } = preparePayload(
      init.args,
      "args",
      `submit task "${init.label}" to the pool`,
      host.recipientFor,
    );
    const { label, timeout } = init;
    return new ApplyJob({ fn, label, payload, handles, recipient, timeout }, callbacks);
  }

  private constructor(unit: ApplyUnit, callbacks: ResultCallbacks<T>) {
    this.label = unit.label;
    this.#callbacks = callbacks;
    // The same shape as a map job's units, so the engine's code that reads units stays monomorphic.
    this.#unit = {
      fn: unit.fn,
      kind: "apply",
      payload: unit.payload,
      handles: unit.handles,
      recipient: unit.recipient,
      owner: this,
      index: 0,
      start: 0,
      timeout: unit.timeout,
      label: unit.label,
    };
    this.#result.promise.catch(() => {});
  }

  /** The task's result. */
  get promise(): Promise<T> {
    return this.#result.promise;
  }

  get settled(): Promise<unknown> {
    return this.#result.promise;
  }

  get done(): boolean {
    return this.#done;
  }

  next(): Unit | "done" {
    const unit = this.#unit;
    this.#unit = null;
    return unit ?? "done";
  }

  resolveUnit(_unit: Unit, value: unknown): void {
    if (this.#finish()) {
      this.#result.resolve(value as T);
      runCallback(this.#callbacks.callback, value as T);
    }
  }

  rejectUnit(_unit: Unit, error: Error): void {
    this.cancel(error);
  }

  cancel(error: Error): void {
    if (this.#finish()) {
      this.#result.reject(error);
      runCallback(this.#callbacks.errorCallback, error);
    }
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#unit = null;
    return true;
  }
}
