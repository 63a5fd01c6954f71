import {
  type AcquireOptions,
  CHANNEL_SPIN,
  checkBlocking,
  SLEEPERS,
  waitUntilSync,
} from "../actors/_shm/futex.ts";
import { repairHandle } from "../actors/_kernel/handles.ts";
import { runtime } from "../actors/_kernel/runtime.ts";
import { registerSharedKind, type Revival, SharedHandle } from "../actors/_kernel/shared_handle.ts";
import { checkInteger, checkSignal, checkTimeout, describeValue } from "../actors/_shm/time.ts";
import type { WaitOptions } from "../actors/wait_options.ts";
import { encode, type Encoded } from "../actors/_shm/codec.ts";
import { NOTHING, Ring, type RingState } from "../actors/_shm/ring.ts";
import { newRing, ringSize } from "../actors/_shm/ring_memory.ts";
import type { BufferOptions } from "./buffer_options.ts";
import { Turns } from "./_wait.ts";
import { ChannelClosedError, Empty, Full, ShutDown } from "./errors.ts";

export type { WaitOptions };

/** Options of {@linkcode Queue.prototype.shutdown}. */
export interface ShutdownOptions {
  /**
   * Also discard what the queue holds: gets fail at once, and a `JoinableQueue` counts the
   * discarded items as done, so `join()` waits only for items already taken.
   *
   * @default {false}
   */
  immediate?: boolean;
}

/** The options of `putNowait` and `getNowait`. */
const NO_WAIT_OPTIONS: WaitOptions = { block: false };
const WAIT: AcquireOptions = {};
const NO_WAIT: AcquireOptions = { blocking: false };

/** Validates wait options; the futex options of a channel wait. */
function waitOptions(options: WaitOptions | undefined, action: string): AcquireOptions {
  // The common cases, without an allocation on the hot path.
  if (options === undefined) return WAIT;
  if (options === NO_WAIT_OPTIONS) return NO_WAIT;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object ({ block, timeout }), got ` +
        describeValue(options),
    );
  }
  const blocking = checkBlocking(options, action);
  const timeout = checkTimeout(options.timeout, action);
  const signal = checkSignal(options.signal, action);
  signal?.throwIfAborted();
  return { blocking, timeout, signal };
}

const RESOLVED: Promise<void> = Promise.resolve();
/** The largest `maxsize`: the ring counts items in 32-bit words. */
const MAX_QUEUE_SIZE = 2 ** 31 - 1;

/**
 * This actor's side of one queue object: whether it closed it, and its pending puts and gets,
 * each served in call order. While puts are pending, the actor's exit waits for them (Python's
 * exit joins the queue's feeder thread), unless `cancelJoinThread()` was called.
 */
class LocalSide {
  closed = false;
  joinCancelled = false;
  /** `shutdown()` was called here and waits for this side's pending puts. */
  shutdownPending = false;
  readonly puts: Turns;
  readonly gets: Turns;
  #exitGate: PromiseWithResolvers<void> | null = null;

  constructor(words: Int32Array) {
    this.puts = new Turns(words, "put on queue", {
      onBusy: () => this.#holdExit(),
      onIdle: () => this.releaseExit(),
    });
    this.gets = new Turns(words, "get from queue");
  }

  releaseExit(): void {
    this.#exitGate?.resolve();
    this.#exitGate = null;
  }

  #holdExit(): void {
    if (this.joinCancelled || this.#exitGate !== null) return;
    this.#exitGate = Promise.withResolvers();
    runtime.delayExit(this.#exitGate.promise);
  }
}

/** Options of {@linkcode Queue}: its buffer's sizes. */
export type QueueOptions = BufferOptions;

/**
 * A FIFO queue between any number of actors, as Python's `multiprocessing.Queue`. Items live in
 * a ring of shared memory: a put or get is a few atomic operations and a copy, no message and
 * no broker. Each item is delivered exactly once; items from one producer arrive in order, and
 * so do the un-awaited puts of one actor (its pending puts, and its pending gets, are served in
 * call order). A bounded queue (`maxsize > 0`) makes `put` wait for room: backpressure on the
 * producer. An actor killed in the middle of a put or a get never corrupts the queue: the
 * supervisor completes or discards its operation.
 *
 * Items keep structured-clone fidelity (bigint, typed arrays, Date, Map, Set, nested objects);
 * a value that cannot cross is refused with `CloneError` and the queue stays usable.
 *
 * Ending, as in Python: `close()` says that this actor is done with the queue (its later puts
 * and gets throw `ChannelClosedError`); other producers and consumers go on. `shutdown()`
 * (Python 3.13's) ends it for everyone: puts throw `ShutDown`, gets drain what is buffered and
 * then throw `ShutDown`, and `for await` ends.
 *
 * @typeParam T The type of the items.
 *
 * @example Producer and consumer with a sentinel
 * ```ts
 * import assert from "node:assert/strict";
 * import { Process, Queue } from "../mod.ts";
 * import { consumeUntilNull } from "../examples/doc_targets.ts";
 *
 * const q = new Queue<number | null>();
 * const consumer = new Process({ target: consumeUntilNull, args: [q] });
 * await consumer.start();
 * for (let i = 0; i < 3; i++) await q.put(i);
 * await q.put(null); // one sentinel per consumer
 * await consumer.join();
 * assert.equal(q.empty(), true);
 * ```
 *
 * @example Ending consumers with shutdown()
 * ```ts
 * import assert from "node:assert/strict";
 * import { Queue } from "../mod.ts";
 *
 * const q = new Queue<number>();
 * for (let i = 0; i < 3; i++) q.put(i); // un-awaited puts complete in call order
 * q.shutdown(); // no more puts, from anyone
 * const received: number[] = [];
 * for await (const item of q) received.push(item); // drains, then ends
 * assert.deepEqual(received, [0, 1, 2]);
 * ```
 */
export class Queue<T = unknown> extends SharedHandle<RingState> {
  readonly #ring: Ring;
  readonly #local: LocalSide;

  /**
   * Creates a queue.
   *
   * @param maxsize The most items buffered at once, up to 2^31-1; 0 for no limit.
   * @param options The size of the shared buffer.
   * @throws {TypeError} If `maxsize` is not a number or `options` not an object.
   * @throws {RangeError} If `maxsize` or a buffer size is not a valid size.
   */
  constructor(maxsize?: number, options?: QueueOptions);
  /** @ignore Revives a queue another actor described (see `registerSharedKind`). */
  constructor(maxsize?: number, options?: QueueOptions, revival?: Revival);
  constructor(maxsize = 0, options: QueueOptions = {}, revival?: Revival) {
    checkInteger(maxsize, "create queue", "maxsize", { max: MAX_QUEUE_SIZE });
    const size = ringSize(options, "create queue");
    super(new.target.name, () => newRing(size, maxsize), revival);
    this.#ring = new Ring(this.state);
    this.#local = new LocalSide(this.state.words);
  }

  /**
   * Puts `item` at the end of the queue, waiting for room if it is bounded and full. Puts of
   * one actor complete in the order they were called, awaited or not.
   *
   * @param item The item, copied.
   * @param options `block` (default true) and `timeout` in milliseconds.
   * @returns A promise that resolves once the item is in the queue.
   * @throws {Full} If there is no room and not blocking, or the timeout passed.
   * @throws {ShutDown} If the queue is shut down.
   * @throws {ChannelClosedError} If this actor closed the queue.
   * @throws {CloneError} If the item cannot cross to another actor.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If `timeout` is negative or NaN, or the item too large.
   */
  put(item: T, options?: WaitOptions): Promise<void> {
    try {
      const wait = waitOptions(options, "put on queue");
      const record = this.#record(item, "put on queue");
      if (this.#local.puts.idle && this.#ring.tryPut(record.tag, record.bytes, record.length)) {
        return RESOLVED;
      }
      return this.#putInTurn(record, wait, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Puts without waiting, as Python's `put_nowait`.
   *
   * @param item The item, copied.
   * @throws {Full} If there is no room (this actor's pending puts come first).
   * @throws {ShutDown} If the queue is shut down.
   * @throws {ChannelClosedError} If this actor closed the queue.
   */
  putNowait(item: T): void {
    this.putSync(item, NO_WAIT_OPTIONS);
  }

  /**
   * The blocking form of {@linkcode Queue.prototype.put}, for workers. This actor's pending
   * puts go first: it completes them, in order, while it waits.
   *
   * @param item The item, copied.
   * @param options `block` (default true) and `timeout` in milliseconds.
   * @throws {Full} If there is no room and not blocking, or the timeout passed.
   * @throws {ShutDown} If the queue is shut down.
   * @throws {ChannelClosedError} If this actor closed the queue.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   */
  putSync(item: T, options?: WaitOptions): void {
    const wait = waitOptions(options, "put on queue");
    const { tag, bytes, length } = this.#record(item, "put on queue");
    const ring = this.#ring;
    const puts = this.#local.puts;
    if (puts.idle && ring.tryPut(tag, bytes, length)) return;
    let done = false;
    waitUntilSync(
      this.state.words,
      () => puts.serve() && ((done = ring.tryPut(tag, bytes, length)) || ring.shutDown),
      wait,
      "put on queue",
      CHANNEL_SPIN,
    );
    this.#afterPut(done, options);
  }

  /**
   * Takes the item at the front of the queue, waiting for one if it is empty. Gets of one
   * actor are served in the order they were called.
   *
   * @param options `block` (default true) and `timeout` in milliseconds.
   * @returns The item.
   * @throws {Empty} If there is none and not blocking, or the timeout passed.
   * @throws {ShutDown} If the queue is shut down and drained.
   * @throws {ChannelClosedError} If this actor closed the queue.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If `timeout` is negative or NaN.
   */
  get(options?: WaitOptions): Promise<T> {
    try {
      const wait = waitOptions(options, "get from queue");
      this.#gettable();
      if (this.#local.gets.idle) {
        const item = this.#ring.tryTake();
        if (item !== NOTHING) return Promise.resolve(item as T);
      }
      return this.#getInTurn(wait, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Takes without waiting, as Python's `get_nowait`.
   *
   * @returns The item.
   * @throws {Empty} If the queue is empty (this actor's pending gets come first).
   * @throws {ShutDown} If the queue is shut down and drained.
   * @throws {ChannelClosedError} If this actor closed the queue.
   */
  getNowait(): T {
    return this.getSync(NO_WAIT_OPTIONS);
  }

  /**
   * The blocking form of {@linkcode Queue.prototype.get}, for workers. This actor's pending
   * gets go first: it serves them, in order, while it waits.
   *
   * @param options `block` (default true) and `timeout` in milliseconds.
   * @returns The item.
   * @throws {Empty} If there is none and not blocking, or the timeout passed.
   * @throws {ShutDown} If the queue is shut down and drained.
   * @throws {ChannelClosedError} If this actor closed the queue.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   */
  getSync(options?: WaitOptions): T {
    const wait = waitOptions(options, "get from queue");
    this.#gettable();
    const ring = this.#ring;
    const gets = this.#local.gets;
    let item = gets.idle ? ring.tryTake() : NOTHING;
    if (item !== NOTHING) return item as T;
    waitUntilSync(
      this.state.words,
      () => gets.serve() && ((item = ring.tryTake()) !== NOTHING || ring.drained),
      wait,
      "get from queue",
      CHANNEL_SPIN,
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

  /**
   * Says that this actor is done with the queue, as Python's `close()`: its later puts and
   * gets throw `ChannelClosedError`, and its gets still waiting reject with it. Other actors
   * go on: this does not end their `for await` (that is {@linkcode Queue.prototype.shutdown}).
   * Puts this actor called before still complete (see {@linkcode Queue.prototype.joinThread}),
   * unless {@linkcode Queue.prototype.cancelJoinThread} was called. Closing twice does nothing.
   */
  close(): void {
    const local = this.#local;
    if (local.closed) return;
    local.closed = true;
    local.gets.abandon(
      new ChannelClosedError("Cannot get: this actor closed the queue with close()"),
      false,
    );
    if (local.joinCancelled) this.#abandonPuts();
  }

  /**
   * Resolves once every put this actor called on this queue before has completed (put, or
   * failed), as Python's `join_thread()` waits for the feeder thread to flush what was put.
   * A put here is in shared memory when it resolves, so this waits only for un-awaited puts
   * still waiting for room. Unlike Python, it may be called before `close()`.
   *
   * @returns A promise that never rejects.
   */
  joinThread(): Promise<void> {
    return this.#local.puts.settled();
  }

  /**
   * Stops waiting for this actor's pending puts, as Python's `cancel_join_thread()`: the
   * actor's exit no longer waits for them, and once it has closed the queue (now or later)
   * they are abandoned: each rejects with `ChannelClosedError` (an un-awaited one is dropped
   * without an unhandled rejection), and what they would have put is lost. Without it, an
   * actor's exit waits for its pending puts, as Python's exit joins the feeder thread.
   */
  cancelJoinThread(): void {
    const local = this.#local;
    local.joinCancelled = true;
    local.releaseExit();
    if (local.closed) this.#abandonPuts();
  }

  /**
   * Shuts the queue down for every actor, as Python 3.13's `Queue.shutdown()`: puts (waiting
   * ones included) reject with `ShutDown`; gets drain what is buffered, then reject with
   * `ShutDown`, and `for await` ends. With `immediate`, what is buffered is discarded: gets
   * reject at once, and a `JoinableQueue` counts the discarded items as done.
   *
   * Like a sentinel, it never overtakes this actor's own puts: the ones it called before and
   * that still wait for room complete first, then the shutdown takes effect (its later puts
   * fail at once). An immediate shutdown abandons them with the rest: they reject with
   * `ShutDown`, an un-awaited one without an unhandled rejection.
   *
   * @param options `immediate` (default false).
   * @throws {TypeError} If `immediate` is not a boolean.
   */
  shutdown(options: ShutdownOptions = {}): void {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot shut down queue: options must be an object ({ immediate }), got ` +
          describeValue(options),
      );
    }
    const { immediate = false } = options;
    if (typeof immediate !== "boolean") {
      throw new TypeError(
        `Cannot shut down queue: immediate must be a boolean, got ${describeValue(immediate)}`,
      );
    }
    const local = this.#local;
    if (immediate) {
      local.puts.abandon(new ShutDown("Cannot put: the queue was shut down immediately"), true);
    } else if (!local.puts.idle) {
      local.shutdownPending = true;
      const applied = local.puts.settled().then(() => this.#ring.shutdown(false));
      runtime.delayExit(applied);
      return;
    }
    this.#ring.shutdown(immediate);
  }

  /** Takes items until the queue is shut down and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof ShutDown) return;
        throw error;
      }
    }
  }

  /** Completes or discards the operation of an actor that died inside the queue. */
  [repairHandle](isDead: (pid: number) => boolean): void {
    this.#ring.repair(isDead);
  }

  /**
   * Items, bytes and waiters. Actors asleep on the queue are getters while it is empty and
   * putters while it is full; this actor's own pending calls are counted as they are.
   */
  protected override inspectState(): Record<string, unknown> {
    const ring = this.#ring;
    const items = ring.count;
    const sleeping = Atomics.load(this.state.words, SLEEPERS);
    const full = ring.maxsize > 0 && items >= ring.maxsize;
    return {
      items,
      maxsize: ring.maxsize,
      bytes: ring.usedBytes,
      bufferBytes: ring.capacity,
      unfinished: ring.unfinished,
      shutDown: ring.shutDown,
      waitingGetters: this.#local.gets.pending + (items === 0 ? sleeping : 0),
      waitingPutters: this.#local.puts.pending + (full ? sleeping : 0),
    };
  }

  /** Waits for the turn of a put that found this actor's earlier puts pending, or no room. */
  #putInTurn(record: Encoded, wait: AcquireOptions, options?: WaitOptions): Promise<void> {
    const ring = this.#ring;
    const puts = this.#local.puts;
    // The scratch buffer is reused by the next encode: keep a copy while waiting.
    const { tag } = record;
    const bytes = record.bytes.slice(0, record.length);
    let done = false;
    const attempt = () => (done = ring.tryPut(tag, bytes, bytes.length)) || ring.shutDown;
    const finish = () => this.#afterPut(done, options);
    if (wait.blocking === false) {
      if (puts.serve()) attempt();
      finish();
      return RESOLVED;
    }
    return puts.enqueue(attempt, wait.timeout ?? undefined, finish, wait.signal);
  }

  /** Waits for the turn of a get that found this actor's earlier gets pending, or no item. */
  #getInTurn(wait: AcquireOptions, options?: WaitOptions): Promise<T> {
    const ring = this.#ring;
    const gets = this.#local.gets;
    let item: unknown = NOTHING;
    const attempt = () => (item = ring.tryTake()) !== NOTHING || ring.drained;
    const finish = () => this.#item(item, options);
    if (wait.blocking === false) {
      if (gets.serve()) attempt();
      return Promise.resolve(finish());
    }
    return gets.enqueue(attempt, wait.timeout ?? undefined, finish, wait.signal);
  }

  #abandonPuts(): void {
    this.#local.puts.abandon(
      new ChannelClosedError(
        "Cannot put: this actor closed the queue after cancelJoinThread(), which abandons its " +
          "pending puts",
      ),
      true,
    );
  }

  /** Checks that this actor may put, and encodes the item. */
  #record(item: T, action: string): Encoded {
    if (this.#local.closed) {
      throw new ChannelClosedError("Cannot put: this actor closed the queue with close()");
    }
    if (this.#ring.shutDown || this.#local.shutdownPending) {
      throw new ShutDown("Cannot put: the queue was shut down");
    }
    const record = encode(item, action);
    if (this.#ring.tooLarge(record.length)) {
      throw new RangeError(
        `Cannot put: the item takes ${record.length} bytes, more than half of the queue's ` +
          `largest buffer of ${this.#ring.maxBytes}; create the queue with a larger ` +
          "`maxBufferBytes`",
      );
    }
    return record;
  }

  #gettable(): void {
    if (this.#local.closed) {
      throw new ChannelClosedError("Cannot get: this actor closed the queue with close()");
    }
  }

  #afterPut(done: boolean, options?: WaitOptions): void {
    if (done) return;
    if (this.#ring.shutDown) throw new ShutDown("Cannot put: the queue was shut down");
    throw new Full(
      (options?.block ?? options?.blocking) === false
        ? "Cannot put: the queue is full"
        : `Cannot put: the queue stayed full for ${options?.timeout} ms`,
    );
  }

  #item(item: unknown, options?: WaitOptions): T {
    if (item !== NOTHING) return item as T;
    if (this.#ring.drained) {
      throw new ShutDown("Cannot get: the queue was shut down and is drained");
    }
    throw new Empty(
      (options?.block ?? options?.blocking) === false
        ? "Cannot get: the queue is empty"
        : `Cannot get: the queue stayed empty for ${options?.timeout} ms`,
    );
  }
}

registerSharedKind(
  import.meta,
  "Queue",
  (revival) => new Queue(undefined, undefined, revival),
);
