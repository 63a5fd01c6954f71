/**
 * A worker on another machine, as the root supervisor sees it: it takes host commands and emits
 * the worker's reports, `error` and `exit`, like a `node:worker_threads` Worker. The plane
 * (`plane.ts`) carries its commands to the agent that hosts it and brings back what the agent
 * says of it.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import type { Transferable } from "node:worker_threads";
import type { HostCommand, HostReport } from "../../_kernel/protocol.ts";
import type { ActorWorker } from "../../_kernel/root/remote.ts";

/** An agent as the session knows it. */
export interface AgentRecord {
  readonly name: string;
  /** When its last heartbeat arrived (`performance.now()`). */
  lastSeen: number;
  /** Its number among the session's agents (see `PID_BLOCK_BITS`); 0 until it hosts an actor. */
  block: number;
  /** The actors it hosts for this session. */
  readonly workers: Set<RemoteWorker>;
  hostname: string;
  osPid: number;
  /** The actors it hosts, for every session, by its last heartbeat. */
  actors: number;
  /** A solo agent: one actor's own process (see `isolation: "process"`). */
  solo: boolean;
  /** The agent whose machine a solo agent runs on. */
  host: AgentRecord;
  /** Messages for a solo agent not yet started, sent once it beats; null once it has. */
  pending: unknown[] | null;
}

/** What a remote worker needs of the plane. */
export interface WorkerCarrier {
  command(worker: RemoteWorker, command: HostCommand): void;
  terminate(worker: RemoteWorker): void;
}

/** The root supervisor's worker for an actor hosted by an agent. */
export class RemoteWorker extends EventEmitter implements ActorWorker {
  readonly pid: number;
  readonly agent: AgentRecord;
  /** The actor's mailbox words (what its relayed links count mail in). */
  readonly mailbox: SharedArrayBuffer;
  /** Ids of its `connect` calls to the root, whose answers hold a port. */
  readonly connects: Set<number> = new Set();
  readonly #carrier: WorkerCarrier;
  #exited = false;

  constructor(carrier: WorkerCarrier, agent: AgentRecord, pid: number, mailbox: SharedArrayBuffer) {
    super();
    this.#carrier = carrier;
    this.agent = agent;
    this.pid = pid;
    this.mailbox = mailbox;
  }

  get exited(): boolean {
    return this.#exited;
  }

  postMessage(command: HostCommand, _transfer?: readonly Transferable[]): void {
    if (!this.#exited) this.#carrier.command(this, command);
  }

  terminate(): void {
    if (!this.#exited) this.#carrier.terminate(this);
  }

  /** A report from the agent. */
  report(report: HostReport): void {
    if (!this.#exited) this.emit("message", report);
  }

  /** The worker failed (an uncaught error, or its agent is lost): `error`, then `exit` if `ends`. */
  fail(error: Error, ends: boolean): void {
    if (this.#exited) return;
    this.emit("error", error);
    if (ends) this.exit();
  }

  /** The worker is gone. */
  exit(): void {
    if (this.#exited) return;
    this.#exited = true;
    this.emit("exit");
  }
}
