/**
 * The root supervisor. It lives on the main thread and creates the worker of every actor in the
 * program, nested ones included, so it sees every exit: it reaps each one (no zombies), records
 * the exit code in the actor's shared status words, tells the parent, and ends whatever is left
 * of the dead actor's subtree (no orphans). Exit listeners let resource owners (locks,
 * semaphores) repair what a dead actor held.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import {
  type ActorSpec,
  type ChildCommand,
  EXITED,
  type HostCommand,
  type HostReport,
  MAIN_PID,
  RUNNING,
  SIGNAL_EXITCODES,
  STATUS_EXITCODE,
  STATUS_HALT,
  STATUS_STATE,
  type StopSignal,
} from "./_protocol.ts";
import { type Repairable, repairHandle, reviveForAdoption } from "./_portable.ts";
import type { Runtime } from "./_runtime.ts";
import type { SerializedError } from "./_serialized_error.ts";
import { serializeError } from "./_serialized_error.ts";

interface ActorRecord {
  readonly pid: number;
  readonly parentPid: number;
  readonly worker: Worker;
  readonly status: Int32Array;
  started: boolean;
  signal: StopSignal | null;
  /** What the host said before it ended, if it got the chance. */
  report: { code: number; error: SerializedError | null; startFailed: boolean } | null;
  /** An error the worker did not catch (the host failed to load, for instance). */
  crash: SerializedError | null;
  /** Set once reaped: the thread of an actor halted while stuck may exit much later. */
  reaped: boolean;
  /** Reaps an actor that does not halt in time (stuck in synchronous code). */
  grace: ReturnType<typeof setTimeout> | undefined;
}

/** How long an actor told to halt may take before it is reaped anyway. */
const HALT_GRACE_MS = 1000;

/** Called after the supervisor reaps an actor. */
export type ExitListener = (pid: number, exitcode: number) => void;

/** Workers only take file and data URLs: a host served over http(s) is reached through a data URL. */
function hostUrl(): URL {
  const host = new URL("./_worker_host.ts", import.meta.url);
  if (host.protocol === "file:") return host;
  const source = `import ${JSON.stringify(host.href)};`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** Creates, watches and reaps every actor's worker. One per program, on the main thread. */
export class RootSupervisor {
  readonly #actors = new Map<number, ActorRecord>();
  readonly #runtime: Runtime;
  readonly #exitListeners = new Set<ExitListener>();
  readonly #adopted = new Set<Repairable>();
  readonly #hostUrl = hostUrl();
  /**
   * A worker booted ahead of need, waiting for its `init`, as Python's forkserver keeps a server
   * ready to fork: a start then skips the worker's boot. Deno builds a Worker synchronously on
   * the creating thread (about 27 ms here), so the replacement is built once the child that
   * took the standby reports it runs, never in the way of that start.
   */
  #standby: Worker | null = null;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
    supervisor.resolve(this);
  }

  /** The number of actors alive (not yet reaped). */
  get size(): number {
    return this.#actors.size;
  }

  /** Calls `listener` after each actor is reaped; returns a function that removes it. */
  onExit(listener: ExitListener): () => void {
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  /**
   * Takes `handle` into care: after every exit, its repair hook releases what dead actors held.
   * It is repaired once now too, in case its holder died before the adoption arrived.
   */
  adopt(handle: Repairable): void {
    this.#adopted.add(handle);
    handle[repairHandle](this.#isDead);
  }

  /** True for a pid that is not the main program and no longer alive. */
  readonly #isDead = (pid: number): boolean => pid !== MAIN_PID && !this.#actors.has(pid);

  /** Creates the worker for `spec` and sends it the `init` command. */
  spawn(spec: ActorSpec): void {
    const parent = this.#actors.get(spec.parentPid);
    if (spec.parentPid !== MAIN_PID && (parent === undefined || parent.signal !== null)) {
      spec.mailPort.close();
      return;
    }
    const worker = this.#takeWorker();
    const record: ActorRecord = {
      pid: spec.pid,
      parentPid: spec.parentPid,
      worker,
      status: new Int32Array(spec.status),
      started: false,
      signal: null,
      report: null,
      crash: null,
      reaped: false,
      grace: undefined,
    };
    this.#actors.set(spec.pid, record);
    worker.on("message", (report: HostReport) => this.#onReport(record, report));
    worker.on("error", (error: unknown) => record.crash ??= serializeError(error));
    worker.on("exit", () => this.#reap(record));
    const init: HostCommand = { type: "init", spec };
    worker.postMessage(init, [spec.mailPort]);
  }

  #takeWorker(): Worker {
    const worker = this.#standby ?? this.#bootWorker();
    this.#standby = null;
    return worker;
  }

  /** Builds the next standby after the parent has been told its child runs. */
  #replenish(): void {
    const timer = setTimeout(() => this.#standby ??= this.#bootWorker(), 0);
    Deno.unrefTimer(timer as unknown as number);
  }

  #bootWorker(): Worker {
    const worker = new Worker(this.#hostUrl);
    worker.unref();
    const discard = () => {
      if (this.#standby === worker) this.#standby = null;
    };
    worker.once("exit", discard);
    worker.once("error", discard);
    return worker;
  }

  /**
   * Ends the actor `pid` and, first, every actor below it: raises its halt flag and tells its
   * host to exit. An actor stuck in synchronous code hears neither; it is reaped after a grace
   * period anyway (what it held is released) and halts when it next touches shared state.
   */
  signal(pid: number, signal: StopSignal): void {
    const record = this.#actors.get(pid);
    if (record === undefined || record.signal !== null) return;
    record.signal = signal;
    for (const child of this.#childrenOf(pid)) this.signal(child.pid, signal);
    this.#halt(record);
    record.grace = setTimeout(() => this.#reap(record), HALT_GRACE_MS);
    Deno.unrefTimer(record.grace as unknown as number);
  }

  /** Raises the actor's halt flag and tells its host to exit. */
  #halt(record: ActorRecord): void {
    Atomics.store(record.status, STATUS_HALT, 1);
    const halt: HostCommand = { type: "halt" };
    record.worker.postMessage(halt);
  }

  #onReport(record: ActorRecord, report: HostReport): void {
    switch (report.type) {
      case "started":
        record.started = true;
        Atomics.store(record.status, STATUS_STATE, RUNNING);
        this.#notify(record.parentPid, { type: "childStarted", pid: record.pid });
        this.#replenish();
        return;
      case "startFailed":
        record.report = { code: 1, error: report.error, startFailed: true };
        this.#halt(record);
        return;
      case "exit":
        record.report = { code: report.code, error: report.error, startFailed: false };
        this.#halt(record);
        return;
      case "spawn":
        if (report.spec.parentPid === record.pid) this.spawn(report.spec);
        return;
      case "adopt":
        void reviveForAdoption(report.handle).then((handle) => this.adopt(handle as Repairable));
        return;
      case "signal":
        if (this.#actors.get(report.pid)?.parentPid === record.pid) {
          this.signal(report.pid, report.signal);
        }
        return;
      default: {
        const unknown: never = report;
        throw new TypeError(`Unknown report from a worker host: ${JSON.stringify(unknown)}`);
      }
    }
  }

  #reap(record: ActorRecord): void {
    if (record.reaped) return;
    record.reaped = true;
    clearTimeout(record.grace);
    this.#actors.delete(record.pid);
    const { report, signal } = record;
    const exitcode = report?.code ?? (signal === null ? 1 : SIGNAL_EXITCODES[signal]);
    const error = report !== null
      ? report.error
      : signal === null
      ? record.crash ?? serializeError(new Error("The actor's worker died without reporting"))
      : null;
    Atomics.store(record.status, STATUS_EXITCODE, exitcode);
    Atomics.store(record.status, STATUS_STATE, EXITED);
    Atomics.notify(record.status, STATUS_STATE);
    // No orphans: what is left of the subtree is halted and reaped with it.
    for (const child of this.#childrenOf(record.pid)) {
      if (child.signal === null) {
        child.signal = "terminate";
        this.#halt(child);
      }
      this.#reap(child);
    }
    const startFailed = !record.started && signal === null && (report?.startFailed ?? true);
    this.#notify(
      record.parentPid,
      startFailed && error !== null ? { type: "childStartFailed", pid: record.pid, error } : {
        type: "childExited",
        pid: record.pid,
        exitcode,
        error,
        mailEnds: report !== null && !report.startFailed,
      },
    );
    for (const handle of this.#adopted) handle[repairHandle](this.#isDead);
    for (const listener of this.#exitListeners) listener(record.pid, exitcode);
  }

  #childrenOf(pid: number): ActorRecord[] {
    return [...this.#actors.values()].filter((record) => record.parentPid === pid);
  }

  #notify(parentPid: number, command: ChildCommand): void {
    if (parentPid === MAIN_PID) this.#runtime.dispatch(command);
    else this.#actors.get(parentPid)?.worker.postMessage(command);
  }
}

const supervisor = Promise.withResolvers<RootSupervisor>();

/** The root supervisor, once the main thread has started its first actor. */
export function rootSupervisor(): Promise<RootSupervisor> {
  return supervisor.promise;
}
