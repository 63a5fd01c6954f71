/**
 * The root supervisor. It lives on the main thread and creates the worker of every actor in the
 * program, nested ones included, so it sees every exit: it reaps each one (no zombies), records
 * the exit code in the actor's shared status words, tells the parent, and ends whatever is left
 * of the dead actor's subtree (no orphans). After every exit it repairs the shared primitives
 * (locks, semaphores, queues, pipe ends) that some live actor holds, releasing what the dead held;
 * each actor tells it which primitives it holds (see `HoldChange` in the protocol), so a
 * primitive the program dropped everywhere is forgotten, and the cost of an exit follows the
 * primitives alive, not every one ever created.
 *
 * @module
 */
import { MessageChannel, type Transferable, Worker } from "node:worker_threads";
import {
  type ActorAddress,
  type ActorSpec,
  type ChildCommand,
  EXITED,
  type ExitReport,
  type HoldChange,
  type HostCommand,
  type HostReport,
  MAIN_PID,
  type RootRequest,
  RUNNING,
  type RuntimeCommand,
  SIGNAL_EXITCODES,
  STATUS_EXITCODE,
  STATUS_HALT,
  STATUS_STATE,
  type StopSignal,
} from "../protocol.ts";
import { type Portable, type Repairable, repairHandle, reviveForAdoption } from "../handles.ts";
import type { HandleDescription } from "../handles.ts";
import type { SerializedError } from "../wire_errors.ts";
import { serializeError } from "../wire_errors.ts";
import { ActorExitedError, NameTakenError } from "../../errors.ts";

interface ActorRecord {
  readonly pid: number;
  readonly parentPid: number;
  readonly address: ActorAddress;
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
  /** Why the supervisor ended it when a linked actor's exit did. */
  linkCause: SerializedError | null;
}

/** A shared primitive some live worker holds (the main program's own are read from its runtime). */
interface Held {
  /** The supervisor's copy, revived from a holder's description for repairs; null until then. */
  copy: Repairable | null;
  /** The live workers holding it. */
  readonly holders: Set<number>;
}

/** A registered name: the actor holding it, and the actor that registered it (either may free it). */
interface NameEntry {
  readonly pid: number;
  readonly registrar: number;
}

/** The answer to a root request, and the ports it hands over. */
interface Answer {
  value: unknown;
  transfer: Transferable[];
}

/** A monitor: its owner, the request id that made it, and how to answer it. */
interface Monitor {
  owner: number;
  id: number;
  answer(report: ExitReport): void;
}

/** How many exit reasons the supervisor keeps for monitors that come after the exit. */
const RECENT_EXITS = 1024;

/** How long an actor told to halt may take before it is reaped anyway. */
const HALT_GRACE_MS = 1000;

/** Workers only take file and data URLs: a host served over http(s) is reached through a data URL. */
function workerUrl(host: string): URL {
  const url = new URL(host);
  if (url.protocol === "file:") return url;
  const source = `import ${JSON.stringify(url.href)};`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/**
 * What the root needs of the main program's actor (pid 1), whose thread it runs on: its address,
 * a way to hand it commands, and the primitives it holds, for repairs. The runtime is that actor;
 * the root knows it only by this.
 */
export interface MainActor {
  address(): ActorAddress;
  dispatch(command: RuntimeCommand): void;
  heldPrimitives(): Iterable<[string, Portable & Repairable]>;
}

/** Creates, watches and reaps every actor's worker. One per program, on the main thread. */
export class RootSupervisor {
  readonly #actors = new Map<number, ActorRecord>();
  readonly #main: MainActor;
  /** The primitives live workers hold, by id. */
  readonly #held = new Map<string, Held>();
  /** The ids of the primitives each worker holds, to drop its holds when it exits. */
  readonly #holdsOf = new Map<number, Set<string>>();
  /** Actors linked by a mail link of their own, made on request: told when the other exits. */
  readonly #peers = new Map<number, Set<number>>();
  /** Erlang links, both ways. */
  readonly #links = new Map<number, Set<number>>();
  readonly #trapping = new Set<number>([MAIN_PID]);
  readonly #names = new Map<string, NameEntry>();
  readonly #monitors = new Map<number, Monitor[]>();
  /** How the last actors to exit ended, for monitors that come late. Oldest first. */
  readonly #recentExits = new Map<number, ExitReport>();
  /**
   * A worker booted ahead of need, waiting for its `init`, as Python's forkserver keeps a server
   * ready to fork: a start then skips the worker's boot. Deno builds a Worker synchronously on
   * the creating thread (about 27 ms here), so the replacement is built once the child that
   * took the standby reports it runs, never in the way of that start.
   */
  #standby: Worker | null = null;
  /** The worker program of the first spawn, the one standbys boot: every spawn names its own. */
  #standbyHost: string | null = null;

  constructor(main: MainActor) {
    this.#main = main;
    supervisor.resolve(this);
  }

  /** The number of actors alive (not yet reaped). */
  get size(): number {
    return this.#actors.size;
  }

  /** The number of shared primitives that live workers hold (the main program's not counted). */
  get heldByWorkers(): number {
    return this.#held.size;
  }

  /**
   * Repairs a primitive an actor has just revived: its description may have been in flight
   * (in a queue, a message) while an actor holding it died, when no live actor held it and so
   * nobody repaired it. Its new holder can acquire nothing from a dead holder before this: a
   * permit held by the dead stays taken until repaired.
   */
  repairOnce(handle: Repairable): void {
    handle[repairHandle](this.#isDead);
  }

  /**
   * True for a pid that has been reaped. A pid handed out and not yet spawned here is not dead:
   * a parent that passed a pipe end to a child it is starting counted the child as a holder.
   */
  readonly #isDead = (pid: number): boolean =>
    pid !== MAIN_PID && !this.#actors.has(pid) && this.#settled.has(pid);
  readonly #settled = new SettledPids();

  /** Creates the worker for `spec` and sends it the `init` command. */
  spawn(spec: ActorSpec): void {
    const parent = this.#actors.get(spec.parentPid);
    if (spec.parentPid !== MAIN_PID && (parent === undefined || parent.signal !== null)) {
      spec.mailPort.close();
      return this.discard(spec.pid);
    }
    this.#settled.add(spec.pid);
    let worker: Worker;
    try {
      this.#standbyHost ??= spec.host;
      worker = spec.maxMemoryMb === undefined && spec.host === this.#standbyHost
        ? this.#takeWorker()
        : this.#bootWorker(spec.host, spec.maxMemoryMb);
    } catch (error) {
      // No thread for it (no read access to the worker host, for instance): the start fails,
      // which the parent learns as it learns any start failure.
      spec.mailPort.close();
      return this.#failSpawn(spec, error);
    }
    const record: ActorRecord = {
      pid: spec.pid,
      parentPid: spec.parentPid,
      address: { pid: spec.pid, name: spec.name, status: spec.status, mailbox: spec.mailbox },
      linkCause: null,
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
    worker.on("exit", () => {
      if (!record.reaped) return this.#reap(record);
      // A thread reaped while stuck has only now stopped. Between its last halt check and its
      // stop it may have taken a lock that the repair at its reaping already saw free: repair
      // again now that it can take nothing more.
      this.#repairAll();
    });
    const init: HostCommand = { type: "init", spec };
    worker.postMessage(init, [spec.mailPort]);
  }

  /** Fails the start of an actor whose worker could not be created. */
  #failSpawn(spec: ActorSpec, error: unknown): void {
    const status = new Int32Array(spec.status);
    Atomics.store(status, STATUS_EXITCODE, 1);
    Atomics.store(status, STATUS_STATE, EXITED);
    console.error(
      `Process ${spec.name} (pid ${spec.pid}) failed to start:\n${
        error instanceof Error ? error.stack ?? error.message : String(error)
      }`,
    );
    this.#notify(spec.parentPid, {
      type: "childStartFailed",
      pid: spec.pid,
      error: serializeError(error),
    });
    this.#recentExits.set(spec.pid, { pid: spec.pid, exitcode: 1, error: serializeError(error) });
    this.#repairAll();
  }

  /** A pid that was handed out but will never be spawned: it counts as dead. */
  discard(pid: number): void {
    this.#settled.add(pid);
    this.#repairAll();
  }

  #takeWorker(): Worker {
    const worker = this.#standby ?? this.#bootWorker(this.#standbyHost!);
    this.#standby = null;
    return worker;
  }

  /** Builds the next standby after the parent has been told its child runs. */
  #replenish(): void {
    const timer = setTimeout(() => this.#standby ??= this.#bootWorker(this.#standbyHost!), 0);
    Deno.unrefTimer(timer as unknown as number);
  }

  /**
   * Resource limits, even empty, make V8 end a worker whose heap is full (an `error` event
   * with code `ERR_WORKER_OUT_OF_MEMORY`, then `exit` with code 1) instead of aborting the
   * whole program, which it does for a worker without them. Deno 2.9 ends the worker only when
   * the heap fills in a macrotask (a timer, `setImmediate`, a module's top level); filled in a
   * promise continuation, the code running is dropped and the worker lives on, reporting
   * nothing (the pool runs its tasks from `setImmediate` for this reason).
   */
  #bootWorker(host: string, maxMemoryMb?: number): Worker {
    const resourceLimits = maxMemoryMb === undefined ? {} : { maxOldGenerationSizeMb: maxMemoryMb };
    const worker = new Worker(workerUrl(host), { resourceLimits });
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
    // A halted actor (told to stop, or reaped while stuck in synchronous code and running on)
    // changes nothing any more: what it asks of the supervisor is ignored.
    const halted = record.reaped || Atomics.load(record.status, STATUS_HALT) === 1;
    switch (report.type) {
      case "started":
        record.started = true;
        Atomics.store(record.status, STATUS_STATE, RUNNING);
        this.#notify(record.parentPid, { type: "childStarted", pid: record.pid });
        this.#replenish();
        return;
      case "startFailed":
        record.report ??= { code: 1, error: report.error, startFailed: true };
        this.#halt(record);
        return;
      case "exit":
        // Once the supervisor has signalled the actor, the signal is its exit, even if its code
        // ran on to a return first (a join on a child halted just before it resolves at once).
        if (record.signal === null) {
          record.report ??= { code: report.code, error: report.error, startFailed: false };
        }
        this.#halt(record);
        return;
      case "spawn":
        if (report.spec.parentPid !== record.pid || halted) {
          report.spec.mailPort.close();
          return this.discard(report.spec.pid);
        }
        this.spawn(report.spec);
        return;
      case "discard":
        this.discard(report.pid);
        return;
      case "holds":
        if (!halted) this.#applyHolds(record.pid, report.changes);
        return;
      case "signal":
        if (!halted && this.#actors.get(report.pid)?.parentPid === record.pid) {
          this.signal(report.pid, report.signal);
        }
        return;
      case "call":
        if (halted) return;
        this.answer(record.pid, report.id, report.request).then(
          ({ value, transfer }) =>
            this.#post(record, { type: "answer", id: report.id, ok: true, value }, transfer),
          (error) =>
            this.#post(record, {
              type: "answer",
              id: report.id,
              ok: false,
              error: serializeError(error),
            }),
        );
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
      : record.linkCause;
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
    this.#repairAll();
    this.#dropHolds(record.pid);
    this.#forget(record, { pid: record.pid, exitcode, error }, report);
  }

  /**
   * Repairs every primitive some live actor holds: what the dead held is released. A primitive
   * the main program holds is repaired through its own live object, whose wake reaches the
   * main thread's waiters at once (a wake through another object of the same memory reaches
   * them only at their next poll); the others through the supervisor's copy.
   */
  #repairAll(): void {
    const repaired = new Set<string>();
    for (const [id, handle] of this.#main.heldPrimitives()) {
      handle[repairHandle](this.#isDead);
      if (this.#held.has(id)) repaired.add(id);
    }
    for (const [id, held] of this.#held) {
      if (!repaired.has(id)) held.copy?.[repairHandle](this.#isDead);
    }
  }

  /** Applies a worker's changes of holdings, in order. */
  #applyHolds(pid: number, changes: HoldChange[]): void {
    for (const change of changes) {
      if (change.type === "hold") this.#hold(pid, change.id, change.handle);
      else this.#release(pid, change.id);
    }
  }

  #hold(pid: number, id: string, description: HandleDescription): void {
    let held = this.#held.get(id);
    if (held === undefined) {
      held = { copy: null, holders: new Set() };
      this.#held.set(id, held);
      const entry = held;
      reviveForAdoption(description).then(
        (copy) => {
          entry.copy = copy as Repairable;
          // Exits while it was being revived could not repair it, and a description may have
          // been in flight while a holder died: repair it now, whether still held or not.
          this.repairOnce(entry.copy);
        },
        (error) => {
          if (this.#held.get(id) === entry) this.#held.delete(id);
          console.error(
            `Cannot repair a shared primitive held by actor ${pid}: the main thread could not ` +
              "revive it",
            error,
          );
        },
      );
    }
    held.holders.add(pid);
    const ids = this.#holdsOf.get(pid) ?? new Set<string>();
    this.#holdsOf.set(pid, ids.add(id));
  }

  #release(pid: number, id: string): void {
    this.#holdsOf.get(pid)?.delete(id);
    const held = this.#held.get(id);
    if (held === undefined) return;
    held.holders.delete(pid);
    if (held.holders.size === 0) this.#held.delete(id);
  }

  /** Drops the holds of an actor that exited, once the repair its exit triggered has run. */
  #dropHolds(pid: number): void {
    for (const id of this.#holdsOf.get(pid) ?? []) this.#release(pid, id);
    this.#holdsOf.delete(pid);
  }

  /** Frees the names of a reaped actor, answers its monitors, and tells its links and peers. */
  #forget(record: ActorRecord, reason: ExitReport, report: ActorRecord["report"]): void {
    const { pid } = record;
    this.#recentExits.set(pid, reason);
    if (this.#recentExits.size > RECENT_EXITS) {
      this.#recentExits.delete(this.#recentExits.keys().next().value!);
    }
    for (const [name, entry] of this.#names) if (entry.pid === pid) this.#names.delete(name);
    for (const monitor of this.#monitors.get(pid) ?? []) monitor.answer(reason);
    this.#monitors.delete(pid);
    for (const [target, monitors] of this.#monitors) {
      this.#monitors.set(target, monitors.filter((monitor) => monitor.owner !== pid));
    }
    this.#trapping.delete(pid);
    for (const linked of this.#takeAll(this.#links, pid)) this.#propagate(record, linked, reason);
    const mailEnds = report !== null && !report.startFailed;
    for (const peer of this.#takeAll(this.#peers, pid)) {
      this.#command(peer, { type: "peerExited", pid, mailEnds });
    }
  }

  /** Removes `pid`'s entry of a both-ways relation, and `pid` from the entries of the others. */
  #takeAll(relation: Map<number, Set<number>>, pid: number): Set<number> {
    const others = relation.get(pid) ?? new Set<number>();
    relation.delete(pid);
    for (const other of others) relation.get(other)?.delete(pid);
    return others;
  }

  /** A linked actor exited: an exit signal if `linked` traps exits, else it dies too if abnormal. */
  #propagate(from: ActorRecord, linked: number, reason: ExitReport): void {
    if (this.#trapping.has(linked)) {
      return this.#command(linked, { type: "exitSignal", from: from.address, reason });
    }
    const record = this.#actors.get(linked);
    if (reason.exitcode === 0 || record === undefined) return;
    record.linkCause = serializeError(
      new ActorExitedError(
        `Actor ${linked} was terminated because actor ${from.pid}, linked to it, exited with ` +
          `code ${reason.exitcode}`,
      ),
    );
    this.signal(linked, "terminate");
  }

  /**
   * Answers a request from actor `from`.
   *
   * @throws {ActorExitedError} When the request needs an actor that has exited.
   * @throws {NameTakenError} When registering a name a live actor holds.
   */
  answer(from: number, id: number, request: RootRequest): Promise<Answer> {
    switch (request.type) {
      case "connect":
        return Promise.resolve(this.#connect(from, request.pid));
      case "register":
        this.#register(request.name, request.pid, from);
        return answered(null);
      case "unregister": {
        // The actor holding the name, or the one that registered it for another, may free it.
        const entry = this.#names.get(request.name);
        if (entry !== undefined && (entry.pid === from || entry.registrar === from)) {
          this.#names.delete(request.name);
        }
        return answered(null);
      }
      case "whereis": {
        const pid = this.#names.get(request.name)?.pid;
        return answered(pid === undefined ? null : this.#addressOf(pid) ?? null);
      }
      case "monitor":
        return this.#monitor(from, id, request.pid);
      case "demonitor":
        for (const [target, monitors] of this.#monitors) {
          const kept = monitors.filter((m) => m.owner !== from || m.id !== request.monitorId);
          this.#monitors.set(target, kept);
        }
        return answered(null);
      case "link":
        this.#link(from, request.pid);
        return answered(null);
      case "unlink":
        this.#links.get(from)?.delete(request.pid);
        this.#links.get(request.pid)?.delete(from);
        return answered(null);
      case "trapExit":
        if (from !== MAIN_PID) {
          if (request.trap) this.#trapping.add(from);
          else this.#trapping.delete(from);
        }
        return answered(null);
      default: {
        const unknown: never = request;
        throw new TypeError(`Unknown request to the root supervisor: ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The pid itself, for the main program or a live actor; undefined for one that exited. */
  #livePid(pid: number): number | undefined {
    return pid === MAIN_PID || this.#actors.has(pid) ? pid : undefined;
  }

  #addressOf(pid: number): ActorAddress | undefined {
    return pid === MAIN_PID ? this.#main.address() : this.#actors.get(pid)?.address;
  }

  #connect(from: number, to: number): Answer {
    if (this.#livePid(to) === undefined || this.#livePid(from) === undefined) {
      throw new ActorExitedError(`Cannot send to actor ${to}: it has exited`);
    }
    const { port1, port2 } = new MessageChannel();
    this.#command(to, { type: "peer", pid: from, port: port2 }, [port2]);
    for (const [one, other] of [[from, to], [to, from]]) {
      const peers = this.#peers.get(one) ?? new Set<number>();
      this.#peers.set(one, peers.add(other));
    }
    return { value: port1, transfer: [port1] };
  }

  #register(name: string, pid: number, registrar: number): void {
    const holder = this.#names.get(name)?.pid;
    if (holder !== undefined && holder !== pid) {
      throw new NameTakenError(
        `Cannot register "${name}": actor ${holder} holds that name; choose another, or ` +
          "unregister it first",
      );
    }
    if (this.#livePid(pid) === undefined) {
      throw new ActorExitedError(`Cannot register "${name}" for actor ${pid}: it has exited`);
    }
    this.#names.set(name, { pid, registrar });
  }

  #monitor(owner: number, id: number, pid: number): Promise<Answer> {
    const record = this.#actors.get(pid);
    if (record === undefined) {
      const known = this.#recentExits.get(pid);
      return answered(known ?? { pid, exitcode: null, error: null } satisfies ExitReport);
    }
    const { promise, resolve } = Promise.withResolvers<Answer>();
    const monitors = this.#monitors.get(pid) ?? [];
    monitors.push({ owner, id, answer: (report) => resolve({ value: report, transfer: [] }) });
    this.#monitors.set(pid, monitors);
    return promise;
  }

  #link(from: number, to: number): void {
    if (this.#livePid(to) === undefined) {
      throw new ActorExitedError(`Cannot link to actor ${to}: it has exited`);
    }
    if (from === to) return;
    for (const [one, other] of [[from, to], [to, from]]) {
      const links = this.#links.get(one) ?? new Set<number>();
      this.#links.set(one, links.add(other));
    }
  }

  /** Sends `command` to the runtime of actor `pid`, wherever it lives. */
  #command(pid: number, command: RuntimeCommand, transfer: Transferable[] = []): void {
    if (pid === MAIN_PID) return this.#main.dispatch(command);
    const record = this.#actors.get(pid);
    if (record !== undefined) this.#post(record, command, transfer);
  }

  #post(record: ActorRecord, command: HostCommand, transfer: Transferable[] = []): void {
    record.worker.postMessage(command, transfer);
  }

  #childrenOf(pid: number): ActorRecord[] {
    return [...this.#actors.values()].filter((record) => record.parentPid === pid);
  }

  #notify(parentPid: number, command: ChildCommand): void {
    this.#command(parentPid, command);
  }
}

/**
 * The pids that have reached the root (spawned, or discarded), in little memory: pids are handed
 * out in increasing order, so all those below a floor have, and only the few above it that
 * arrived ahead of a lower one are kept one by one.
 */
class SettledPids {
  /** Every pid below this one has reached the root. */
  #floor = MAIN_PID + 1;
  readonly #above = new Set<number>();

  has(pid: number): boolean {
    return pid < this.#floor || this.#above.has(pid);
  }

  add(pid: number): void {
    if (pid < this.#floor) return;
    this.#above.add(pid);
    while (this.#above.delete(this.#floor)) this.#floor++;
  }
}

function answered(value: unknown): Promise<Answer> {
  return Promise.resolve({ value, transfer: [] });
}

const supervisor = Promise.withResolvers<RootSupervisor>();

/** The root supervisor, once the main thread has started its first actor. */
export function rootSupervisor(): Promise<RootSupervisor> {
  return supervisor.promise;
}
