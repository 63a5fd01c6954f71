import { registerSharedKind } from "../actors/_shared_handle.ts";
import { Queue, type QueueOptions } from "./queue.ts";

/**
 * An unbounded queue, as Python's `multiprocessing.SimpleQueue`: `put`, `get`, `empty`,
 * `close`, and the rest of {@linkcode Queue}'s API.
 *
 * @typeParam T The type of the items.
 *
 * @example Put and get
 * ```ts
 * import { SimpleQueue } from "../mod.ts";
 *
 * const q = new SimpleQueue<string>();
 * await q.put("hello");
 * console.assert((await q.get()) === "hello");
 * ```
 */
export class SimpleQueue<T = unknown> extends Queue<T> {
  /** The module that revives simple queues in other actors. */
  static override readonly handleModule: string = import.meta.url;

  /**
   * Creates an unbounded queue.
   *
   * @param options The size of the shared buffer.
   */
  constructor(options: QueueOptions = {}) {
    super(0, options);
  }
}

registerSharedKind(import.meta, "SimpleQueue", () => new SimpleQueue());
