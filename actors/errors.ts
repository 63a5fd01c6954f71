/**
 * Named errors raised by processes and the supervisor. Each class sets `name`, so callers can
 * branch on `error instanceof ProcessStateError`, in the actor that threw it and in the one it
 * crossed to (a pool task's error, a refused call, a child's `error`).
 *
 * @module
 */

import { registerErrorClasses } from "./_kernel/wire_errors.ts";

/**
 * A {@linkcode Process} method was called in a state that does not allow it: starting twice,
 * joining a process that was never started, setting `daemon` after start, using a closed
 * process. Python raises `AssertionError` or `ValueError` in these places.
 *
 * @example Catching a second start
 * ```ts
 * import { ProcessStateError } from "./errors.ts";
 *
 * const error = new ProcessStateError('Cannot start process "Process-1": it was already started');
 * console.assert(error.name === "ProcessStateError");
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
 * import { TargetNotFoundError } from "./errors.ts";
 *
 * const error = new TargetNotFoundError('Cannot start process "Process-1": target "work" ...');
 * console.assert(error.name === "TargetNotFoundError");
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
 * import { CloneError } from "./errors.ts";
 *
 * const error = new CloneError("Cannot send message: message.callback is a function");
 * console.assert(error.name === "CloneError");
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
 * A wait with a timeout (`receive({ timeout })`, and later `AsyncResult.get(timeout)`) ran out
 * of time before it was satisfied.
 *
 * @example Recognising the error
 * ```ts
 * import { TimeoutError } from "./errors.ts";
 *
 * const error = new TimeoutError("No message arrived within 100 ms");
 * console.assert(error.name === "TimeoutError");
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
 * import { SystemExit } from "./errors.ts";
 *
 * const signal = new SystemExit(3);
 * console.assert(signal.code === 3);
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
 * A lock or semaphore was released more times than it was acquired: an unlocked `Lock`, an
 * `RLock` not held by the releasing actor, a `BoundedSemaphore` above its initial value.
 * Python raises `ValueError` or `RuntimeError` here.
 *
 * @example Recognising the error
 * ```ts
 * import { ReleaseError } from "./errors.ts";
 *
 * const error = new ReleaseError("Cannot release lock: it is not locked");
 * console.assert(error.name === "ReleaseError");
 * ```
 */
export class ReleaseError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was released and why that was wrong.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ReleaseError";
  }
}

/**
 * A synchronous wait (`acquireSync`, `waitSync`) would have had to block the main thread,
 * freezing the event loop and every actor waiting on it; use the async form there.
 *
 * @example Recognising the error
 * ```ts
 * import { BlockingError } from "./errors.ts";
 *
 * const error = new BlockingError("Cannot acquireSync on the main thread");
 * console.assert(error.name === "BlockingError");
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
 * A `Barrier` is broken: it was aborted, reset while parties waited, or a wait timed out. Every
 * party waiting on it, and every later `wait()` until `reset()`, rejects with this error.
 *
 * @example Recognising the error
 * ```ts
 * import { BrokenBarrierError } from "./errors.ts";
 *
 * const error = new BrokenBarrierError("The barrier was aborted");
 * console.assert(error.name === "BrokenBarrierError");
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Creates the error.
   *
   * @param message How the barrier broke.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenBarrierError";
  }
}

/**
 * A manager proxy cannot reach its manager: the manager was shut down, its actor ended, or the
 * connection to it was lost. Calls pending at that moment reject with it instead of hanging,
 * and so does every later call of a proxy of that manager.
 *
 * @example Recognising the error
 * ```ts
 * import { ManagerClosedError } from "./errors.ts";
 *
 * const error = new ManagerClosedError("Cannot call dict.get: the manager was shut down");
 * console.assert(error.name === "ManagerClosedError");
 * ```
 */
export class ManagerClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which call failed and why the manager is out of reach.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ManagerClosedError";
  }
}

/**
 * A manager connection failed its authentication: one side did not prove it knows the authkey.
 * The connection is closed before any request is read. Python's
 * `multiprocessing.AuthenticationError`.
 *
 * @example Recognising the error
 * ```ts
 * import { AuthenticationError } from "./errors.ts";
 *
 * const error = new AuthenticationError("Cannot connect to the manager: it refused the authkey");
 * console.assert(error.name === "AuthenticationError");
 * ```
 */
export class AuthenticationError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which connection failed and which side could not prove the key.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuthenticationError";
  }
}

/**
 * The manager raised an error this actor has no class for. `remoteName` keeps its name and the
 * message its text, as Python's `RemoteError` does. Errors the manager raises on purpose
 * (`RangeError`, `TypeError`, `Empty`, `Full`, `ReleaseError`) arrive as their own classes.
 *
 * @example Recognising the error
 * ```ts
 * import { RemoteError } from "./errors.ts";
 *
 * const error = new RemoteError("SomeError", "it failed in the manager");
 * console.assert(error.name === "RemoteError" && error.remoteName === "SomeError");
 * ```
 */
export class RemoteError extends Error {
  /** The name of the error the manager raised. */
  readonly remoteName: string;

  /**
   * Creates the error.
   *
   * @param remoteName The name of the error in the manager.
   * @param message Its message.
   * @param options The standard `cause` option.
   */
  constructor(remoteName: string, message: string, options?: ErrorOptions) {
    super(`${remoteName} in the manager: ${message}`, options);
    this.name = "RemoteError";
    this.remoteName = remoteName;
  }
}

/**
 * A {@linkcode Pool} was used in a state that does not allow it: a task submitted after
 * `close()` or `terminate()`, `join()` on a pool still running, `successful()` asked of a result
 * that is not ready. Python raises `ValueError` in these places.
 *
 * @example Recognising the error
 * ```ts
 * import { PoolStateError } from "./errors.ts";
 *
 * const error = new PoolStateError('Cannot submit task "square": the pool was closed');
 * console.assert(error.name === "PoolStateError");
 * ```
 */
export class PoolStateError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was attempted and the pool's state.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolStateError";
  }
}

/**
 * A {@linkcode Pool}'s `terminate()` ended the task before it completed: every task still queued
 * or running when the pool is terminated rejects with this error.
 *
 * @example Recognising the error
 * ```ts
 * import { PoolTerminatedError } from "./errors.ts";
 *
 * const error = new PoolTerminatedError('Task "square" was cancelled: the pool was terminated');
 * console.assert(error.name === "PoolTerminatedError");
 * ```
 */
export class PoolTerminatedError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which task was ended.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolTerminatedError";
  }
}

/**
 * The {@linkcode Pool} worker running a task died (it was killed, called `exit()`, ran out of
 * memory, or its initializer failed). The pool replaces the worker; only the task(s) it was
 * running fail with this error, everything else still completes. `cause` is the worker's own
 * error when it had one.
 *
 * @example Recognising the error
 * ```ts
 * import { WorkerDiedError } from "./errors.ts";
 *
 * const error = new WorkerDiedError('Task "crawl" failed: pool worker "PoolWorker-2" died');
 * console.assert(error.name === "WorkerDiedError");
 * ```
 */
export class WorkerDiedError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which task failed and how its worker ended.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerDiedError";
  }
}

/**
 * A {@linkcode Pool} task ran longer than its `timeout` option allowed. Nothing can interrupt a
 * running function in a worker, so the pool kills that worker and replaces it.
 *
 * @example Recognising the error
 * ```ts
 * import { TaskTimeoutError } from "./errors.ts";
 *
 * const error = new TaskTimeoutError('Task "slow" timed out after 100 ms');
 * console.assert(error.name === "TaskTimeoutError");
 * ```
 */
export class TaskTimeoutError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which task timed out and after how long.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TaskTimeoutError";
  }
}

/**
 * `applyAsync` found the {@linkcode Pool}'s queue full (`maxQueue` tasks waiting). The other
 * submitting methods wait for room instead; `applyAsync` returns at once, so it cannot.
 *
 * @example Recognising the error
 * ```ts
 * import { PoolQueueFullError } from "./errors.ts";
 *
 * const error = new PoolQueueFullError('Cannot submit task "f": the queue is full');
 * console.assert(error.name === "PoolQueueFullError");
 * ```
 */
export class PoolQueueFullError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which task was refused and the queue's bound.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolQueueFullError";
  }
}

/**
 * An `ask` (or a gen_server `call`) could not be answered because the actor it went to has
 * ended, or ended before it replied. The error's `cause` is the actor's {@linkcode ExitReason}
 * error when it died of one.
 *
 * @example Recognising the error
 * ```ts
 * import { ActorExitedError } from "./errors.ts";
 *
 * const error = new ActorExitedError('Cannot ask actor 7: it exited (error) before it replied');
 * console.assert(error.name === "ActorExitedError");
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
 * import { MailboxFullError } from "./errors.ts";
 *
 * const error = new MailboxFullError('Cannot send to actor 7: its mailbox is full (100 messages)');
 * console.assert(error.name === "MailboxFullError");
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
 * import { NameTakenError } from "./errors.ts";
 *
 * const error = new NameTakenError('Cannot register "bank": actor 4 holds that name');
 * console.assert(error.name === "NameTakenError");
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
 * A {@linkcode Supervisor} restarted its children more than `maxRestarts` times within
 * `periodMs`: it stopped them all and gave up, as an OTP supervisor reaching its restart
 * intensity does. Its `join()` rejects with this error, so a supervisor above it sees it fail.
 *
 * @example Recognising the error
 * ```ts
 * import { SupervisorGaveUpError } from "./errors.ts";
 *
 * const error = new SupervisorGaveUpError('Supervisor "web" gave up: 4 restarts within 5000 ms');
 * console.assert(error.name === "SupervisorGaveUpError");
 * ```
 */
export class SupervisorGaveUpError extends Error {
  /**
   * Creates the error.
   *
   * @param message The supervisor, the restarts counted and the period.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SupervisorGaveUpError";
  }
}

registerErrorClasses(
  ProcessStateError,
  TargetNotFoundError,
  CloneError,
  TimeoutError,
  ReleaseError,
  BlockingError,
  BrokenBarrierError,
  ManagerClosedError,
  AuthenticationError,
  PoolStateError,
  PoolTerminatedError,
  WorkerDiedError,
  TaskTimeoutError,
  PoolQueueFullError,
  ActorExitedError,
  MailboxFullError,
  NameTakenError,
  SupervisorGaveUpError,
);
