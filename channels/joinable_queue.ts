import { waitUntil } from "../actors/_shm/futex.ts";
import { registerSharedKind, type Revival } from "../actors/_kernel/shared_handle.ts";
import { checkWaitOptions } from "../actors/_shm/time.ts";
import type { WaitOptions } from "../actors/wait_options.ts";
import { Ring } from "../actors/_shm/ring.ts";
import { TaskDoneError } from "./errors.ts";
import { Queue, type QueueOptions } from "./queue.ts";

/**
 * A queue that counts unfinished tasks, as Python's `multiprocessing.JoinableQueue`: every
 * `put` adds one, every `taskDone()` (called by a consumer once it has processed an item)
 * removes one, and `join()` waits until all are done. `shutdown({ immediate: true })` discards
 * what is buffered and counts it as done, so `join()` then waits only for the items already
 * taken, as in Python 3.13.
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
  readonly #ring: Ring = new Ring(this.state);

  /**
   * Creates a joinable queue.
   *
   * @param maxsize The most items buffered at once, up to 2^31-1; 0 for no limit.
   * @param options The size of the shared buffer.
   * @throws {TypeError} If `maxsize` is not a number or `options` not an object.
   * @throws {RangeError} If `maxsize` or a buffer size is not a valid size.
   */
  constructor(maxsize?: number, options?: QueueOptions);
  /** @ignore Revives a joinable queue another actor described (see `registerSharedKind`). */
  constructor(maxsize?: number, options?: QueueOptions, revival?: Revival);
  constructor(maxsize = 0, options: QueueOptions = {}, revival?: Revival) {
    super(maxsize, options, revival);
  }

  /**
   * Marks one taken item as processed (after a shutdown too).
   *
   * @throws {TaskDoneError} If called more times than items were put (and not discarded).
   */
  taskDone(): void {
    if (!this.#ring.taskDone()) {
      throw new TaskDoneError(
        "Cannot mark a task done: taskDone() was called more times than items were put",
      );
    }
  }

  /**
   * Waits until every item put has been marked done (or discarded by an immediate shutdown).
   *
   * @param options A `timeout` in milliseconds (forever when omitted, `null` or `Infinity`) and
   * a `signal` that cancels the wait; or the timeout alone (`join(1500)`).
   * @returns True when all tasks are done, false if the timeout passed first. It rejects with
   * the signal's reason when it aborts first.
   * @throws {TypeError} If the timeout is not a number, or the signal not an `AbortSignal`.
   * @throws {RangeError} If the timeout is negative or NaN.
   */
  join(options?: number | null | Pick<WaitOptions, "timeout" | "signal">): Promise<boolean> {
    try {
      const { timeout, signal } = checkWaitOptions(options, "join queue");
      const ring = this.#ring;
      // After an immediate shutdown, a put that was in progress may have added an item: discard
      // it too rather than wait for a get that will never come.
      return waitUntil(
        this.state.words,
        () => ring.discard() && ring.unfinished === 0,
        { timeout, signal },
        "join queue",
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

registerSharedKind(
  import.meta,
  "JoinableQueue",
  (revival) => new JoinableQueue(undefined, undefined, revival),
);
