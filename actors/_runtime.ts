/**
 * The actor runtime of the current thread: who this actor is, its mailbox, its children and
 * how it reaches the root supervisor. The main thread is actor 1; a worker becomes an actor when
 * its host receives the `init` command and calls {@linkcode Runtime.configureWorker}.
 *
 * @module
 */
import process from "node:process";
import { isMainThread, MessageChannel, type MessagePort } from "node:worker_threads";
import { assertCloneable } from "./_clone.ts";
import { Mailbox } from "./_mailbox.ts";
import type { Portable, Repairable } from "./_portable.ts";
import {
  type ActorSpec,
  type ChildCommand,
  EXITED,
  type MailEnvelope,
  MAIN_PID,
  RUNNING,
  STARTING,
  STATUS_EXITCODE,
  STATUS_HALT,
  STATUS_STATE,
  STATUS_WORDS,
  type StopSignal,
  type TargetRef,
} from "./_protocol.ts";
import { deserializeError } from "./_serialized_error.ts";
import type { RootSupervisor } from "./_root_supervisor.ts";

/** How this thread reaches the root supervisor: a direct call on the main thread, a message in a worker. */
export interface SupervisorLink {
  spawn(spec: ActorSpec): void;
  signal(pid: number, signal: StopSignal): void;
  adopt(handle: Portable & Repairable): void;
}

/** The parent's view of a child it started. */
export interface ChildRecord {
  readonly pid: number;
  readonly name: string;
  readonly identity: number[];
  readonly daemon: boolean;
  /** Int32Array [state, exitcode], written by the supervisor, read without a message. */
  readonly status: Int32Array;
  /** The parent's end of the mail link. */
  readonly port: MessagePort;
  readonly started: PromiseWithResolvers<void>;
  readonly exited: PromiseWithResolvers<void>;
  /** Resolves when the child's `end` marker arrives: all its mail has been delivered. */
  readonly mailEnded: PromiseWithResolvers<void>;
  error: Error | null;
  /** The `Process` object that represents the child, for `activeChildren()`. */
  readonly handle: object;
}

/** The parent as a child sees it. */
export interface ParentLink {
  readonly pid: number;
  readonly name: string;
  readonly status: Int32Array;
  readonly port: MessagePort;
}

/** What the worker needs to find and call the target, as `Process.start()` describes it. */
export interface LaunchPayload {
  processClass: TargetRef | null;
  target: TargetRef | null;
  args: unknown[];
  fields: Record<string, unknown>;
}

const KEEPALIVE_PERIOD_MS = 2 ** 30;
/** How long a parent waits for an exited child's `end` marker before closing the link anyway. */
const MAIL_END_GRACE_MS = 2000;

/** Status words for an actor: `[state, exitcode, halt]` on shared memory. */
export function newStatus(state: number): Int32Array {
  const status = new Int32Array(new SharedArrayBuffer(STATUS_WORDS * Int32Array.BYTES_PER_ELEMENT));
  status[STATUS_STATE] = state;
  return status;
}

/** The current thread's actor. */
export class Runtime {
  pid: number = MAIN_PID;
  name = "MainProcess";
  identity: readonly number[] = [];
  daemon = false;
  mainModule: string = Deno.mainModule;
  parent: ParentLink | null = null;
  status: Int32Array = newStatus(RUNNING);
  /** True while a worker imports its target's module: starting a process then is a mistake. */
  bootstrapping = false;
  /** The `Process` object `currentProcess()` returns. */
  selfHandle: object | null = null;
  readonly mailbox: Mailbox<unknown> = new Mailbox();

  #pidCounter = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  #childIndex = 0;
  #children = new Map<number, ChildRecord>();
  #link: SupervisorLink | null = null;
  #selfBinding = false;
  #pendingWaits = 0;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #exitHookInstalled = false;

  constructor() {
    this.#pidCounter[0] = MAIN_PID;
  }

  /** Turns this worker thread into the actor described by `spec`. */
  configureWorker(spec: ActorSpec, link: SupervisorLink): void {
    this.pid = spec.pid;
    this.name = spec.name;
    this.identity = spec.identity;
    this.daemon = spec.daemon;
    this.mainModule = spec.mainModule;
    this.status = new Int32Array(spec.status);
    this.#pidCounter = new Int32Array(spec.pidCounter);
    this.parent = {
      pid: spec.parentPid,
      name: spec.parentName,
      status: new Int32Array(spec.parentStatus),
      port: spec.mailPort,
    };
    this.#link = link;
    this.#listen(spec.mailPort, () => {});
  }

  /**
   * Stops this worker's thread if the supervisor asked it to halt. Nothing can interrupt
   * synchronous code in a Deno Worker (a loop, an `Atomics.wait`), so an actor told to halt
   * while busy may still be running: every operation on shared state calls this first, so such
   * an actor stops the moment it touches shared memory again, instead of acting as a living
   * owner of what the supervisor released.
   */
  haltIfReaped(): void {
    if (this.parent !== null && Atomics.load(this.status, STATUS_HALT) === 1) process.exit(1);
  }

  /** Python's `_identity` of the next child this actor creates: `[...mine, n]`. */
  nextChildIdentity(): number[] {
    return [...this.identity, ++this.#childIndex];
  }

  /** Marks the next `Process` construction as the worker's view of itself. */
  constructSelf<T extends object>(construct: () => T): T {
    this.#selfBinding = true;
    try {
      return construct();
    } finally {
      this.#selfBinding = false;
    }
  }

  /** True exactly once, inside {@linkcode constructSelf}. */
  takeSelfBinding(): boolean {
    const binding = this.#selfBinding;
    this.#selfBinding = false;
    return binding;
  }

  /** The children that have not been reaped yet, oldest first. */
  liveChildren(): ChildRecord[] {
    return [...this.#children.values()];
  }

  /**
   * Registers a child and its mail link, and asks the supervisor to spawn it. The record's
   * `started` promise settles when the target runs or cannot start.
   */
  startChild(
    init: { name: string; identity: number[]; daemon: boolean; handle: object },
    payload: LaunchPayload,
  ): ChildRecord {
    const { port1, port2 } = new MessageChannel();
    const child: ChildRecord = {
      ...init,
      pid: Atomics.add(this.#pidCounter, 0, 1) + 1,
      status: newStatus(STARTING),
      port: port1,
      started: Promise.withResolvers(),
      exited: Promise.withResolvers(),
      mailEnded: Promise.withResolvers(),
      error: null,
    };
    child.started.promise.catch(() => {});
    this.#children.set(child.pid, child);
    this.#listen(port1, child.mailEnded.resolve);
    this.#installExitHook();
    this.#supervisor().spawn({
      ...payload,
      pid: child.pid,
      name: child.name,
      identity: child.identity,
      daemon: child.daemon,
      parentPid: this.pid,
      parentName: this.name,
      mainModule: this.mainModule,
      status: child.status.buffer as SharedArrayBuffer,
      parentStatus: this.status.buffer as SharedArrayBuffer,
      pidCounter: this.#pidCounter.buffer as SharedArrayBuffer,
      mailPort: port2,
    });
    return child;
  }

  /** Asks the supervisor to end `child` and its whole subtree. */
  signal(child: ChildRecord, signal: StopSignal): Promise<void> {
    this.#supervisor().signal(child.pid, signal);
    return this.waitFor(child.exited.promise);
  }

  /**
   * Awaits `promise` while keeping the main thread's event loop alive, as long as a live child
   * could still settle it. With no live child left, nothing can, and the program may end.
   */
  waitFor<T>(promise: Promise<T>): Promise<T> {
    this.#pendingWaits++;
    this.#updateKeepAlive();
    return promise.finally(() => {
      this.#pendingWaits--;
      this.#updateKeepAlive();
    });
  }

  /** Python's exit handler: terminate daemonic children, then wait for the others. */
  async endChildren(): Promise<void> {
    const children = this.liveChildren();
    for (const child of children) if (child.daemon) void this.signal(child, "terminate");
    await this.waitFor(Promise.all(children.map((child) => child.exited.promise)));
  }

  /**
   * Hands a handle with holdable state to the root supervisor, which repairs it after every
   * exit. Call it once, where the handle is created.
   */
  adopt(handle: Portable & Repairable): void {
    this.#supervisor().adopt(handle);
  }

  /** Posts `body` to the actor at the other end of `port`. */
  sendMail(port: MessagePort, body: unknown): void {
    assertCloneable(body, "message", "send message");
    const envelope: MailEnvelope = { type: "mail", from: this.pid, body };
    port.postMessage(envelope);
  }

  /** Applies a command from the root supervisor about one of this actor's children. */
  dispatch(command: ChildCommand): void {
    const child = this.#children.get(command.pid);
    if (child === undefined) return;
    switch (command.type) {
      case "childStarted":
        child.started.resolve();
        return;
      case "childStartFailed":
        this.#settleChild(child, 1, deserializeError(command.error), true, false);
        return;
      case "childExited":
        this.#settleChild(
          child,
          command.exitcode,
          command.error === null ? null : deserializeError(command.error),
          false,
          command.mailEnds,
        );
        return;
      default: {
        const unknown: never = command;
        throw new TypeError(`Unknown supervisor command ${JSON.stringify(unknown)}`);
      }
    }
  }

  #settleChild(
    child: ChildRecord,
    exitcode: number,
    error: Error | null,
    startFailed: boolean,
    mailEnds: boolean,
  ): void {
    if (Atomics.load(child.status, STATUS_STATE) !== EXITED) {
      Atomics.store(child.status, STATUS_EXITCODE, exitcode);
      Atomics.store(child.status, STATUS_STATE, EXITED);
    }
    child.error = error;
    if (startFailed && error !== null) child.started.reject(error);
    child.started.resolve();
    const reap = () => {
      child.port.close();
      this.#children.delete(child.pid);
      child.exited.resolve();
      this.#updateKeepAlive();
    };
    if (!mailEnds) return reap();
    // Mail the child sent before it exited may still be in flight: a join must see all of it.
    const fallback = setTimeout(child.mailEnded.resolve, MAIL_END_GRACE_MS);
    void child.mailEnded.promise.then(() => {
      clearTimeout(fallback);
      reap();
    });
  }

  #listen(port: MessagePort, onEnd: () => void): void {
    port.on("message", (envelope: MailEnvelope) => {
      if (envelope.type === "mail") this.mailbox.deliver(envelope.body);
      else onEnd();
    });
    port.unref();
  }

  /** Tells the parent that this actor will send no more mail; the host's last act. */
  endMail(): void {
    const end: MailEnvelope = { type: "end" };
    this.parent?.port.postMessage(end);
  }

  #supervisor(): SupervisorLink {
    this.#link ??= new RootLink(this);
    return this.#link;
  }

  #updateKeepAlive(): void {
    if (!isMainThread) return;
    const needed = this.#pendingWaits > 0 && this.#children.size > 0;
    if (needed && this.#keepAlive === undefined) {
      this.#keepAlive = setInterval(() => {}, KEEPALIVE_PERIOD_MS);
    } else if (!needed && this.#keepAlive !== undefined) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
  }

  #installExitHook(): void {
    if (!isMainThread || this.#exitHookInstalled) return;
    this.#exitHookInstalled = true;
    // The event loop has nothing left but our unreferenced workers: the main program's code is
    // done. End daemons and keep the program alive for the other children, as Python does.
    globalThis.addEventListener("beforeunload", () => {
      if (this.#children.size > 0) void this.endChildren();
    });
  }
}

/** The main thread's link: the root supervisor is loaded on first use, in order. */
class RootLink implements SupervisorLink {
  #root: Promise<RootSupervisor>;

  constructor(runtime: Runtime) {
    this.#root = import("./_root_supervisor.ts").then((module) =>
      new module.RootSupervisor(runtime)
    );
  }

  spawn(spec: ActorSpec): void {
    void this.#root.then((root) => root.spawn(spec));
  }

  signal(pid: number, signal: StopSignal): void {
    void this.#root.then((root) => root.signal(pid, signal));
  }

  adopt(handle: Portable & Repairable): void {
    void this.#root.then((root) => root.adopt(handle));
  }
}

/** This thread's actor. */
export const runtime: Runtime = new Runtime();

/** Reads `[state, exitcode]`: the exit code once exited, else null. */
export function exitcodeOf(status: Int32Array): number | null {
  return Atomics.load(status, STATUS_STATE) === EXITED
    ? Atomics.load(status, STATUS_EXITCODE)
    : null;
}
