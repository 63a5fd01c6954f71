import { waitUntil } from "../actors/_futex.ts";
import { registerSharedKind } from "../actors/_shared_handle.ts";
import { Ring } from "./_ring.ts";
import { TaskDoneError } from "./errors.ts";
import { Queue, type QueueOptions } from "./queue.ts";

/**
 * A queue that counts unfinished tasks, as Python's `multiprocessing.JoinableQueue`: every
 * `put` adds one, every `taskDone()` (called by a consumer once it has processed an item)
 * removes one, and `join()` waits until all are done.
 *
 * @typeParam T The type of the items.
 *
 * @example A daemon consumer and join()
 * ```ts
 * import { JoinableQueue, Process } from "../mod.ts";
 * import { serveForever } from "../examples/doc_targets.ts";
 *
 * const q = new JoinableQueue<string>();
 * const consumer = new Process({ target: serveForever, args: [q], daemon: true });
 * await consumer.start();
 * for (const food of ["bun", "rice", "noodles"]) await q.put(food);
 * await q.join(); // every item was taken and marked done
 * await consumer.terminate();
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /** The module that revives joinable queues in other actors. */
  static override readonly handleModule: string = import.meta.url;
  readonly #ring: Ring = new Ring(this.state);

  /**
   * Creates a joinable queue.
   *
   * @param maxsize The most items buffered at once; 0 for no limit.
   * @param options The size of the shared buffer.
   */
  constructor(maxsize = 0, options: QueueOptions = {}) {
    super(maxsize, options);
  }

  /**
   * Marks one taken item as processed.
   *
   * @throws {TaskDoneError} If called more times than items were put.
   */
  taskDone(): void {
    if (!this.#ring.taskDone()) {
      throw new TaskDoneError(
        "Cannot mark a task done: taskDone() was called more times than items were put",
      );
    }
  }

  /**
   * Waits until every item put has been marked done.
   *
   * @param timeoutMs The longest wait in milliseconds; forever when omitted.
   * @returns True when all tasks are done, false if the timeout passed first.
   */
  join(timeoutMs?: number): Promise<boolean> {
    return waitUntil(
      this.state.words,
      () => this.#ring.unfinished === 0,
      { timeout: timeoutMs },
      "join queue",
    );
  }
}

registerSharedKind(import.meta, "JoinableQueue", () => new JoinableQueue());
