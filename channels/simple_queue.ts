import { registerSharedKind, type Revival } from "../actors/_kernel/shared_handle.ts";
import { Queue, type QueueOptions } from "./queue.ts";

/**
 * An unbounded queue, as Python's `multiprocessing.SimpleQueue`: `put`, `get`, `empty`,
 * `close`, and the rest of {@linkcode Queue}'s API.
 *
 * @typeParam T The type of the items.
 *
 * @example Put and get
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimpleQueue } from "../mod.ts";
 *
 * const q = new SimpleQueue<string>();
 * await q.put("hello");
 * assert.equal(await q.get(), "hello");
 * ```
 */
export class SimpleQueue<T = unknown> extends Queue<T> {
  /**
   * Creates an unbounded queue.
   *
   * @param options The size of the shared buffer.
   * @throws {TypeError} If `options` is not an object (a SimpleQueue has no `maxsize`).
   * @throws {RangeError} If a buffer size is not a valid size.
   */
  constructor(options?: QueueOptions);
  /** @ignore Revives a simple queue another actor described (see `registerSharedKind`). */
  constructor(options?: QueueOptions, revival?: Revival);
  constructor(options: QueueOptions = {}, revival?: Revival) {
    super(0, options, revival);
  }
}

registerSharedKind(
  import.meta,
  "SimpleQueue",
  (revival) => new SimpleQueue(undefined, revival),
);
