/**
 * The agent side of the actor plane: a program on each machine that hosts the actors sessions
 * place there. Each actor runs in a Worker of the agent, built as the root supervisor builds
 * its own (standbys included); the agent carries the worker's host commands in and its reports
 * out, and repairs the shared primitives its actors hold among themselves when one of them
 * dies, as a root supervisor does.
 *
 * Every session beats; an agent that hears nothing from one for `deadAfterMs` (the program was
 * killed, or cut off) ends that session's actors, so no actor outlives its program.
 *
 * @module
 */
import { hostname } from "node:os";
import type { Worker } from "node:worker_threads";
import {
  EXITED,
  type HostCommand,
  type HostReport,
  STATUS_EXITCODE,
  STATUS_HALT,
  STATUS_STATE,
} from "../../_kernel/protocol.ts";
import { WorkerFactory } from "../../_kernel/root/workers.ts";
import { RootHoldings } from "../../_kernel/root/holdings.ts";
import { serializeError } from "../../_kernel/wire_errors.ts";
import { SpawnError } from "../../errors.ts";
import { Bridge, pack, unpack } from "./wire.ts";
import { codeMismatch } from "./digests.ts";
import {
  type AgentBeat,
  type Liveness,
  PID_BLOCK_BITS,
  type SessionBeat,
  Subjects,
  type ToAgent,
  type ToSession,
} from "./protocol.ts";
import type { Transport } from "./transport.ts";

/** How an agent is set up. */
export interface AgentSetup {
  name: string;
  cluster: string;
  liveness: Liveness;
  /**
   * Starts a solo agent named `name` in a process of its own on this machine (see
   * `isolation: "process"`); resolves once it runs. Without it, such placements are refused.
   */
  fork?: (name: string) => Promise<void>;
  /**
   * This is a solo agent: it hosts one actor (and its children) and calls `done` once they have
   * all exited, or at once when that actor must end and does not (its process then ends,
   * whatever code runs in it).
   */
  solo?: { done(): void };
}

/** This machine's name, or "unknown" without `--allow-sys=hostname`. */
const HOSTNAME = (() => {
  try {
    return hostname();
  } catch {
    return "unknown";
  }
})();

/** How long a solo agent's actor, told to halt, may take before its process is ended. */
const SOLO_HALT_GRACE_MS = 1000;

interface Hosted {
  readonly worker: Worker;
  readonly status: Int32Array;
}

/** One program's actors on this agent. */
interface Session {
  readonly sid: string;
  readonly bridge: Bridge;
  readonly actors: Map<number, Hosted>;
  /** Every pid this agent hosted for the session: the dead are those no longer in `actors`. */
  readonly hosted: Set<number>;
  /** The pids its actors hand out here (see `PID_BLOCK_BITS`), below `pidLimit`. */
  readonly pids: Int32Array;
  readonly pidLimit: number;
  readonly holdings: RootHoldings;
  lastSeen: number;
  ended: boolean;
}

/** Hosts the actors that sessions place on this machine. */
export class Agent {
  readonly name: string;
  readonly #transport: Transport;
  readonly #subjects: Subjects;
  readonly #liveness: Liveness;
  readonly #sessions = new Map<string, Session>();
  readonly #workers = new WorkerFactory();
  readonly #unsubscribe: (() => void)[];
  readonly #timers: number[] = [];
  readonly #fork: AgentSetup["fork"];
  readonly #solo: AgentSetup["solo"];
  /** A solo agent's actor: the first it hosted. */
  #soloPid = 0;
  #closed = false;

  constructor(transport: Transport, setup: AgentSetup) {
    this.name = setup.name;
    this.#fork = setup.fork;
    this.#solo = setup.solo;
    this.#transport = transport;
    this.#subjects = new Subjects(setup.cluster);
    this.#liveness = setup.liveness;
    this.#unsubscribe = [
      transport.subscribe(this.#subjects.toAgent(this.name), (payload) => {
        this.#hear(unpack<ToAgent>(payload));
      }),
      transport.subscribe(this.#subjects.sessionBeats, (payload) => {
        const session = this.#sessions.get(unpack<SessionBeat>(payload).sid);
        if (session !== undefined) session.lastSeen = performance.now();
      }),
      transport.subscribe(this.#subjects.discover, () => this.#beat()),
    ];
    // Mail may have been lost with the connection: the sessions count this agent's actors as
    // dead, so they end here too.
    transport.onConnection((state) => {
      if (state === "lost") { for (const session of this.#sessions.values()) this.#end(session); }
      else this.#beat();
    });
    const every = (ms: number, run: () => void) => {
      this.#timers.push(setInterval(run, ms) as unknown as number);
    };
    every(setup.liveness.heartbeatMs, () => this.#beat());
    every(setup.liveness.heartbeatMs, () => this.#sweep());
    this.#beat();
  }

  /** The actors hosted now, for every session. */
  get actors(): number {
    let count = 0;
    for (const session of this.#sessions.values()) count += session.actors.size;
    return count;
  }

  /** Stops hosting: every session's actors end, and the agent beats no more. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    const exits: Promise<void>[] = [];
    for (const session of this.#sessions.values()) exits.push(...this.#end(session));
    await Promise.all(exits);
  }

  #beat(): void {
    if (this.#closed) return;
    const beat: AgentBeat = {
      name: this.name,
      hostname: HOSTNAME,
      osPid: Deno.pid,
      actors: this.actors,
      solo: this.#solo !== undefined,
    };
    this.#transport.publish(this.#subjects.agentBeats, pack(beat));
  }

  #sweep(): void {
    const now = performance.now();
    for (const session of this.#sessions.values()) {
      if (now - session.lastSeen > this.#liveness.deadAfterMs) this.#end(session);
    }
  }

  #hear(message: ToAgent): void {
    if (message.t === "host") return this.#host(message);
    if (message.t === "fork") return this.#startSolo(message.sid, message.name);
    const session = this.#sessions.get(message.sid);
    if (session === undefined || session.ended) return;
    session.lastSeen = performance.now();
    switch (message.t) {
      case "command": {
        const hosted = session.actors.get(message.pid);
        if (hosted === undefined) return;
        const transfer: Transferable[] = [];
        const command = session.bridge.revive(
          message.command,
          session.sid,
          message.pid,
          transfer as never,
        ) as HostCommand;
        if (command.type === "halt") {
          Atomics.store(hosted.status, STATUS_HALT, 1);
          if (message.pid === this.#soloPid) this.#endSoloSoon(session);
        }
        return hosted.worker.postMessage(command, transfer as never);
      }
      case "terminate":
        if (message.pid === this.#soloPid) return this.#endSolo(session);
        void this.#terminate(session.actors.get(message.pid));
        return;
      case "port":
        return session.bridge.deliver(message.key, message.envelope, session.sid);
      case "reaped": {
        const words = session.bridge.byKey(message.key);
        if (words === undefined) return;
        const status = new Int32Array(words);
        Atomics.store(status, STATUS_EXITCODE, message.exitcode);
        Atomics.store(status, STATUS_STATE, EXITED);
        Atomics.notify(status, STATUS_STATE);
        return;
      }
      case "end":
        this.#end(session);
        return;
      default: {
        const unknown: never = message;
        throw new TypeError(`Unknown message to an agent: ${JSON.stringify(unknown)}`);
      }
    }
  }

  #session(sid: string, block: number): Session {
    let session = this.#sessions.get(sid);
    // A session ended here (its connection was lost) and placing again gets a fresh start.
    if (session !== undefined && !session.ended) return session;
    const actors = new Map<number, Hosted>();
    const hosted = new Set<number>();
    const pids = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    pids[0] = block << PID_BLOCK_BITS;
    session = {
      sid,
      bridge: new Bridge(this.name, (_node, key, envelope) => {
        this.#tell(sid, { t: "port", key, envelope });
      }),
      actors,
      hosted,
      pids,
      pidLimit: (block + 1) * 2 ** PID_BLOCK_BITS,
      // Only this agent's actors can hold what they made here: it never crosses machines.
      holdings: new RootHoldings(() => [], (pid) => hosted.has(pid) && !actors.has(pid)),
      lastSeen: performance.now(),
      ended: false,
    };
    this.#sessions.set(sid, session);
    return session;
  }

  #host(message: Extract<ToAgent, { t: "host" }>): void {
    const { sid, pid } = message;
    const fail = (error: unknown) => {
      this.#tell(sid, { t: "error", pid, error: serializeError(error) });
      this.#tell(sid, { t: "exit", pid });
    };
    if (this.#closed) return fail(new SpawnError(`Agent "${this.name}" is closing`));
    const mismatch = codeMismatch(message.digests);
    if (mismatch !== null) {
      return fail(
        new SpawnError(
          `Cannot start actor ${pid} on agent "${this.name}": ${mismatch}; deploy the same code ` +
            "at the same path on every machine",
        ),
      );
    }
    const session = this.#session(sid, message.block);
    const transfer: Transferable[] = [];
    const command = session.bridge.revive(message.init, sid, pid, transfer as never) as Extract<
      HostCommand,
      { type: "init" }
    >;
    const spec = command.spec;
    spec.pidCounter = session.pids.buffer as SharedArrayBuffer;
    let worker: Worker;
    try {
      worker = this.#workers.take(spec);
    } catch (error) {
      session.bridge.close(pid);
      return fail(error);
    }
    session.actors.set(pid, { worker, status: new Int32Array(spec.status) });
    session.hosted.add(pid);
    if (this.#solo !== undefined && this.#soloPid === 0) this.#soloPid = pid;
    worker.on("message", (report: HostReport) => this.#report(session, pid, worker, report));
    worker.on("error", (error: unknown) => {
      this.#tell(sid, { t: "error", pid, error: serializeError(error) });
    });
    worker.on("exit", () => {
      session.actors.delete(pid);
      session.bridge.close(pid);
      session.holdings.repairAll();
      session.holdings.drop(pid);
      this.#tell(sid, { t: "exit", pid });
      if (session.ended && session.actors.size === 0) this.#forget(session);
      if (this.#solo !== undefined && session.actors.size === 0) this.#solo.done();
    });
    worker.postMessage(command, transfer as never);
  }

  /** Starts a solo agent for the session (see `AgentSetup.fork`). */
  #startSolo(sid: string, name: string): void {
    const failed = (error: unknown) =>
      this.#tell(sid, { t: "forkFailed", name, error: serializeError(error) });
    if (this.#fork === undefined || this.#closed) {
      return failed(
        new SpawnError(
          `Agent "${this.name}" cannot start a process of its own for an actor` +
            (this.#closed ? ": it is closing" : ": it was started without that ability"),
        ),
      );
    }
    this.#fork(name).catch(failed);
  }

  /** The solo actor was told to halt: its process ends if it has not within a grace period. */
  #endSoloSoon(session: Session): void {
    const timer = setTimeout(() => this.#endSolo(session), SOLO_HALT_GRACE_MS);
    Deno.unrefTimer(timer);
  }

  /**
   * Ends a solo agent's actors at once, however stuck: each is reported exited, then the process
   * ends (`done`), threads and all.
   */
  #endSolo(session: Session): void {
    for (const pid of session.actors.keys()) this.#tell(session.sid, { t: "exit", pid });
    session.actors.clear();
    this.#solo?.done();
  }

  #report(session: Session, pid: number, worker: Worker, report: HostReport): void {
    if (report.type === "holds") return session.holdings.apply(pid, report.changes);
    if (report.type === "started") this.#workers.replenish();
    let wire: unknown;
    try {
      if (report.type === "spawn" && report.spec.pid >= session.pidLimit) {
        throw new SpawnError(
          `Cannot start a process on agent "${this.name}": this program has started ` +
            `${2 ** PID_BLOCK_BITS} processes there, as many as its pids allow`,
        );
      }
      wire = this.#wireReport(session, pid, report);
    } catch (error) {
      if (report.type !== "spawn") throw error;
      // A child whose arguments cannot cross: its start fails in its parent, here.
      const failed: HostCommand = {
        type: "childStartFailed",
        pid: report.spec.pid,
        error: serializeError(error),
      };
      report.spec.mailPort.close();
      worker.postMessage(failed);
      this.#tell(session.sid, {
        t: "report",
        pid,
        report: { type: "discard", pid: report.spec.pid },
      });
      return;
    }
    this.#tell(session.sid, { t: "report", pid, report: wire });
  }

  #wireReport(session: Session, pid: number, report: HostReport): unknown {
    const bridge = session.bridge;
    switch (report.type) {
      case "spawn": {
        const spec = report.spec;
        const user = { ...spec, args: bridge.user(spec.args), fields: bridge.user(spec.fields) };
        const ports = new Map([[spec.mailPort, {
          consumer: spec.mailbox,
          partner: spec.parentMailbox,
        }]]);
        return bridge.kernel({ ...report, spec: user }, session.sid, pid, ports);
      }
      case "started":
        return report.ack === undefined
          ? report
          : { ...report, ack: { ...report.ack, value: bridge.user(report.ack.value) } };
      default:
        return bridge.kernel(report, session.sid, pid);
    }
  }

  #terminate(hosted: Hosted | undefined): Promise<void> {
    if (hosted === undefined) return Promise.resolve();
    Atomics.store(hosted.status, STATUS_HALT, 1);
    const exited = new Promise<void>((resolve) => hosted.worker.once("exit", () => resolve()));
    hosted.worker.terminate();
    return exited;
  }

  #forget(session: Session): void {
    if (this.#sessions.get(session.sid) === session) this.#sessions.delete(session.sid);
  }

  /** Ends a session's actors (its program is gone or done). */
  #end(session: Session): Promise<void>[] {
    session.ended = true;
    if (session.actors.size === 0) this.#forget(session);
    return [...session.actors.values()].map((hosted) => this.#terminate(hosted));
  }

  #tell(sid: string, message: DistributiveOmit<ToSession, "agent">): void {
    this.#transport.publish(
      this.#subjects.toSession(sid),
      pack({ ...message, agent: this.name }),
    );
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Transferable = import("node:worker_threads").Transferable;
