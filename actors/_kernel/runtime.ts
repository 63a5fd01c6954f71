/**
 * The actor runtime of the current thread: who this actor is, its mailbox, its children and
 * how it reaches the root supervisor. The main thread is actor 1; a worker becomes an actor when
 * its host receives the `init` command and calls {@linkcode Runtime.configureWorker}.
 *
 * @module
 */
import { configureThread, haltIfReaped } from "../_shm/thread.ts";
import process from "node:process";
import { isMainThread, MessageChannel, type MessagePort } from "node:worker_threads";
import type { Placement } from "../placement.ts";
import { ActorHandle } from "./actor_handle.ts";
import { type ChildRecord, Children } from "./children.ts";
import { reasonOf } from "./exit_report.ts";
import { Holdings, type SharedPrimitive } from "./holdings.ts";
import { mail } from "./mail.ts";
import {
  type ActorAddress,
  type ActorSpec,
  type ExitReport,
  MAIN_PID,
  type PeerLink,
  type RootRequest,
  RUNNING,
  type RuntimeCommand,
  STARTING,
  STATUS_HALT,
  STATUS_STATE,
  STATUS_WORDS,
  type StopSignal,
  type TargetRef,
} from "./protocol.ts";
import { RootLink, type SupervisorLink, type WorkerLink } from "./root_link.ts";
import { containsHandles, encodeHandles } from "./handles.ts";
import { assertCloneable } from "../_shm/clone.ts";
import { ProcessStateError } from "../errors.ts";
import { ExitSignal } from "../exit_signal.ts";

/** The parent as a child sees it. */
export interface ParentLink {
  readonly pid: number;
  readonly name: string;
  readonly status: Int32Array;
  readonly mailbox: Int32Array;
  readonly port: MessagePort;
}

/** What the worker needs to find and call the target, as `Process.start()` describes it. */
export interface LaunchPayload {
  host: string;
  warm: readonly string[];
  baseClass: TargetRef;
  processClass: TargetRef | null;
  target: TargetRef | null;
  args: unknown[];
  fields: Record<string, unknown>;
  maxMemoryMb?: number;
  initAck: boolean;
  placement?: Placement;
}

const KEEPALIVE_PERIOD_MS = 2 ** 30;

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

  #pidCounter = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  #childIndex = 0;
  readonly #children = new Children(() => this.#updateKeepAlive());
  #link: SupervisorLink | null = null;
  /** How this worker acknowledges its start, until it has (see {@linkcode acknowledgeStart}). */
  #acknowledge: WorkerLink["acknowledge"] | null = null;
  #selfBinding = false;
  #pendingWaits = 0;
  readonly #exitWork = new Set<Promise<void>>();
  #keepAlive: number | undefined;
  #keptAlive = false;
  #exitHookInstalled = false;
  readonly #holdings = new Holdings(() => this.#supervisor());
  #nextCallId = 0;

  constructor() {
    this.#pidCounter[0] = MAIN_PID;
    // The main thread's waits on shared memory keep the program alive while a child may end them.
    configureThread({ pid: MAIN_PID, keepAlive: (promise) => this.waitFor(promise) });
    mail.useConnector(async (pid) =>
      ((await this.rootCall({ type: "connect", pid }).answer) as PeerLink).port
    );
  }

  /** Turns this worker thread into the actor described by `spec`. */
  configureWorker(spec: ActorSpec, link: WorkerLink): void {
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
      mailbox: new Int32Array(spec.parentMailbox),
      port: spec.mailPort,
    };
    this.#link = link;
    if (spec.initAck) this.#acknowledge = link.acknowledge;
    configureThread({
      pid: spec.pid,
      halt: { words: this.status, index: STATUS_HALT },
      exit: (code) => process.exit(code),
    });
    mail.linkParent(spec.parentPid, spec.mailPort, new Int32Array(spec.mailbox));
  }

  /**
   * Stops this worker's thread if the supervisor asked it to halt. Nothing can interrupt
   * synchronous code in a Deno Worker (a loop, an `Atomics.wait`), so an actor told to halt
   * while busy may still be running: every operation on shared state calls this first, so such
   * an actor stops the moment it touches shared memory again, instead of acting as a living
   * owner of what the supervisor released.
   */
  haltIfReaped(): void {
    haltIfReaped();
  }

  /**
   * Tells the parent that this actor is ready, with `value`, as OTP's `proc_lib:init_ack`: the
   * parent's `start()` resolves to it. Once only, and only in an actor started to wait for it;
   * otherwise nothing happens.
   *
   * @throws {ProcessStateError} On the main thread, which no parent started.
   * @throws {CloneError} If `value` cannot be copied to the parent.
   */
  acknowledgeStart(value: unknown): void {
    if (isMainThread) {
      throw new ProcessStateError(
        "Cannot initAck(): the main program was not started by a parent; initAck() is for the " +
          "target of a Process started with { initAck: true }",
      );
    }
    this.haltIfReaped();
    const acknowledge = this.#acknowledge;
    if (acknowledge === null) return;
    assertCloneable(value, "value", "initAck()");
    this.#acknowledge = null;
    const handles = containsHandles(value);
    acknowledge({ value: handles ? encodeHandles(value, this.parent!.pid) : value, handles });
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
    return this.#children.live();
  }

  /**
   * Registers a child and its mail link, and asks the supervisor to spawn it. The record's
   * `started` promise settles when the target runs or cannot start. `payload` is built for the
   * child's pid, so that handles in it count the child as a holder from this moment.
   */
  startChild(
    init: {
      name: string;
      identity: number[];
      daemon: boolean;
      handle: object;
      mailbox: Int32Array;
      initAck: boolean;
    },
    payloadFor: (pid: number) => LaunchPayload,
  ): ChildRecord {
    this.haltIfReaped();
    const pid = Atomics.add(this.#pidCounter, 0, 1) + 1;
    let payload: LaunchPayload;
    try {
      payload = payloadFor(pid);
    } catch (error) {
      // Handles described before the failure may count the pid as a holder: it never lives.
      this.#supervisor().discard(pid);
      throw error;
    }
    const { port1, port2 } = new MessageChannel();
    const child: ChildRecord = {
      ...init,
      pid,
      status: newStatus(STARTING),
      port: port1,
      mailbox: init.mailbox,
      started: Promise.withResolvers(),
      exited: Promise.withResolvers(),
      mailEnded: Promise.withResolvers(),
      error: null,
    };
    child.started.promise.catch(() => {});
    this.#children.add(child);
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
      mailbox: child.mailbox.buffer as SharedArrayBuffer,
      parentMailbox: mail.words.buffer as SharedArrayBuffer,
    });
    return child;
  }

  /** Asks the supervisor to end `child` and its whole subtree. */
  signal(child: ChildRecord, signal: StopSignal): Promise<void> {
    this.haltIfReaped();
    this.#supervisor().signal(child.pid, signal);
    return this.waitFor(child.exited.promise);
  }

  /**
   * Awaits `promise` while keeping the main thread's event loop alive, as long as a live child
   * could still settle it. With no live child left, nothing can, and the program may end.
   */
  waitFor<T>(promise: Promise<T>): Promise<T> {
    // A worker is kept alive by its host until it exits: only the main thread needs this.
    if (!isMainThread) return promise;
    this.#pendingWaits++;
    this.#updateKeepAlive();
    return promise.finally(() => {
      this.#pendingWaits--;
      this.#updateKeepAlive();
    });
  }

  /**
   * Makes this worker's exit wait for `work` (a promise that never rejects), as Python's exit
   * joins the feeder thread of each queue the process put on: a queue's pending un-awaited puts
   * still complete after the target has returned. The main thread has no exit to delay.
   */
  delayExit(work: Promise<void>): void {
    if (isMainThread) return;
    this.#exitWork.add(work);
    void work.then(() => this.#exitWork.delete(work));
  }

  /** Resolves once the work given to {@linkcode delayExit} is done, work added meanwhile too. */
  async exitWork(): Promise<void> {
    while (this.#exitWork.size > 0) await Promise.all(this.#exitWork);
  }

  /** Python's exit handler: terminate daemonic children, then wait for the others. */
  async endChildren(): Promise<void> {
    const children = this.liveChildren();
    for (const child of children) if (child.daemon) void this.signal(child, "terminate");
    await this.waitFor(Promise.all(children.map((child) => child.exited.promise)));
  }

  /**
   * Records that this actor holds an object of the shared primitive `id` until the object is
   * garbage-collected: the root supervisor then repairs the primitive after exits. Called once
   * per object, when it is revived, or first described if this actor `created` it.
   */
  hold(handle: SharedPrimitive, id: string, created: boolean): void {
    this.#holdings.hold(handle, id, created);
  }

  /** Each shared primitive this actor holds, with one of its live objects here. */
  heldPrimitives(): Iterable<[string, SharedPrimitive]> {
    return this.#holdings.live();
  }

  /** This actor's address, which other actors turn into a reference to it. */
  address(): ActorAddress {
    return {
      pid: this.pid,
      name: this.name,
      status: this.status.buffer as SharedArrayBuffer,
      mailbox: mail.words.buffer as SharedArrayBuffer,
    };
  }

  /**
   * Sends request to the root supervisor; `id` names it for a later `demonitor`. Halts first
   * if this actor was reaped: the root ignores requests from a halted actor.
   */
  rootCall(request: RootRequest): { id: number; answer: Promise<unknown> } {
    this.haltIfReaped();
    const id = ++this.#nextCallId;
    return { id, answer: this.#supervisor().call(id, request) };
  }

  /** Applies a command from the root supervisor. */
  dispatch(command: RuntimeCommand): void {
    switch (command.type) {
      case "childStarted":
      case "childStartFailed":
      case "childExited":
        return this.#children.settle(command);
      case "peer":
        return mail.acceptPeer(command.pid, command.port);
      case "peerExited":
        return mail.peerExited(command.pid, command.mailEnds);
      case "exitSignal":
        return this.#deliverExitSignal(command.from, command.reason);
      default: {
        const unknown: never = command;
        throw new TypeError(`Unknown supervisor command ${JSON.stringify(unknown)}`);
      }
    }
  }

  #deliverExitSignal(from: ActorAddress, reason: ExitReport): void {
    mail.deliverFromKernel(new ExitSignal(new ActorHandle(from), reasonOf(reason)), from.pid);
  }

  #supervisor(): SupervisorLink {
    this.#link ??= new RootLink(this);
    return this.#link;
  }

  /**
   * Refs or unrefs one long interval, created once: the main thread's asks and receives toggle
   * it, and toggling a timer's ref costs far less than creating and clearing a timer each time.
   */
  #updateKeepAlive(): void {
    if (!isMainThread) return;
    const needed = this.#pendingWaits > 0 && this.#children.size > 0;
    if (needed === this.#keptAlive) return;
    this.#keptAlive = needed;
    this.#keepAlive ??= setInterval(() => {}, KEEPALIVE_PERIOD_MS) as unknown as number;
    if (needed) Deno.refTimer(this.#keepAlive);
    else Deno.unrefTimer(this.#keepAlive);
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

/** This thread's actor. */
export const runtime: Runtime = new Runtime();
