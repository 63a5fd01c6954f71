/**
 * Named errors of the channels. Each sets `name`, so callers can branch on `instanceof`, in the
 * actor that threw and in one the error crossed to.
 *
 * @module
 */

/**
 * A get found the queue empty: `getNowait()`, `get({ block: false })`, or a `get` whose timeout
 * passed. Python's `queue.Empty`.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { Empty } from "./errors.ts";
 *
 * assert.equal(new Empty("Cannot get: the queue is empty").name, "Empty");
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
 * import assert from "node:assert/strict";
 * import { Full } from "./errors.ts";
 *
 * assert.equal(new Full("Cannot put: the queue is full").name, "Full");
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
 * A channel was closed: a put or get on a queue after this actor's `close()` (Python raises
 * `ValueError` there), a send or receive on a closed pipe end, or a send to a pipe whose other
 * end is closed everywhere. {@linkcode ShutDown} is the kind for a queue shut down for every
 * actor, so `catch` of this class also catches it.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChannelClosedError } from "./errors.ts";
 *
 * assert.equal(new ChannelClosedError("Cannot put: the queue is closed").name, "ChannelClosedError");
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
 * The queue was shut down with `shutdown()`, for every actor: a put, or a get once what was
 * buffered is drained (at once after `shutdown({ immediate: true })`). Python 3.13's
 * `queue.ShutDown`. A subclass of {@linkcode ChannelClosedError}.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChannelClosedError, ShutDown } from "./errors.ts";
 *
 * const error = new ShutDown("Cannot put: the queue was shut down");
 * assert.equal(error.name, "ShutDown");
 * assert.ok(error instanceof ChannelClosedError);
 * ```
 */
export class ShutDown extends ChannelClosedError {
  /**
   * Creates the error.
   *
   * @param message What was attempted.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ShutDown";
  }
}

/**
 * `recvBytesInto()` was given a buffer too short for the message. The message was taken from
 * the pipe all the same: it is in `bytes`, as Python's `BufferTooShort` holds it in `args[0]`.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferTooShort } from "./errors.ts";
 *
 * const error = new BufferTooShort("Cannot receive bytes into the buffer", new Uint8Array(9));
 * assert.equal(error.name, "BufferTooShort");
 * assert.equal(error.bytes.length, 9);
 * ```
 */
export class BufferTooShort extends Error {
  /** The whole message that did not fit. */
  readonly bytes: Uint8Array;

  /**
   * Creates the error.
   *
   * @param message What did not fit where.
   * @param bytes The message.
   * @param options The standard `cause` option.
   */
  constructor(message: string, bytes: Uint8Array = new Uint8Array(0), options?: ErrorOptions) {
    super(message, options);
    this.name = "BufferTooShort";
    this.bytes = bytes;
  }
}

/**
 * `recv()` on a pipe whose other end is closed in every actor that held it, once everything
 * sent was received. Python's `EOFError`.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { EOFError } from "./errors.ts";
 *
 * assert.equal(new EOFError("The other end of the pipe is closed").name, "EOFError");
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
 * import assert from "node:assert/strict";
 * import { TaskDoneError } from "./errors.ts";
 *
 * assert.equal(new TaskDoneError("taskDone() called too many times").name, "TaskDoneError");
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
