import { ActorHandle } from "./_actor_handle.ts";
import { assertCloneable } from "./_clone.ts";
import { describeHandle, encodeHandles, type HandleDescription } from "./_portable.ts";
import { MAILBOX_CAPACITY, MAILBOX_OVERFLOW, OVERFLOW_POLICIES } from "./_protocol.ts";
import {
  type ChildRecord,
  exitcodeOf,
  type LaunchPayload,
  newMailboxWords,
  runtime,
} from "./_runtime.ts";
import { refFor } from "./_target.ts";
import { checkInteger } from "./_time.ts";
import type { ActorRef, AskOptions, SendOptions } from "./actor_ref.ts";
import { ProcessStateError } from "./errors.ts";
import type { MailboxOptions } from "./mailbox_options.ts";
import { self } from "./self.ts";

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
 * import { Process } from "../mod.ts";
 * import { sendMail } from "../examples/doc_targets.ts";
 *
 * const p = new Process({ target: sendMail, args: [1] });
 * await p.start();
 * await p.join();
 * console.assert(p.exitcode === 0);
 * ```
 *
 * @example The subclass form (`MyProcess` overrides `run()` and keeps an `index` field)
 * ```ts
 * import { MyProcess } from "../examples/doc_targets.ts";
 *
 * const p = new MyProcess(7);
 * await p.start();
 * await p.join();
 * console.assert(p.exitcode === 0);
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
  #ref: ActorRef | null = null;

  /**
   * Creates a process; nothing runs until {@linkcode Process.prototype.start}.
   *
   * @param options The target, its arguments, a name and the daemon flag.
   * @throws {TypeError} If `target` is not a function or `args` is not an array.
   * @throws {RangeError} If `maxMemoryMb` is not an integer from 1 to 2**20 (1 TiB).
   */
  constructor(options: ProcessOptions<A> = {}) {
    const { target, args = [] as unknown as A, name, daemon, mailbox, maxMemoryMb } = options;
    if (target !== undefined && typeof target !== "function") {
      throw new TypeError(`Cannot create process: target must be a function, got ${typeof target}`);
    }
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot create process: args must be an array of the target's arguments, got ${typeof args}`,
      );
    }
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

  /** The name: set it before {@linkcode Process.prototype.start} for the child to see it. */
  get name(): string {
    return this.#name;
  }

  set name(name: string) {
    this.#name = String(name);
  }

  /**
   * Whether the process is daemonic: ended, with its subtree, when its parent's code is done.
   *
   * @throws {ProcessStateError} When set after start.
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
    this.#daemon = Boolean(daemon);
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
   * @returns A promise that resolves once the target is running, or rejects if the worker
   * cannot find it (`TargetNotFoundError`) or its module fails to load; awaiting it is optional.
   * @throws {ProcessStateError} If the process was already started or closed, or if it is
   * started while a worker is still importing its target's module (guard the program's entry
   * code with `if (import.meta.main)`).
   * @throws {CloneError} If an argument or a subclass field cannot be copied to a worker.
   * @throws {TargetNotFoundError} If the target is an anonymous function.
   */
  start(): Promise<void> {
    this.#assertChildHandle("start");
    if (this.#child !== null) {
      throw new ProcessStateError(
        `Cannot start process "${this.#name}": it was already started; a process runs once, ` +
          "create a new Process to run the target again",
      );
    }
    if (runtime.bootstrapping) {
      throw new ProcessStateError(
        `Cannot start process "${this.#name}" while this worker is still importing its ` +
          "target's module: guard the program's entry code with `if (import.meta.main)`, as " +
          "Python guards it with `if __name__ == '__main__'`",
      );
    }
    const fields: Record<string, unknown> = { ...(this as object) };
    const action = `start process "${this.#name}"`;
    assertCloneable(this.#args, "args", action);
    assertCloneable(fields, "this", action);
    const processClass = this.constructor as typeof Process;
    const refs = {
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
      },
      (pid): LaunchPayload => ({
        ...refs,
        args: encodeHandles(this.#args, pid),
        fields: encodeHandles(fields, pid),
        maxMemoryMb: this.#maxMemoryMb,
      }),
    );
    return runtime.waitFor(this.#child.started.promise);
  }

  /**
   * Waits until the process ends, or until `timeoutMs` passes. Like Python's `join`, a timeout
   * is not an error: check {@linkcode Process.prototype.exitcode} afterwards.
   *
   * @param timeoutMs The longest wait in milliseconds; forever when omitted.
   * @throws {ProcessStateError} If the process was never started, is closed, or is the
   * current process.
   */
  async join(timeoutMs?: number): Promise<void> {
    const child = this.#startedChild("join");
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      throw new RangeError(
        `Cannot join process "${this.#name}": timeoutMs must be >= 0, got ${timeoutMs}`,
      );
    }
    if (timeoutMs === undefined) return runtime.waitFor(child.exited.promise);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const elapsed = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
    try {
      await runtime.waitFor(Promise.race([child.exited.promise, elapsed]));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Ends the process and everything it started, like SIGTERM: its exit code becomes -15. Locks
   * and other resources it held are released by the supervisor. A process that already ended
   * is left as it is.
   *
   * @returns A promise that resolves once the process has ended; awaiting it is optional.
   * @throws {ProcessStateError} If the process was never started or is closed.
   */
  terminate(): Promise<void> {
    return runtime.signal(this.#startedChild("terminate"), "terminate");
  }

  /**
   * Like {@linkcode Process.prototype.terminate}, with exit code -9 (SIGKILL).
   *
   * @returns A promise that resolves once the process has ended.
   * @throws {ProcessStateError} If the process was never started or is closed.
   */
  kill(): Promise<void> {
    return runtime.signal(this.#startedChild("kill"), "kill");
  }

  /**
   * Whether the process has started and not yet ended. Reads shared memory: no message, no
   * wait, so it is correct even while this actor is busy.
   *
   * @returns True between start and exit; always true for the current process.
   */
  isAlive(): boolean {
    if (this.#isSelf) return true;
    this.#assertOpen("isAlive");
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
    const child = this.#startedChild("get a reference to");
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
    return this.ref.send(message, options);
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
    return this.ref.ask<R>(message, options);
  }

  /**
   * Releases the process object, as Python's `close()`; most methods throw afterwards.
   *
   * @throws {ProcessStateError} If the process is still running.
   */
  close(): void {
    this.#assertChildHandle("close");
    if (this.#child !== null && exitcodeOf(this.#child.status) === null) {
      throw new ProcessStateError(
        `Cannot close process "${this.#name}": it is still running; join() or terminate() it first`,
      );
    }
    this.#closed = true;
  }

  /** Terminates the process if it still runs, then closes it: `await using p = new Process(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed || this.#isSelf) return;
    if (this.#child !== null && exitcodeOf(this.#child.status) === null) await this.terminate();
    else if (this.#child !== null) await this.#child.exited.promise;
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

  #startedChild(action: string): ChildRecord {
    this.#assertChildHandle(action);
    if (this.#child === null) {
      throw new ProcessStateError(
        `Cannot ${action} process "${this.#name}": it was not started; call start() first`,
      );
    }
    return this.#child;
  }

  #assertChildHandle(action: string): void {
    if (this.#isSelf) {
      throw new ProcessStateError(
        `Cannot ${action} process "${this.#name}": it is the current process; only its ` +
          "parent can do that",
      );
    }
    this.#assertOpen(action);
  }

  #assertOpen(action: string): void {
    if (this.#closed) {
      throw new ProcessStateError(
        `Cannot ${action} process "${this.#name}": it was closed with close()`,
      );
    }
  }
}

function mailboxWords(options: MailboxOptions | undefined): Int32Array {
  const words = newMailboxWords();
  if (options === undefined) return words;
  const { capacity, overflow = "block" } = options;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(
      `Cannot create process: mailbox capacity must be an integer >= 1, got ${capacity}`,
    );
  }
  const policy = OVERFLOW_POLICIES.indexOf(overflow);
  if (policy < 0) {
    throw new RangeError(
      `Cannot create process: mailbox overflow must be one of ${OVERFLOW_POLICIES.join(", ")}, ` +
        `got ${JSON.stringify(overflow)}`,
    );
  }
  words[MAILBOX_CAPACITY] = capacity;
  words[MAILBOX_OVERFLOW] = policy;
  return words;
}
