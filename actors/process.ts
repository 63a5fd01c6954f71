import { ActorHandle } from "./_kernel/actor_handle.ts";
import { assertCloneable } from "./_shm/clone.ts";
import { describeHandle, encodeHandles, type HandleDescription } from "./_kernel/handles.ts";
import { exitcodeOf, type TargetRef } from "./_kernel/protocol.ts";
import type { ChildRecord } from "./_kernel/children.ts";
import { type LaunchPayload, runtime } from "./_kernel/runtime.ts";
import { privateInstanceMembers } from "./_kernel/private_members.ts";
import { refFor } from "./_kernel/targets.ts";
import { checkPlacement } from "./_kernel/root/remote.ts";
import { checkInteger, checkWaitOptions, describeValue, settledWithin } from "./_shm/time.ts";
import type { WaitOptions } from "./wait_options.ts";
import type { ActorRef, AskOptions, SendOptions } from "./actor_ref.ts";
import { CloneError, ProcessStateError } from "./errors.ts";
import type { MailboxOptions } from "./mailbox_options.ts";
import type { Placement } from "./placement.ts";
import { self } from "./self.ts";
import { checkDaemon, checkName, checkOptions, mailboxWords } from "./_process_options.ts";

/** The worker program every process runs: it makes the worker the actor, then calls `run()`. */
const WORKER_HOST = new URL("./_kernel/worker_host.ts", import.meta.url).href;

/**
 * What a standby worker imports ahead of its start: the library's entry module, which the
 * modules of targets almost always import (directly or through a sub-module), and which runs no
 * code on import. A start then loads only the user's own modules.
 */
const WARM_MODULES = [new URL("../mod.ts", import.meta.url).href];

/** How the worker finds this class, which it builds every process from without importing it. */
const PROCESS_REF: TargetRef = { module: import.meta.url, name: "Process", via: "export" };

/** Options of {@linkcode Process}, as in Python's `Process(target=, args=, name=, daemon=)`. */
export interface ProcessOptions<A extends unknown[]> {
  /**
   * The function {@linkcode Process.prototype.run} calls with `args`, sync or async. The worker
   * must be able to import it: export it from the program's main module, or register it with
   * `task(import.meta, fn)` in the module that defines it.
   */
  target?: (...args: A) => unknown;
  /**
   * Arguments for `target`, typed from its parameters. They are copied to the worker with
   * structured clone, so they must be plain data.
   *
   * @default {[]}
   */
  args?: A;
  /**
   * The process name. Defaults to Python's scheme: the class name and the process's index
   * among its parent's children, `Process-1`, `Process-1:2` for a grandchild, `MyProcess-3`.
   */
  name?: string;
  /**
   * A daemonic process is ended when its parent's code is done, instead of being waited for.
   *
   * @default {the creating process's own daemon flag, as in Python}
   */
  daemon?: boolean;
  /**
   * Bounds the process's mailbox; unbounded when omitted.
   */
  mailbox?: MailboxOptions;
  /**
   * The most memory, in MiB, the process's JavaScript heap may hold (V8's old generation;
   * `ArrayBuffer` contents do not count). A process that needs more ends with exitcode 1 and
   * an `ERR_WORKER_OUT_OF_MEMORY` error; the program goes on. Whatever the limit, a process out
   * of memory never aborts the program. When the program runs with
   * `--v8-flags=--max-old-space-size=N`, that flag sets every heap's limit instead.
   *
   * @default {the main program's heap limit}
   */
  maxMemoryMb?: number;
  /**
   * Makes {@linkcode Process.prototype.start} wait for the child to say it is ready, as OTP's
   * `proc_lib:start` waits for `init_ack`: the target calls `initAck()` once its setup
   * is done (a server listening, a cache filled), and `start()` resolves to the value it gave.
   * A child that ends before it acknowledges fails the start: `start()` rejects with its error,
   * or with `ActorExitedError` if it ended without one.
   *
   * @default {false: start() resolves once the target runs}
   */
  initAck?: boolean;
  /**
   * Where the process runs: on this machine, or on an agent of a NATS context (see
   * {@linkcode Placement}). A process started by an actor on an agent runs on that agent.
   *
   * @default {"local", or "any" once setDefaultContext() chose a NATS context}
   */
  placement?: Placement;
}

/**
 * A process: an actor running `run()` (by default, `target(...args)`) in its own Deno Worker,
 * with its own memory and a mailbox. Mirrors Python's `multiprocessing.Process`; every method
 * that waits returns a Promise and every timeout is in milliseconds.
 *
 * The supervisor reaps every exit, so a process that is never joined leaves nothing behind,
 * and `terminate()` ends the whole subtree below the process.
 *
 * @typeParam A The target's parameter types.
 *
 * @example Start a process and wait for it
 * ```ts
 * import assert from "node:assert/strict";
 * import { Process } from "../mod.ts";
 * import { sendMail } from "../examples/doc_targets.ts";
 *
 * const p = new Process({ target: sendMail, args: [1] });
 * await p.start();
 * await p.join();
 * assert.equal(p.exitcode, 0);
 * ```
 *
 * @example The subclass form (`MyProcess` overrides `run()` and keeps an `index` field)
 * ```ts
 * import assert from "node:assert/strict";
 * import { MyProcess } from "../examples/doc_targets.ts";
 *
 * const p = new MyProcess(7);
 * await p.start();
 * await p.join();
 * assert.equal(p.exitcode, 0);
 * ```
 */
export class Process<A extends unknown[] = unknown[]> {
  // Kept without `A` so that every Process<A> is a Process: A only types the options.
  #target: ((...args: unknown[]) => unknown) | undefined;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #identity: number[];
  #isSelf: boolean;
  #child: ChildRecord | null = null;
  #closed = false;
  #mailbox: Int32Array;
  #maxMemoryMb: number | undefined;
  #initAck: boolean;
  #placement: Placement | undefined;
  #ref: ActorRef | null = null;

  /**
   * Creates a process; nothing runs until {@linkcode Process.prototype.start}.
   *
   * @param options The target, its arguments, a name and the daemon flag.
   * @throws {TypeError} If an option has the wrong type, or is not one of `target`, `args`,
   * `name`, `daemon`, `mailbox` and `maxMemoryMb` (as Python refuses an unexpected keyword
   * argument).
   * @throws {RangeError} If the mailbox capacity is not an integer from 1 to 2^30, its overflow
   * policy is unknown, or `maxMemoryMb` is not an integer from 1 to 2**20 (1 TiB).
   */
  constructor(options: ProcessOptions<A> = {}) {
    checkOptions(options);
    const {
      target,
      args = [] as unknown as A,
      name,
      daemon,
      mailbox,
      maxMemoryMb,
      initAck,
      placement,
    } = options;
    if (target !== undefined && typeof target !== "function") {
      throw new TypeError(
        `Cannot create process: target must be a function, got ${describeValue(target)}`,
      );
    }
    if (!Array.isArray(args)) {
      throw new TypeError(
        "Cannot create process: args must be an array of the target's arguments, got " +
          describeValue(args),
      );
    }
    if (name !== undefined) checkName(name, "create process");
    if (daemon !== undefined) checkDaemon(daemon, "create process");
    if (initAck !== undefined && typeof initAck !== "boolean") {
      throw new TypeError(
        `Cannot create process: initAck must be a boolean, got ${describeValue(initAck)}`,
      );
    }
    this.#initAck = initAck === true;
    this.#placement = placement === undefined
      ? undefined
      : checkPlacement(placement, "Cannot create process");
    this.#target = target as ((...args: unknown[]) => unknown) | undefined;
    this.#args = args;
    this.#mailbox = mailboxWords(mailbox);
    this.#maxMemoryMb = maxMemoryMb === undefined
      ? undefined
      : checkInteger(maxMemoryMb, "create process", "maxMemoryMb", { min: 1, max: 2 ** 20 });
    this.#isSelf = runtime.takeSelfBinding();
    if (this.#isSelf) {
      this.#identity = [...runtime.identity];
      this.#name = runtime.name;
      this.#daemon = runtime.daemon;
    } else {
      this.#identity = runtime.nextChildIdentity();
      this.#name = name ?? `${new.target.name || "Process"}-${this.#identity.join(":")}`;
      this.#daemon = daemon ?? runtime.daemon;
    }
  }

  /**
   * The name: set it before {@linkcode Process.prototype.start} for the child to see it.
   *
   * @throws {TypeError} When set to something that is not a string.
   */
  get name(): string {
    return this.#name;
  }

  set name(name: string) {
    this.#name = checkName(name, `rename process "${this.#name}"`);
  }

  /**
   * Whether the process is daemonic: ended, with its subtree, when its parent's code is done.
   *
   * @throws {ProcessStateError} When set after start.
   * @throws {TypeError} When set to something that is not a boolean.
   */
  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(daemon: boolean) {
    if (this.#isSelf || this.#child !== null) {
      throw new ProcessStateError(
        `Cannot set daemon on process "${this.#name}": it was already started; ` +
          "set daemon before start()",
      );
    }
    this.#daemon = checkDaemon(daemon, `set daemon on process "${this.#name}"`);
  }

  /** The actor id, unique in the program; undefined before start. The main program is pid 1. */
  get pid(): number | undefined {
    return this.#isSelf ? runtime.pid : this.#child?.pid;
  }

  /**
   * Null while running or before start; then 0 after a normal return, 1 after an uncaught
   * error, the code given to `exit(code)`, -15 after `terminate()` and -9 after `kill()`.
   */
  get exitcode(): number | null {
    return this.#child === null ? null : exitcodeOf(this.#child.status);
  }

  /**
   * The uncaught error that ended the process (exitcode 1), with the worker's `name`, `message`
   * and `stack`, or the error that made its start fail; null otherwise.
   */
  get error(): Error | null {
    return this.#child?.error ?? null;
  }

  /**
   * The code the process runs. By default it calls `target(...args)`; a subclass overrides it.
   *
   * @returns Whatever the target returns (awaited when it is a promise).
   */
  run(): unknown {
    return this.#target?.(...this.#args);
  }

  /**
   * Starts the process in a new worker.
   *
   * Awaiting it is optional, as in Python. A start that fails in the child (its target cannot
   * be found, its module fails to load) ends the process: its `exitcode` becomes 1 and its
   * {@linkcode Process.prototype.error} the error, which the child prints once, as it prints an
   * uncaught error; the returned promise rejects with it too, but an un-awaited start never
   * becomes an unhandled rejection. A start refused at the call (the errors below) leaves the
   * process unstarted and rejects the returned promise, which is loud if ignored, as Python
   * raises at the call.
   *
   * @typeParam T The type of the value the child gives `initAck()`.
   * @returns A promise that resolves once the target is running (with `initAck: true`, once the
   * child has called `initAck()`, to its value), or rejects if the process cannot start
   * (`TargetNotFoundError`, an error of its module; with `initAck: true`, any end before the
   * acknowledgement).
   * @throws {ProcessStateError} If the process was already started or closed, or if it is
   * started while a worker is still importing its target's module (guard the program's entry
   * code with `if (import.meta.main)`).
   * @throws {CloneError} If an argument or a subclass field cannot be copied to a worker, or
   * the subclass has private members (`#field`).
   * @throws {TargetNotFoundError} If the target is an anonymous function.
   */
  start<T = void>(): Promise<T> {
    let child: ChildRecord;
    try {
      child = this.#launch();
    } catch (error) {
      return Promise.reject(error);
    }
    const started = runtime.waitFor(child.started.promise as Promise<T>);
    // A failure in the child is the process's exit, kept in exitcode and error: whoever awaits
    // the start still sees it, but nobody has to.
    started.catch(() => {});
    return started;
  }

  #launch(): ChildRecord {
    const action = `start process "${this.#name}"`;
    this.#assertChildHandle(action);
    if (this.#child !== null) {
      throw new ProcessStateError(
        `Cannot ${action}: it was already started; a process runs once, create a new Process ` +
          "to run the target again",
      );
    }
    if (runtime.bootstrapping) {
      throw new ProcessStateError(
        `Cannot ${action} while this worker is still importing its target's module: guard the ` +
          "program's entry code with `if (import.meta.main)`, as Python guards it with " +
          "`if __name__ == '__main__'`",
      );
    }
    const processClass = this.constructor as typeof Process;
    assertNoPrivateMembers(processClass, action);
    const fields: Record<string, unknown> = { ...(this as object) };
    assertCloneable(this.#args, "args", action);
    assertCloneable(fields, "this", action);
    const refs = {
      host: WORKER_HOST,
      warm: WARM_MODULES,
      baseClass: PROCESS_REF,
      processClass: processClass === Process
        ? null
        : refFor(processClass, runtime.mainModule, `process "${this.#name}"`),
      target: this.#target === undefined
        ? null
        : refFor(this.#target, runtime.mainModule, `process "${this.#name}"`),
    };
    this.#child = runtime.startChild(
      {
        name: this.#name,
        identity: this.#identity,
        daemon: this.#daemon,
        handle: this,
        mailbox: this.#mailbox,
        initAck: this.#initAck,
      },
      (pid): LaunchPayload => ({
        ...refs,
        args: encodeHandles(this.#args, pid),
        fields: encodeHandles(fields, pid),
        maxMemoryMb: this.#maxMemoryMb,
        initAck: this.#initAck,
        placement: this.#placement,
      }),
    );
    return this.#child;
  }

  /**
   * Waits until the process ends, or until the timeout passes. Like Python's `join`, a timeout
   * is not an error: check {@linkcode Process.prototype.exitcode} afterwards.
   *
   * @param options A `timeout` in milliseconds (forever when omitted, `null` or `Infinity`) and
   * a `signal` that cancels the wait (the process runs on); or the timeout alone, as Python
   * passes it (`join(1500)`).
   * @throws {ProcessStateError} If the process was never started, is closed, or is the
   * current process.
   * @throws {TypeError} If the timeout is not a number, or the signal not an `AbortSignal`.
   * @throws {RangeError} If the timeout is negative or NaN.
   * @throws {unknown} The signal's reason, when it aborts first.
   */
  async join(options?: number | null | Pick<WaitOptions, "timeout" | "signal">): Promise<void> {
    const action = `join process "${this.#name}"`;
    const child = this.#startedChild(action);
    const { timeout, signal } = checkWaitOptions(options, action);
    if (timeout === undefined && signal === undefined) {
      return runtime.waitFor(child.exited.promise);
    }
    await runtime.waitFor(settledWithin(child.exited.promise, timeout, signal));
  }

  /**
   * Ends the process and everything it started, like SIGTERM: its exit code becomes -15. Locks
   * and other resources it held are released by the supervisor. A process that already ended
   * is left as it is.
   *
   * What it can stop: a process waiting (on a message, a timer, I/O, a lock, a queue) ends at
   * once. A thread in pure synchronous computation cannot be interrupted in Deno: the process
   * is reaped after one second anyway (exit code, `isAlive()`, `activeChildren()`, its locks
   * released, its pipe ends closed, its names freed, its monitors told), and its thread, still
   * computing, stops the moment it touches shared state (a lock, a queue, a pipe, a shared
   * value, an event, a message, a request to the supervisor): that operation never happens.
   * Until then it can still print or write files.
   *
   * @returns A promise that resolves once the process has ended; awaiting it is optional.
   * @throws {ProcessStateError} If the process was never started or is closed.
   */
  terminate(): Promise<void> {
    try {
      return runtime.signal(this.#startedChild(`terminate process "${this.#name}"`), "terminate");
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Like {@linkcode Process.prototype.terminate}, with exit code -9 (SIGKILL).
   *
   * @returns A promise that resolves once the process has ended.
   * @throws {ProcessStateError} If the process was never started or is closed.
   */
  kill(): Promise<void> {
    try {
      return runtime.signal(this.#startedChild(`kill process "${this.#name}"`), "kill");
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Whether the process has started and not yet ended. Reads shared memory: no message, no
   * wait, so it is correct even while this actor is busy.
   *
   * @returns True between start and exit; always true for the current process.
   */
  isAlive(): boolean {
    if (this.#isSelf) return true;
    this.#assertOpen(`check whether process "${this.#name}" is alive`);
    return this.#child !== null && exitcodeOf(this.#child.status) === null;
  }

  /**
   * The process as an {@linkcode ActorRef}: what to send to other actors so they can message
   * it directly. (A `Process` passed in a message or as an argument arrives as this reference.)
   *
   * @throws {ProcessStateError} If the process was never started or is closed.
   */
  get ref(): ActorRef {
    if (this.#isSelf) return self();
    const child = this.#startedChild(`get a reference to process "${this.#name}"`);
    this.#ref ??= new ActorHandle({
      pid: child.pid,
      name: this.#name,
      status: child.status.buffer as SharedArrayBuffer,
      mailbox: child.mailbox.buffer as SharedArrayBuffer,
    });
    return this.#ref;
  }

  /**
   * The messages sent to the process that it has not received yet, in flight included.
   *
   * @throws {ProcessStateError} If the process was never started or is closed.
   */
  get mailboxDepth(): number {
    return this.ref.mailboxDepth;
  }

  /**
   * Sends `message` to the process's mailbox, where it takes it with `receive()`. Messages from
   * one sender arrive in order and none is lost while the receiver is busy. A message sent to a
   * process that has ended is dropped, as in Erlang. See {@linkcode ActorRef.send} for bounded
   * mailboxes.
   *
   * @param message Plain data or handles, copied with structured clone.
   * @param options How long a send to a full bounded mailbox may wait.
   * @returns Resolves once the message is on its way; awaiting it matters only for a bounded
   * mailbox.
   * @throws {CloneError} If the message cannot be copied to another actor.
   * @throws {ProcessStateError} If the process was never started or is closed.
   * @throws {MailboxFullError} If its bounded mailbox is full and its policy is `"fail"`.
   */
  send(message: unknown, options?: SendOptions): Promise<void> {
    let ref: ActorRef;
    try {
      ref = this.ref;
    } catch (error) {
      return Promise.reject(error);
    }
    return ref.send(message, options);
  }

  /**
   * Sends `message` as a request and resolves to the process's {@linkcode reply}.
   *
   * @typeParam R The reply's type.
   * @param message The request.
   * @param options A `timeout` in milliseconds and an abort `signal`.
   * @returns The reply.
   * @throws {TimeoutError} If no reply arrives within `timeout`.
   * @throws {ActorExitedError} If the process has exited, or exits before it replies.
   * @throws {ProcessStateError} If the process was never started or is closed.
   */
  ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R> {
    let ref: ActorRef;
    try {
      ref = this.ref;
    } catch (error) {
      return Promise.reject(error);
    }
    return ref.ask<R>(message, options);
  }

  /**
   * Releases the process object, as Python's `close()`; most methods throw afterwards.
   *
   * @throws {ProcessStateError} If the process is still running.
   */
  close(): void {
    const action = `close process "${this.#name}"`;
    this.#assertChildHandle(action);
    if (this.#child !== null && exitcodeOf(this.#child.status) === null) {
      throw new ProcessStateError(
        `Cannot ${action}: it is still running; join() or terminate() it first`,
      );
    }
    this.#closed = true;
  }

  /**
   * Leaving the scope of `await using p = new Process(...)` ends the process the way the end of
   * the main program does, then closes it: a daemonic process is terminated, any other is
   * waited for (Python's `close()` refuses a running process rather than kill it, and its
   * exit handler joins non-daemonic children).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed || this.#isSelf) return;
    if (this.#child !== null && exitcodeOf(this.#child.status) === null && this.#daemon) {
      await this.terminate();
    }
    if (this.#child !== null) await runtime.waitFor(this.#child.exited.promise);
    this.close();
  }

  /** A process crosses to other actors as a reference to it. */
  [describeHandle](): HandleDescription {
    return (this.ref as ActorHandle)[describeHandle]();
  }

  /** Python's repr: `<Process name="Process-1" pid=2 started daemon>`. */
  toString(): string {
    const state = this.#isSelf
      ? "started"
      : this.#child === null
      ? "initial"
      : this.exitcode === null
      ? "started"
      : `stopped exitcode=${this.exitcode}`;
    const pid = this.pid === undefined ? "" : ` pid=${this.pid}`;
    return `<${this.constructor.name} name="${this.#name}"${pid} ${state}${
      this.#daemon ? " daemon" : ""
    }>`;
  }

  /** `action` names the process: `join process "Process-1"`. */
  #startedChild(action: string): ChildRecord {
    this.#assertChildHandle(action);
    if (this.#child === null) {
      throw new ProcessStateError(`Cannot ${action}: it was not started; call start() first`);
    }
    return this.#child;
  }

  #assertChildHandle(action: string): void {
    if (this.#isSelf) {
      throw new ProcessStateError(
        `Cannot ${action}: it is the current process; only its parent can do that`,
      );
    }
    this.#assertOpen(action);
  }

  #assertOpen(action: string): void {
    if (this.#closed) {
      throw new ProcessStateError(`Cannot ${action}: it was closed with close()`);
    }
  }
}

/**
 * Refuses a subclass with private instance members: the worker rebuilds the process without
 * running its constructor, and only a constructor gives an object private members.
 */
function assertNoPrivateMembers(processClass: typeof Process, action: string): void {
  for (
    let current: unknown = processClass;
    current !== Process && typeof current === "function";
    current = Object.getPrototypeOf(current)
  ) {
    const members = privateInstanceMembers(current as typeof Process);
    if (members.length === 0) continue;
    const name = (current as typeof Process).name || "the subclass";
    throw new CloneError(
      `Cannot ${action}: ${name} has private members (${members.join(", ")}), which cannot ` +
        "be copied to a worker: the worker rebuilds the process from its own fields without " +
        "running the constructor, and private members exist only on objects a constructor " +
        "made. Make them ordinary fields (`this.secret`), or pass the data in args.",
    );
  }
}
