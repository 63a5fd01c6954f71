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
 * This file is the process table (spawn, signal, reap, the requests of actors); its parts live
 * beside it: the holdings and their repair (`holdings.ts`), names (`names.ts`), links and
 * monitors (`watches.ts`), the workers with their standby (`workers.ts`), and the pids seen
 * (`settled_pids.ts`).
 *
 * @module
 */
import { MessageChannel, type Transferable } from "node:worker_threads";
import {
  type ActorAddress,
  type ActorSpec,
  EXITED,
  type ExitReport,
  type HostCommand,
  type HostReport,
  MAIN_PID,
  type PeerLink,
  type RootRequest,
  RUNNING,
  type RuntimeCommand,
  SIGNAL_EXITCODES,
  STATUS_EXITCODE,
  STATUS_HALT,
  STATUS_STATE,
  type StopSignal,
} from "../protocol.ts";
import type { Portable, Repairable } from "../handles.ts";
import { type SerializedError, serializeError } from "../wire_errors.ts";
import { ActorExitedError, SpawnError } from "../../errors.ts";
import { RootHoldings } from "./holdings.ts";
import { NameTable } from "./names.ts";
import { SettledPids } from "./settled_pids.ts";
import { Relation, Watches } from "./watches.ts";
import { WorkerFactory } from "./workers.ts";
import { type ActorWorker, remoteHosts } from "./remote.ts";
import { type ActorFacts, type ActorInspection, endedFacts, inspectActor } from "./inspection.ts";

/** How many ended actors an observer is shown. */
const RECENT_EXITED = 64;

interface ActorRecord {
  readonly pid: number;
  readonly parentPid: number;
  readonly daemon: boolean;
  readonly address: ActorAddress;
  readonly worker: ActorWorker;
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

/** The answer to a root request, and the ports it hands over. */
interface Answer {
  value: unknown;
  transfer: Transferable[];
}

/** How long an actor told to halt may take before it is reaped anyway. */
const HALT_GRACE_MS = 1000;

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
  /** Actors linked by a mail link of their own, made on request: told when the other exits. */
  readonly #peers = new Relation();
  readonly #names = new NameTable();
  readonly #watches = new Watches();
  readonly #workers = new WorkerFactory();
  readonly #settled = new SettledPids();
  /** The last actors to end, oldest first, for an observer (read only when one asks). */
  readonly #exited: {
    address: ActorAddress;
    facts: ActorFacts;
    reason: ExitReport;
  }[] = [];
  /**
   * True for a pid that has been reaped. A pid handed out and not yet spawned here is not dead:
   * a parent that passed a pipe end to a child it is starting counted the child as a holder.
   */
  readonly #isDead = (pid: number): boolean =>
    pid !== MAIN_PID && !this.#actors.has(pid) && this.#settled.has(pid);
  readonly #holdings = new RootHoldings(() => this.#main.heldPrimitives(), this.#isDead);

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
    return this.#holdings.size;
  }

  /** The actor tree for an observer: the main program, every live actor, the last to end. */
  inspectActors(): ActorInspection[] {
    const facts = (pid: number, parentPid: number, daemon: boolean, stopping: boolean) => ({
      parentPid,
      daemon,
      stopping,
      names: this.#names.namesOf(pid),
      links: this.#watches.linksOf(pid),
      monitoredBy: this.#watches.monitorsOf(pid),
      trapsExits: this.#watches.traps(pid),
    });
    const main = inspectActor(this.#main.address(), facts(MAIN_PID, 0, false, false));
    const live = [...this.#actors.values()].map((record) =>
      inspectActor(
        record.address,
        facts(record.pid, record.parentPid, record.daemon, record.signal !== null),
      )
    );
    const ended = this.#exited.map(({ address, facts, reason }) =>
      inspectActor(address, facts, reason)
    );
    return [main, ...live, ...ended];
  }

  /** Repairs a primitive an actor has just revived (see `RootHoldings.repairOnce`). */
  repairOnce(handle: Repairable): void {
    this.#holdings.repairOnce(handle);
  }

  /** Creates the worker for `spec` and sends it the `init` command. */
  spawn(spec: ActorSpec): void {
    const parent = this.#actors.get(spec.parentPid);
    if (spec.parentPid !== MAIN_PID && (parent === undefined || parent.signal !== null)) {
      spec.mailPort.close();
      return this.discard(spec.pid);
    }
    this.#settled.add(spec.pid);
    let worker: ActorWorker;
    try {
      worker = this.#workerFor(spec, parent?.worker);
    } catch (error) {
      // No thread for it (no read access to the worker host, for instance): the start fails,
      // which the parent learns as it learns any start failure.
      spec.mailPort.close();
      return this.#failSpawn(spec, error);
    }
    const record: ActorRecord = {
      pid: spec.pid,
      parentPid: spec.parentPid,
      daemon: spec.daemon,
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
      this.#holdings.repairAll();
    });
    const init: HostCommand = { type: "init", spec };
    worker.postMessage(init, [spec.mailPort]);
  }

  /** A worker on this machine, or on the machine its placement (or its parent's) names. */
  #workerFor(spec: ActorSpec, parent: ActorWorker | undefined): ActorWorker {
    const hosts = remoteHosts();
    if (hosts !== null) return hosts.place(spec, parent) ?? this.#workers.take(spec);
    if (spec.placement !== undefined && spec.placement !== "local") {
      throw new SpawnError(
        `Cannot start process "${spec.name}" with placement ${JSON.stringify(spec.placement)}: ` +
          'no NATS context is open; create one with await getContext("nats", { servers }) and ' +
          "start the process from it",
      );
    }
    return this.#workers.take(spec);
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
    this.#command(spec.parentPid, {
      type: "childStartFailed",
      pid: spec.pid,
      error: serializeError(error),
    });
    this.#watches.exited({ pid: spec.pid, exitcode: 1, error: serializeError(error) });
    this.#holdings.repairAll();
  }

  /** A pid that was handed out but will never be spawned: it counts as dead. */
  discard(pid: number): void {
    this.#settled.add(pid);
    this.#holdings.repairAll();
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

  /**
   * Ends the worker of an actor whose host has reported its end (it then only waits for this,
   * its mail already posted). The supervisor ends it with `terminate()`, which returns at once,
   * rather than letting it exit by itself: a worker that exits by itself makes the main thread
   * wait while its isolate is torn down, about 40 ms of CPU once it has loaded the library, and
   * a hundred ending together stalled the main thread for seconds. A stray timer of the actor
   * still in synchronous code runs on to its end, as it would before a halt.
   */
  #release(record: ActorRecord): void {
    Atomics.store(record.status, STATUS_HALT, 1);
    record.worker.terminate();
  }

  #onReport(record: ActorRecord, report: HostReport): void {
    // A halted actor (told to stop, or reaped while stuck in synchronous code and running on)
    // changes nothing any more: what it asks of the supervisor is ignored.
    const halted = record.reaped || Atomics.load(record.status, STATUS_HALT) === 1;
    switch (report.type) {
      case "started":
        record.started = true;
        Atomics.store(record.status, STATUS_STATE, RUNNING);
        this.#command(record.parentPid, { type: "childStarted", pid: record.pid, ack: report.ack });
        this.#workers.replenish();
        return;
      case "startFailed":
        record.report ??= { code: 1, error: report.error, startFailed: true };
        this.#release(record);
        return;
      case "exit":
        // Once the supervisor has signalled the actor, the signal is its exit, even if its code
        // ran on to a return first (a join on a child halted just before it resolves at once).
        if (record.signal === null) {
          record.report ??= { code: report.code, error: report.error, startFailed: false };
        }
        this.#release(record);
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
        if (!halted) this.#holdings.apply(record.pid, report.changes);
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
            record.worker.postMessage({ type: "answer", id: report.id, ok: true, value }, transfer),
          (error) =>
            record.worker.postMessage({
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
    remoteHosts()?.reaped(record.address, exitcode);
    // No orphans: what is left of the subtree is halted and reaped with it.
    for (const child of this.#childrenOf(record.pid)) {
      if (child.signal === null) {
        child.signal = "terminate";
        this.#halt(child);
      }
      this.#reap(child);
    }
    const startFailed = !record.started && signal === null && (report?.startFailed ?? true);
    this.#command(
      record.parentPid,
      startFailed && error !== null ? { type: "childStartFailed", pid: record.pid, error } : {
        type: "childExited",
        pid: record.pid,
        exitcode,
        error,
        mailEnds: report !== null && !report.startFailed,
      },
    );
    this.#holdings.repairAll();
    this.#holdings.drop(record.pid);
    const { address, parentPid, daemon } = record;
    this.#exited.push({
      address,
      facts: endedFacts(parentPid, daemon),
      reason: { pid: record.pid, exitcode, error },
    });
    if (this.#exited.length > RECENT_EXITED) this.#exited.shift();
    this.#forget(record, { pid: record.pid, exitcode, error }, report);
  }

  /** Frees the names of a reaped actor, answers its monitors, and tells its links and peers. */
  #forget(record: ActorRecord, reason: ExitReport, report: ActorRecord["report"]): void {
    const { pid } = record;
    this.#names.forget(pid);
    for (const linked of this.#watches.exited(reason)) this.#propagate(record, linked, reason);
    const mailEnds = report !== null && !report.startFailed;
    for (const peer of this.#peers.takeAll(pid)) {
      this.#command(peer, { type: "peerExited", pid, mailEnds });
    }
  }

  /** A linked actor exited: an exit signal if `linked` traps exits, else it dies too if abnormal. */
  #propagate(from: ActorRecord, linked: number, reason: ExitReport): void {
    if (this.#watches.traps(linked)) {
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
        this.#names.register(request.name, request.pid, from, this.#isAlive(request.pid));
        return answered(null);
      case "unregister":
        this.#names.unregister(request.name, from);
        return answered(null);
      case "inspect":
        return answered({ actors: this.inspectActors(), shared: this.#holdings.inspect() });
      case "whereis": {
        const pid = this.#names.whereis(request.name);
        return answered(pid === undefined ? null : this.#addressOf(pid) ?? null);
      }
      case "monitor":
        return this.#watches.monitor(from, id, request.pid, this.#actors.has(request.pid))
          .then((report) => ({ value: report, transfer: [] }));
      case "demonitor":
        this.#watches.demonitor(from, request.monitorId);
        return answered(null);
      case "link":
        if (!this.#isAlive(request.pid)) {
          throw new ActorExitedError(`Cannot link to actor ${request.pid}: it has exited`);
        }
        this.#watches.link(from, request.pid);
        return answered(null);
      case "unlink":
        this.#watches.unlink(from, request.pid);
        return answered(null);
      case "trapExit":
        this.#watches.trapExit(from, request.trap);
        return answered(null);
      default: {
        const unknown: never = request;
        throw new TypeError(`Unknown request to the root supervisor: ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** True for the main program and for a live actor. */
  #isAlive(pid: number): boolean {
    return pid === MAIN_PID || this.#actors.has(pid);
  }

  #addressOf(pid: number): ActorAddress | undefined {
    return pid === MAIN_PID ? this.#main.address() : this.#actors.get(pid)?.address;
  }

  #connect(from: number, to: number): Answer {
    const fromAddress = this.#addressOf(from);
    const toAddress = this.#addressOf(to);
    if (fromAddress === undefined || toAddress === undefined) {
      throw new ActorExitedError(`Cannot send to actor ${to}: it has exited`);
    }
    const { port1, port2 } = new MessageChannel();
    this.#command(to, { type: "peer", pid: from, port: port2, mailbox: fromAddress.mailbox }, [
      port2,
    ]);
    this.#peers.add(from, to);
    const link: PeerLink = { port: port1, mailbox: toAddress.mailbox };
    return { value: link, transfer: [port1] };
  }

  /** Sends `command` to the runtime of actor `pid`, wherever it lives. */
  #command(pid: number, command: RuntimeCommand, transfer: Transferable[] = []): void {
    if (pid === MAIN_PID) return this.#main.dispatch(command);
    const record = this.#actors.get(pid);
    if (record !== undefined) record.worker.postMessage(command, transfer);
  }

  #childrenOf(pid: number): ActorRecord[] {
    return [...this.#actors.values()].filter((record) => record.parentPid === pid);
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
