import type { AcquireOptions } from "../../_shm/futex.ts";
import { BaseProxy, type ProxyBinding } from "./_base.ts";
import { waitOptions } from "../_wire/args.ts";

export type { AcquireOptions };

/**
 * A proxy to a FIFO queue that lives in a {@linkcode Manager}, as Python's `manager.Queue()`.
 * Unlike the shared-memory {@linkcode Queue}, it can be used from another machine through a
 * remote manager. A `get` waiting on an empty queue (or a `put` on a full one) waits inside the
 * manager, which keeps serving everyone else; if the waiting actor dies, its wait is dropped and
 * no item is lost to it.
 *
 * @typeParam T The item type; not checked at run time.
 *
 * @example Producer and consumer through a managed queue
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager, Process } from "../../../mod.ts";
 * import { produceNumbers } from "../../../examples/doc_targets.ts";
 *
 * await using manager = new Manager();
 * const numbers = await manager.queue<number | null>();
 * const producer = new Process({ target: produceNumbers, args: [numbers, 3] });
 * await producer.start();
 * const received = [];
 * for (let item = await numbers.get(); item !== null; item = await numbers.get()) received.push(item);
 * await producer.join();
 * assert.deepEqual(received, [0, 1, 2]);
 * ```
 */
export class QueueProxy<T = unknown> extends BaseProxy {
  /**
   * Binds a proxy; proxies are made by {@linkcode Manager.prototype.queue}, not constructed.
   *
   * @param binding The manager connection and the object.
   */
  constructor(binding: ProxyBinding) {
    super(binding);
  }

  /**
   * Puts `item` at the end, waiting for room if the queue is bounded and full.
   *
   * @param item The item, copied.
   * @param options `blocking` (default true) and `timeout` in milliseconds (`Infinity` for no
   * limit).
   * @returns Once the item is in the queue.
   * @throws {Full} If there is no room and not blocking, or the timeout passed.
   * @throws {RangeError} If the timeout is negative or NaN (nothing is sent).
   */
  put(item: T, options?: AcquireOptions): Promise<void> {
    return this.callWith("put", () => [item, waitOptions(options, "put on queue")]);
  }

  /**
   * Takes the item at the front, waiting for one if the queue is empty.
   *
   * @param options `blocking` (default true) and `timeout` in milliseconds (`Infinity` for no
   * limit).
   * @returns The item.
   * @throws {Empty} If there is none and not blocking, or the timeout passed.
   * @throws {RangeError} If the timeout is negative or NaN (nothing is sent).
   */
  get(options?: AcquireOptions): Promise<T> {
    return this.callWith("get", () => [waitOptions(options, "get from queue")]);
  }

  /**
   * Puts without waiting, as Python's `put_nowait`.
   *
   * @param item The item.
   * @returns Once the item is in the queue.
   * @throws {Full} If there is no room.
   */
  putNowait(item: T): Promise<void> {
    return this.put(item, { blocking: false });
  }

  /**
   * Takes without waiting, as Python's `get_nowait`.
   *
   * @returns The item.
   * @throws {Empty} If the queue is empty.
   */
  getNowait(): Promise<T> {
    return this.get({ blocking: false });
  }

  /**
   * The number of items in the queue now.
   *
   * @returns The count.
   */
  qsize(): Promise<number> {
    return this.call("qsize");
  }

  /**
   * Whether the queue is empty now.
   *
   * @returns True when empty.
   */
  empty(): Promise<boolean> {
    return this.call("empty");
  }

  /**
   * Whether a bounded queue is at its `maxsize` now.
   *
   * @returns True when full.
   */
  full(): Promise<boolean> {
    return this.call("full");
  }
}
