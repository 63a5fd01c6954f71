/**
 * Named errors of the channels. Each sets `name`, so callers can branch on `instanceof`, in the
 * actor that threw and in one the error crossed to.
 *
 * @module
 */

import { registerErrorClasses } from "../actors/_serialized_error.ts";

/**
 * A get found the queue empty: `getNowait()`, `get({ block: false })`, or a `get` whose timeout
 * passed. Python's `queue.Empty`.
 *
 * @example Recognising the error
 * ```ts
 * import { Empty } from "./errors.ts";
 *
 * console.assert(new Empty("Cannot get: the queue is empty").name === "Empty");
 * ```
 */
export class Empty extends Error {
  /**
   * Creates the error.
   *
   * @param message What was attempted.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "Empty";
  }
}

/**
 * A put found the queue full: `putNowait()`, `put(x, { block: false })`, or a `put` whose
 * timeout passed. Python's `queue.Full`. Also thrown by a pipe `send` on the main thread, which
 * cannot wait, when the pipe's buffer is at its largest and full.
 *
 * @example Recognising the error
 * ```ts
 * import { Full } from "./errors.ts";
 *
 * console.assert(new Full("Cannot put: the queue is full").name === "Full");
 * ```
 */
export class Full extends Error {
  /**
   * Creates the error.
   *
   * @param message What was attempted.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "Full";
  }
}

/**
 * A channel was closed: a put after `close()`, or a get on a closed queue with nothing left.
 * Unlike Python, closing a queue closes it for every actor, as a Go channel does.
 *
 * @example Recognising the error
 * ```ts
 * import { ChannelClosedError } from "./errors.ts";
 *
 * console.assert(new ChannelClosedError("Cannot put: the queue is closed").name === "ChannelClosedError");
 * ```
 */
export class ChannelClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was attempted on which channel.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ChannelClosedError";
  }
}

/**
 * `recv()` on a pipe whose other end is closed in every actor that held it, once everything
 * sent was received. Python's `EOFError`.
 *
 * @example Recognising the error
 * ```ts
 * import { EOFError } from "./errors.ts";
 *
 * console.assert(new EOFError("The other end of the pipe is closed").name === "EOFError");
 * ```
 */
export class EOFError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which pipe ended.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EOFError";
  }
}

/**
 * `taskDone()` was called more times than items were taken from a `JoinableQueue`. Python
 * raises `ValueError` here.
 *
 * @example Recognising the error
 * ```ts
 * import { TaskDoneError } from "./errors.ts";
 *
 * console.assert(new TaskDoneError("taskDone() called too many times").name === "TaskDoneError");
 * ```
 */
export class TaskDoneError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was wrong.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TaskDoneError";
  }
}

registerErrorClasses(
  Empty,
  Full,
  ChannelClosedError,
  EOFError,
  TaskDoneError,
);
