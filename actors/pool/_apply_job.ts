/**
 * One `apply`/`applyAsync` submission: a job of a single unit, with its callbacks.
 *
 * @module
 */
import { type Job, runCallback, type Unit } from "./_task_queue.ts";

/** The callbacks Python's `apply_async` takes; they run in the actor that submitted the task. */
export interface ResultCallbacks<T> {
  /** Called with the result once the task succeeds. */
  callback?: (result: T) => void;
  /** Called with the error once the task fails. */
  errorCallback?: (error: Error) => void;
}

/** What an apply job sends: the function id, its arguments and an optional time limit. */
export interface ApplyInit {
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

  constructor(init: ApplyInit, callbacks: ResultCallbacks<T> = {}) {
    this.label = init.label;
    this.#callbacks = callbacks;
    this.#unit = {
      fn: init.fn,
      kind: "apply",
      payload: init.payload,
      handles: init.handles,
      recipient: init.recipient,
      owner: this,
      index: 0,
      start: 0,
      timeout: init.timeout,
      label: init.label,
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
