/**
 * One map submission (`map`, `starmap`, their async forms, `imap`, `imapUnordered`): it cuts
 * its input into chunks lazily, as the queue has room, and puts the chunks' values back together
 * in order, as a whole or as a stream.
 *
 * @module
 */
import type { ResultCallbacks } from "./_apply_job.ts";
import { packValues } from "./_protocol.ts";
import { type Job, type JobHost, preparePayload, runCallback, type Unit } from "./_task_queue.ts";
import { runtime } from "../_kernel/runtime.ts";
import { checkInteger, describeValue } from "../_shm/time.ts";

/** Called after each chunk completes: items done so far, and the total once the input is read. */
export type ProgressCallback = (done: number, total: number | undefined) => void;

/** How the values are delivered: all at once in input order, streamed in order, or as they come. */
export type MapMode = "all" | "ordered" | "unordered";

/** A map as {@linkcode MapJob.create} takes it. */
export interface MapRequest {
  // deno-lint-ignore ban-types
  fn: Function;
  label: string;
  kind: "map" | "starmap";
  items: Iterable<unknown>;
  mode: MapMode;
  /** Items per chunk, not checked yet; Python's heuristic for "all" when undefined, else 1. */
  chunksize: number | undefined;
  /** The pool's number of workers, which Python's heuristic divides the items among. */
  processes: number;
  /** Streaming modes: the most chunks taken from the input and not yet consumed. */
  window: number;
  onProgress: ProgressCallback | undefined;
}

/** A map job's settings once its function is resolved and its input measured. */
interface MapInit {
  fn: number;
  label: string;
  kind: "map" | "starmap";
  items: Iterable<unknown>;
  /** The number of items when known up front (an array). */
  total: number | undefined;
  chunksize: number;
  mode: MapMode;
  window: number;
  onProgress: ProgressCallback | undefined;
}

type Chunker = (count: number) => unknown[];

function chunkerOf(items: Iterable<unknown>): Chunker {
  if (Array.isArray(items)) {
    let start = 0;
    return (count) => items.slice(start, start += count);
  }
  const iterator = items[Symbol.iterator]();
  return (count) => {
    const chunk: unknown[] = [];
    while (chunk.length < count) {
      const step = iterator.next();
      if (step.done) break;
      chunk.push(step.value);
    }
    return chunk;
  };
}

/** A map over an iterable, cut into chunks; see {@linkcode MapMode} for how values come back. */
export class MapJob<T> implements Job {
  readonly label: string;
  readonly #host: JobHost;
  readonly #init: MapInit;
  readonly #take: Chunker;
  #exhausted = false;
  /** Chunks taken from the input. */
  #taken = 0;
  /** Chunks whose values arrived. */
  #completed = 0;
  /** Chunks handed to the consumer (streaming modes). */
  #consumed = 0;
  #itemsDone = 0;
  #itemsTaken = 0;
  #done = false;
  #error: Error | null = null;
  /** The earliest failed chunk of an ordered stream. */
  #failure: { index: number; error: Error } | null = null;
  /** Values by chunk index ("all" and "ordered"), or in arrival order ("unordered"). */
  readonly #chunks = new Map<number, ArrayLike<unknown>>();
  #arrival = 0;
  /** The chunk being consumed and the position in it (streaming modes). */
  #current: ArrayLike<unknown> = [];
  #position = 0;
  #consumer: PromiseWithResolvers<void> | null = null;
  readonly #result = Promise.withResolvers<T[]>();
  readonly #callbacks: ResultCallbacks<T[]>;

  /**
   * The job of a map for the engine `host`. "all" reads an iterable input into an array at
   * once, to count it for the chunk size; the other modes read it as they go.
   *
   * @throws {TargetNotFoundError} If the function is anonymous.
   * @throws {RangeError} If `chunksize` is not a positive integer.
   */
  static create<T>(
    host: JobHost,
    request: MapRequest,
    callbacks: ResultCallbacks<T[]>,
  ): MapJob<T> {
    const { label, kind, mode, window, onProgress } = request;
    const fn = host.functionId(request.fn, label);
    const items = mode === "all" && !Array.isArray(request.items)
      ? Array.from(request.items)
      : request.items;
    const total = Array.isArray(items) ? items.length : undefined;
    // Python's heuristic for map; a stream yields each result as soon as it is done.
    const { chunksize = mode === "all" ? defaultChunksize(total, request.processes) : 1 } = request;
    checkInteger(chunksize, `submit task "${label}"`, "chunksize", { min: 1 });
    return new MapJob(
      host,
      { fn, label, kind, items, total, chunksize, mode, window, onProgress },
      callbacks,
    );
  }

  private constructor(host: JobHost, init: MapInit, callbacks: ResultCallbacks<T[]>) {
    this.label = init.label;
    this.#host = host;
    this.#init = init;
    this.#take = chunkerOf(init.items);
    this.#callbacks = callbacks;
    this.#result.promise.catch(() => {});
  }

  /** All values in input order ("all" mode). */
  get promise(): Promise<T[]> {
    return this.#result.promise;
  }

  get settled(): Promise<unknown> {
    return this.#result.promise;
  }

  get done(): boolean {
    return this.#done;
  }

  next(): Unit | "wait" | "done" {
    if (this.#done || this.#exhausted) return "done";
    if (this.#init.mode !== "all" && this.#taken - this.#consumed >= this.#init.window) {
      return "wait";
    }
    let unit: Unit;
    try {
      const items = this.#take(this.#init.chunksize);
      if (items.length === 0) {
        this.#exhausted = true;
        this.#checkComplete();
        return "done";
      }
      const action = `submit task "${this.label}" to the pool`;
      if (this.#init.kind === "starmap") checkArgumentLists(items, this.#itemsTaken, action);
      const { payload, handles, recipient } = preparePayload(
        items,
        "items",
        action,
        this.#host.recipientFor,
        this.#itemsTaken,
      );
      unit = {
        fn: this.#init.fn,
        kind: this.#init.kind,
        payload: handles ? payload : packValues(payload),
        handles,
        recipient,
        owner: this,
        index: this.#taken++,
        start: this.#itemsTaken,
        timeout: undefined,
        label: this.label,
      };
      this.#itemsTaken += items.length;
    } catch (error) {
      this.cancel(error as Error);
      return "done";
    }
    return unit;
  }

  resolveUnit(unit: Unit, value: unknown): void {
    if (this.#done) return;
    const values = value as ArrayLike<unknown>;
    this.#chunks.set(this.#init.mode === "unordered" ? this.#arrival++ : unit.index, values);
    this.#completed++;
    this.#itemsDone += values.length;
    const total = this.#init.total ?? (this.#exhausted ? this.#itemsTaken : undefined);
    runCallback(this.#init.onProgress, this.#itemsDone, total);
    this.#checkComplete();
    this.#wakeConsumer();
  }

  rejectUnit(unit: Unit, error: Error): void {
    if (this.#init.mode !== "ordered") return this.cancel(error);
    // Ordered streams raise the error at its place: the values before it still come first.
    if (this.#failure !== null && this.#failure.index < unit.index) return;
    this.#failure = { index: unit.index, error };
    this.#exhausted = true;
    this.#wakeConsumer();
  }

  cancel(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#result.reject(error);
    runCallback(this.#callbacks.errorCallback, error);
    this.#wakeConsumer();
  }

  /** The values one at a time, for `imap` and `imapUnordered`. */
  iterate(): AsyncIterableIterator<T> {
    return {
      next: () => runtime.waitFor(this.#nextValue()),
      return: (value?: unknown) => {
        this.#stop();
        return Promise.resolve({ done: true, value: value as T });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  #checkComplete(): void {
    if (this.#done || !this.#exhausted || this.#completed < this.#taken) return;
    if (this.#failure !== null) return;
    if (this.#init.mode === "all") {
      this.#done = true;
      const values = new Array<T>(this.#itemsTaken);
      let position = 0;
      for (let index = 0; index < this.#taken; index++) {
        const chunk = this.#chunks.get(index)!;
        for (let item = 0; item < chunk.length; item++) values[position++] = chunk[item] as T;
      }
      this.#chunks.clear();
      this.#result.resolve(values);
      runCallback(this.#callbacks.callback, values);
    } else {
      // Streaming: every unit is back, so the queue has nothing of ours to drop.
      this.#done = true;
      this.#result.resolve([]);
      // The end of the input may be found after the consumer took the last chunk and started
      // waiting for another (the engine reads on only when a worker has room): tell it.
      this.#wakeConsumer();
    }
  }

  async #nextValue(): Promise<IteratorResult<T>> {
    while (this.#position >= this.#current.length) {
      const chunk = this.#chunks.get(this.#consumed);
      if (chunk !== undefined) {
        this.#chunks.delete(this.#consumed++);
        this.#current = chunk;
        this.#position = 0;
        this.#host.wake();
        continue;
      }
      if (this.#failure?.index === this.#consumed) this.cancel(this.#failure.error);
      if (this.#error !== null) throw this.#error;
      if (this.#exhausted && this.#consumed === this.#taken) {
        return { done: true, value: undefined };
      }
      this.#consumer = Promise.withResolvers();
      await this.#consumer.promise;
    }
    return { done: false, value: this.#current[this.#position++] as T };
  }

  #wakeConsumer(): void {
    this.#consumer?.resolve();
    this.#consumer = null;
  }

  /** The consumer left early: drop what is queued and stop reading the input. */
  #stop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#exhausted = true;
    this.#result.resolve([]);
    this.#host.wake();
  }
}

/** Python's default `chunksize` for map: about four chunks per worker. */
function defaultChunksize(total: number | undefined, processes: number): number {
  if (total === undefined || total === 0) return 1;
  return Math.ceil(total / (processes * 4));
}

/**
 * Checks that each starmap item is an array of arguments, before the worker would spread it.
 *
 * @throws {TypeError} Naming the first item that is not.
 */
function checkArgumentLists(items: unknown[], offset: number, action: string): void {
  for (let index = 0; index < items.length; index++) {
    if (Array.isArray(items[index])) continue;
    throw new TypeError(
      `Cannot ${action}: items[${offset + index}] must be an array of the task's arguments ` +
        `for starmap, got ${describeValue(items[index])}`,
    );
  }
}
