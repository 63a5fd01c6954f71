/**
 * Named errors of the actor layer: processes, mail, asks, names and the shared-memory waits.
 * Each class sets `name`, so callers can branch on `error instanceof ProcessStateError`, in the
 * actor that threw it and in the one it crossed to (a pool task's error, a refused call, a
 * child's `error`). The libraries keep their own errors next to them (`actors/sync/errors.ts`,
 * `actors/pool/errors.ts`, `actors/manager/errors.ts`, `actors/supervisor/errors.ts`,
 * `channels/errors.ts`), and some extend a class of this file, so that one `instanceof` covers
 * a family: `TaskTimeoutError` is a {@linkcode TimeoutError}, `WorkerDiedError` an
 * {@linkcode ActorExitedError}.
 *
 * @module
 */

/**
 * A {@linkcode Process} method was called in a state that does not allow it: starting twice,
 * joining a process that was never started, setting `daemon` after start, using a closed
 * process. Python raises `AssertionError` or `ValueError` in these places.
 *
 * @example Catching a second start
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProcessStateError } from "./errors.ts";
 *
 * const error = new ProcessStateError('Cannot start process "Process-1": it was already started');
 * assert.equal(error.name, "ProcessStateError");
 * ```
 */
export class ProcessStateError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was attempted, on which process, and how to fix it.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProcessStateError";
  }
}

/**
 * A process target (a function or a `Process` subclass) cannot be found by the worker that must
 * run it. Targets must be exported from the program's main module, or registered with
 * {@linkcode task} in the module that defines them.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { TargetNotFoundError } from "./errors.ts";
 *
 * const error = new TargetNotFoundError('Cannot start process "Process-1": target "work" ...');
 * assert.equal(error.name, "TargetNotFoundError");
 * ```
 */
export class TargetNotFoundError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which target was missing and how to make it findable.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TargetNotFoundError";
  }
}

/**
 * A value cannot cross from one actor to another: it holds a function, a symbol, a class
 * instance, or another value that structured clone cannot copy faithfully. The message names the
 * path to the value and its type; nothing was sent.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloneError } from "./errors.ts";
 *
 * const error = new CloneError("Cannot send message: message.callback is a function");
 * assert.equal(error.name, "CloneError");
 * ```
 */
export class CloneError extends TypeError {
  /**
   * Creates the error.
   *
   * @param message Which value cannot cross and why.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CloneError";
  }
}

/**
 * A wait with a timeout (`receive({ timeout })`, `ask(..., { timeout })`,
 * `AsyncResult.get(timeout)`) ran out of time before it was satisfied. The pool's
 * `TaskTimeoutError` (a task ran past its `timeout`) extends it, so this class covers both.
 *
 * A wait given a `signal` instead rejects with the signal's reason: for
 * `AbortSignal.timeout()` that is a `DOMException` whose `name` is also `"TimeoutError"`, but
 * which is not an instance of this class. Test `error.name === "TimeoutError"` to cover both.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimeoutError } from "./errors.ts";
 *
 * const error = new TimeoutError("No message arrived within 100 ms");
 * assert.equal(error.name, "TimeoutError");
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Creates the error.
   *
   * @param message What timed out and after how long.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/**
 * Thrown by {@linkcode exit} to end the current actor with an exit code, like Python's
 * `SystemExit`. The worker host turns it into the process's `exitcode`; it is never reported as
 * a failure. Catching it (and not rethrowing) cancels the exit, as in Python.
 *
 * @example Reading the code
 * ```ts
 * import assert from "node:assert/strict";
 * import { SystemExit } from "./errors.ts";
 *
 * const signal = new SystemExit(3);
 * assert.equal(signal.code, 3);
 * ```
 */
export class SystemExit extends Error {
  /** The exit code the actor ends with. */
  readonly code: number;

  /**
   * Creates the exit signal.
   *
   * @param code The exit code, an integer from 0 to 255.
   */
  constructor(code: number) {
    super(`Actor exited with code ${code}`);
    this.name = "SystemExit";
    this.code = code;
  }
}

/**
 * A synchronous wait (`acquireSync`, `waitSync`) would have had to block the main thread,
 * freezing the event loop and every actor waiting on it; use the async form there.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockingError } from "./errors.ts";
 *
 * const error = new BlockingError("Cannot acquireSync on the main thread");
 * assert.equal(error.name, "BlockingError");
 * ```
 */
export class BlockingError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which call blocked and what to use instead.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BlockingError";
  }
}

/**
 * An `ask` (or a gen_server `call`) could not be answered because the actor it went to has
 * ended, or ended before it replied. The error's `cause` is the actor's {@linkcode ExitReason}
 * error when it died of one.
 * The pool's `WorkerDiedError` (the worker running a task died) extends it, so this class
 * covers both.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { ActorExitedError } from "./errors.ts";
 *
 * const error = new ActorExitedError('Cannot ask actor 7: it exited (error) before it replied');
 * assert.equal(error.name, "ActorExitedError");
 * ```
 */
export class ActorExitedError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which actor, how it ended, and what was asked.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ActorExitedError";
  }
}

/**
 * A send found a bounded mailbox full and its overflow policy is `"fail"`.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { MailboxFullError } from "./errors.ts";
 *
 * const error = new MailboxFullError('Cannot send to actor 7: its mailbox is full (100 messages)');
 * assert.equal(error.name, "MailboxFullError");
 * ```
 */
export class MailboxFullError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which actor and its mailbox's capacity.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MailboxFullError";
  }
}

/**
 * {@linkcode register} was given a name that a live actor already holds. Names are freed
 * when their actor ends.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { NameTakenError } from "./errors.ts";
 *
 * const error = new NameTakenError('Cannot register "bank": actor 4 holds that name');
 * assert.equal(error.name, "NameTakenError");
 * ```
 */
export class NameTakenError extends Error {
  /**
   * Creates the error.
   *
   * @param message The name and the actor that holds it.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NameTakenError";
  }
}

/**
 * A process could not be started because the program is out of a resource every worker needs:
 * open file descriptors (each Worker takes about six, more while it loads). Python raises
 * `OSError: [Errno 24] Too many open files` from `start()` in the same case. Deno 2.9 aborts the
 * whole program when it builds a Worker without free descriptors, so the start is refused
 * before that; close files or sockets, or raise the limit (`ulimit -n`), and start again.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { SpawnError } from "./errors.ts";
 *
 * const error = new SpawnError('Cannot start process "Process-1": 3 file descriptors are free');
 * assert.equal(error.name, "SpawnError");
 * ```
 */
export class SpawnError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which process, and what it lacked.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SpawnError";
  }
}

/**
 * An actor ran on an agent of a NATS context that was lost: its process was killed, its machine
 * went down or it was cut off from the NATS server for longer than the context's `deadAfter`.
 * The actor counts as exited (code 1, this error as its reason): its asks fail, its monitors
 * fire, its links are signalled and a supervisor restarts it where its placement allows. A
 * subclass of {@linkcode ActorExitedError}, so one `instanceof` covers both.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { ActorExitedError, AgentLostError } from "./errors.ts";
 *
 * const error = new AgentLostError('Agent "gpu-1" was lost: no heartbeat for 500 ms');
 * assert.ok(error instanceof ActorExitedError);
 * assert.equal(error.name, "AgentLostError");
 * ```
 */
export class AgentLostError extends ActorExitedError {
  /**
   * Creates the error.
   *
   * @param message Which agent, and how it was found lost.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AgentLostError";
  }
}
