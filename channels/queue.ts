import type { AcquireOptions } from "../actors/_futex.ts";
import { repairHandle } from "../actors/_portable.ts";
import { registerSharedKind, SharedHandle } from "../actors/_shared_handle.ts";
import { encode, type Encoded } from "./_codec.ts";
import { newRing, NOTHING, Ring, ringSize, type RingState } from "./_ring.ts";
import type { BufferOptions } from "./buffer_options.ts";
import { channelWait, channelWaitSync } from "./_wait.ts";
import { ChannelClosedError, Empty, Full } from "./errors.ts";

/** Whether to wait, and for how long, as Python's `put(item, block, timeout)`. */
export interface WaitOptions {
  /**
   * When false, try once: throw `Full` (put) or `Empty` (get) at once instead of waiting.
   *
   * @default {true}
   */
  block?: boolean;
  /** The same as `block`, under the name the locks' `acquire` uses. */
  blocking?: boolean;
  /** Milliseconds to wait before throwing `Full` or `Empty`; forever when omitted. */
  timeout?: number;
}

/** The futex options of a channel wait. */
function acquireOptions(options: WaitOptions): AcquireOptions {
  return { blocking: options.block ?? options.blocking, timeout: options.timeout };
}

/** Options of {@linkcode Queue}: its buffer's sizes. */
export type QueueOptions = BufferOptions;

/**
 * A FIFO queue between any number of actors, as Python's `multiprocessing.Queue`. Items live in
 * a ring of shared memory: a put or get is a few atomic operations and a copy, no message and
 * no broker. Each item is delivered exactly once; items from one producer arrive in order. A
 * bounded queue (`maxsize > 0`) makes `put` wait for room: backpressure on the producer. An
 * actor killed in the middle of a put or a get never corrupts the queue: the supervisor
 * completes or discards its operation.
 *
 * Items keep structured-clone fidelity (bigint, typed arrays, Date, Map, Set, nested objects);
 * a value that cannot cross is refused with `CloneError` and the queue stays usable.
 *
 * Unlike Python, `close()` closes the queue for every actor: puts then throw, gets drain what
 * is buffered, then `for await` ends and `get` throws `ChannelClosedError`.
 *
 * @typeParam T The type of the items.
 *
 * @example Producer and consumer with a sentinel
 * ```ts
 * import { Process, Queue } from "../mod.ts";
 * import { consumeUntilNull } from "../examples/doc_targets.ts";
 *
 * const q = new Queue<number | null>();
 * const consumer = new Process({ target: consumeUntilNull, args: [q] });
 * await consumer.start();
 * for (let i = 0; i < 3; i++) await q.put(i);
 * await q.put(null); // one sentinel per consumer
 * await consumer.join();
 * console.assert(q.empty());
 * ```
 */
export class Queue<T = unknown> extends SharedHandle<RingState> {
  /** The module that revives queues of this class in other actors. */
  static readonly handleModule: string = import.meta.url;
  readonly #ring: Ring;

  /**
   * Creates a queue.
   *
   * @param maxsize The most items buffered at once; 0 for no limit.
   * @param options The size of the shared buffer.
   * @throws {RangeError} If `maxsize` or `bufferBytes` is not a valid size.
   */
  constructor(maxsize = 0, options: QueueOptions = {}) {
    if (!Number.isInteger(maxsize) || maxsize < 0) {
      throw new RangeError(`Cannot create queue: maxsize must be an integer >= 0, got ${maxsize}`);
    }
    const size = ringSize(options, "create queue");
    super(
      new.target.name,
      (new.target as typeof Queue).handleModule,
      () => newRing(size, maxsize),
    );
    this.#ring = new Ring(this.state);
  }

  /**
   * Puts `item` at the end of the queue, waiting for room if it is bounded and full.
   *
   * @param item The item, copied.
   * @param options `block` (default true) and `timeout` in milliseconds.
   * @throws {Full} If there is no room and not blocking, or the timeout passed.
   * @throws {ChannelClosedError} If the queue is closed.
   * @throws {CloneError} If the item cannot cross to another actor.
   */
  async put(item: T, options: WaitOptions = {}): Promise<void> {
    const record = this.#record(item, "put");
    if (this.#ring.tryPut(record.tag, record.bytes, record.length)) return;
    // The scratch buffer is reused by the next encode: keep a copy while waiting.
    const { tag } = record;
    const bytes = record.bytes.slice(0, record.length);
    let done = false;
    await channelWait(
      this.state.words,
      () => (done = this.#ring.tryPut(tag, bytes, bytes.length)) || this.#ring.closed,
      acquireOptions(options),
      "put on queue",
    );
    this.#afterPut(done, options);
  }

  /**
   * Puts without waiting, as Python's `put_nowait`.
   *
   * @param item The item, copied.
   * @throws {Full} If there is no room.
   * @throws {ChannelClosedError} If the queue is closed.
   */
  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  /**
   * The blocking form of {@linkcode Queue.prototype.put}, for workers.
   *
   * @param item The item, copied.
   * @param options `block` (default true) and `timeout` in milliseconds.
   * @throws {Full} If there is no room and not blocking, or the timeout passed.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   */
  putSync(item: T, options: WaitOptions = {}): void {
    const { tag, bytes, length } = this.#record(item, "put");
    if (this.#ring.tryPut(tag, bytes, length)) return;
    let done = false;
    channelWaitSync(
      this.state.words,
      () => (done = this.#ring.tryPut(tag, bytes, length)) || this.#ring.closed,
      acquireOptions(options),
      "put on queue",
    );
    this.#afterPut(done, options);
  }

  /**
   * Takes the item at the front of the queue, waiting for one if it is empty.
   *
   * @param options `block` (default true) and `timeout` in milliseconds.
   * @returns The item.
   * @throws {Empty} If there is none and not blocking, or the timeout passed.
   * @throws {ChannelClosedError} If the queue is closed and drained.
   */
  async get(options: WaitOptions = {}): Promise<T> {
    let item = this.#ring.tryTake();
    if (item !== NOTHING) return item as T;
    await channelWait(
      this.state.words,
      () => (item = this.#ring.tryTake()) !== NOTHING || this.#drained(),
      acquireOptions(options),
      "get from queue",
    );
    return this.#item(item, options);
  }

  /**
   * Takes without waiting, as Python's `get_nowait`.
   *
   * @returns The item.
   * @throws {Empty} If the queue is empty.
   * @throws {ChannelClosedError} If the queue is closed and drained.
   */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /**
   * The blocking form of {@linkcode Queue.prototype.get}, for workers.
   *
   * @param options `block` (default true) and `timeout` in milliseconds.
   * @returns The item.
   * @throws {Empty} If there is none and not blocking, or the timeout passed.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   */
  getSync(options: WaitOptions = {}): T {
    let item = this.#ring.tryTake();
    if (item !== NOTHING) return item as T;
    channelWaitSync(
      this.state.words,
      () => (item = this.#ring.tryTake()) !== NOTHING || this.#drained(),
      acquireOptions(options),
      "get from queue",
    );
    return this.#item(item, options);
  }

  /**
   * The number of items buffered now, as Python's `qsize()`.
   *
   * @returns The count.
   */
  qsize(): number {
    return this.#ring.count;
  }

  /**
   * Whether no item is buffered now.
   *
   * @returns True when empty.
   */
  empty(): boolean {
    return this.#ring.count === 0;
  }

  /**
   * Whether a bounded queue is at its `maxsize`.
   *
   * @returns True when full.
   */
  full(): boolean {
    return this.#ring.maxsize > 0 && this.#ring.count >= this.#ring.maxsize;
  }

  /** Closes the queue for every actor: puts throw, gets drain what is left, then throw. */
  close(): void {
    this.#ring.close();
  }

  /** Takes items until the queue is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof ChannelClosedError) return;
        throw error;
      }
    }
  }

  /** Completes or discards the operation of an actor that died inside the queue. */
  [repairHandle](isDead: (pid: number) => boolean): void {
    this.#ring.repair(isDead);
  }

  #record(item: T, action: string): Encoded {
    if (this.#ring.closed) throw new ChannelClosedError(`Cannot ${action}: the queue is closed`);
    const record = encode(item, `${action} on queue`);
    if (this.#ring.tooLarge(record.length)) {
      throw new RangeError(
        `Cannot ${action}: the item takes ${record.length} bytes, more than half of the queue's ` +
          `largest buffer of ${this.#ring.maxBytes}; create the queue with a larger ` +
          "`maxBufferBytes`",
      );
    }
    return record;
  }

  #afterPut(done: boolean, options: WaitOptions): void {
    if (done) return;
    if (this.#ring.closed) throw new ChannelClosedError("Cannot put: the queue was closed");
    throw new Full(
      acquireOptions(options).blocking === false
        ? "Cannot put: the queue is full"
        : `Cannot put: the queue stayed full for ${options.timeout} ms`,
    );
  }

  #drained(): boolean {
    return this.#ring.closed && this.#ring.count === 0;
  }

  #item(item: unknown, options: WaitOptions): T {
    if (item !== NOTHING) return item as T;
    if (this.#drained()) {
      throw new ChannelClosedError("Cannot get: the queue is closed and drained");
    }
    throw new Empty(
      acquireOptions(options).blocking === false
        ? "Cannot get: the queue is empty"
        : `Cannot get: the queue stayed empty for ${options.timeout} ms`,
    );
  }
}

registerSharedKind(import.meta, "Queue", () => new Queue());
