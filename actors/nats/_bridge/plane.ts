/**
 * The session side of the actor plane: it places actors on agents (the kernel's `RemoteHosts`),
 * carries the host commands of their workers there and their reports back, keeps the list of
 * live agents from their heartbeats, and beats itself so that agents end the actors of a
 * program that is gone (no orphans across machines).
 *
 * An agent that stops beating for `deadAfterMs` is lost: each of its actors' workers fails with
 * {@linkcode AgentLostError} and exits, which the root supervisor reaps like any other death
 * (asks fail, monitors fire, links are signalled, supervisors restart elsewhere).
 *
 * @module
 */
import type { MessagePort } from "node:worker_threads";
import type {
  ActorAddress,
  ActorSpec,
  HostCommand,
  HostReport,
  PeerLink,
} from "../../_kernel/protocol.ts";
import type { ActorWorker, RemoteHosts } from "../../_kernel/root/remote.ts";
import { deserializeError } from "../../_kernel/wire_errors.ts";
import { AgentLostError, SpawnError } from "../../errors.ts";
import type { Placement } from "../../placement.ts";
import { Bridge, pack, type PortWords, unpack } from "./wire.ts";
import { digestsOf } from "./digests.ts";
import {
  type AgentBeat,
  type Liveness,
  MAX_BLOCKS,
  Subjects,
  type ToAgent,
  type ToSession,
} from "./protocol.ts";
import { type AgentRecord, RemoteWorker, type WorkerCarrier } from "./remote_worker.ts";
import type { Transport } from "./transport.ts";
import type { AgentInfo } from "../placement.ts";

/** How long a solo agent may take to start (a Deno process, its connection, its first beat). */
const FORK_GRACE_MS = 15_000;

/** One program's view of the agents of its cluster, and the actors it placed on them. */
export class Plane implements RemoteHosts, WorkerCarrier {
  readonly sid: string = crypto.randomUUID();
  /** Where a process runs when neither it nor its parent says. */
  defaultPlacement: Placement = "local";
  readonly #transport: Transport;
  readonly #subjects: Subjects;
  readonly #liveness: Liveness;
  readonly #bridge: Bridge;
  readonly #agents = new Map<string, AgentRecord>();
  readonly #workers = new Map<number, RemoteWorker>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #timers: number[] = [];
  readonly #arrivals = new Set<() => void>();
  #blocks = 0;
  #turn = 0;
  #closed = false;

  constructor(transport: Transport, cluster: string, liveness: Liveness) {
    this.#transport = transport;
    this.#subjects = new Subjects(cluster);
    this.#liveness = liveness;
    this.#bridge = new Bridge(this.sid, (node, key, envelope) => {
      const agent = this.#agents.get(node);
      if (agent !== undefined) this.#send(agent, { t: "port", sid: this.sid, key, envelope });
    });
    this.#unsubscribe.push(
      transport.subscribe(this.#subjects.agentBeats, (payload) => this.#beat(unpack(payload))),
      transport.subscribe(
        this.#subjects.toSession(this.sid),
        (payload) => this.#hear(unpack<ToSession>(payload)),
      ),
    );
    transport.onConnection((state) => {
      if (state === "lost") this.#loseAll("the connection to NATS was lost");
      else transport.publish(this.#subjects.discover, pack({ sid: this.sid }));
    });
    const beat = pack({ sid: this.sid });
    const interval = (ms: number, run: () => void) => {
      const timer = setInterval(run, ms) as unknown as number;
      Deno.unrefTimer(timer);
      this.#timers.push(timer);
    };
    interval(liveness.heartbeatMs, () => transport.publish(this.#subjects.sessionBeats, beat));
    interval(liveness.heartbeatMs, () => this.#sweep());
    transport.publish(this.#subjects.discover, pack({ sid: this.sid }));
  }

  /**
   * Resolves once every live agent has had the time to be seen: agents answer the discovery
   * this plane sent at once, and beat every `heartbeatMs` anyway.
   */
  discovered(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.#liveness.heartbeatMs * 1.5));
  }

  /** The live agents. */
  agents(): AgentInfo[] {
    return [...this.#agents.values()].filter((agent) => agent.pending === null).map((agent) => ({
      name: agent.name,
      hostname: agent.hostname,
      pid: agent.osPid,
      actors: agent.actors,
      solo: agent.solo,
    }));
  }

  /** Resolves once at least `count` agents are live, or rejects after `timeoutMs`. */
  waitForAgents(count: number, timeoutMs: number): Promise<AgentInfo[]> {
    if (this.agents().length >= count) return Promise.resolve(this.agents());
    const { promise, resolve, reject } = Promise.withResolvers<AgentInfo[]>();
    const arrived = () => {
      if (this.agents().length < count) return;
      done();
      resolve(this.agents());
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new SpawnError(
          `Only ${this.agents().length} of ${count} agents answered within ${timeoutMs} ms; start ` +
            "them with deno task agent -- --servers <url> (same cluster), or wait longer",
        ),
      );
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      this.#arrivals.delete(arrived);
    };
    this.#arrivals.add(arrived);
    return promise;
  }

  place(spec: ActorSpec, parent: ActorWorker | undefined): ActorWorker | null {
    this.#assertOpen(spec);
    const placement = spec.placement;
    const remoteParent = parent instanceof RemoteWorker ? parent : undefined;
    if (remoteParent !== undefined && (placement === undefined || placement === "local")) {
      return this.#host(spec, remoteParent.agent);
    }
    const where = placement ?? this.defaultPlacement;
    if (where === "local") return null;
    // A child of an actor on an agent, placed in a process without naming an agent, stays on
    // its parent's machine.
    const agent = remoteParent !== undefined && typeof where === "object" &&
        where.agent === undefined
      ? remoteParent.agent.host
      : this.#agentFor(where, spec);
    const isolated = typeof where === "object" && where.isolation === "process";
    return this.#host(spec, isolated ? this.#fork(agent, spec) : agent);
  }

  reaped(address: ActorAddress, exitcode: number): void {
    const key = this.#bridge.keyOf(address.status);
    if (key === undefined) return;
    for (const agent of this.#agents.values()) {
      if (agent.block !== 0) this.#send(agent, { t: "reaped", sid: this.sid, key, exitcode });
    }
  }

  command(worker: RemoteWorker, command: HostCommand): void {
    let wire: unknown;
    try {
      wire = this.#wireCommand(worker, command);
    } catch (error) {
      if (command.type !== "init") throw error;
      // The start cannot cross (an argument that stays on this machine): it fails, as any start.
      queueMicrotask(() => worker.fail(error as Error, true));
      return;
    }
    const sid = this.sid;
    const pid = worker.pid;
    const message: ToAgent = command.type === "init"
      ? {
        t: "host",
        sid,
        pid,
        block: worker.agent.block,
        digests: digestsOf(command.spec),
        init: wire,
      }
      : { t: "command", sid, pid, command: wire };
    this.#send(worker.agent, message);
  }

  terminate(worker: RemoteWorker): void {
    this.#send(worker.agent, { t: "terminate", sid: this.sid, pid: worker.pid });
  }

  /** Ends the session: its agents end its actors, whose workers exit here at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const agent of this.#agents.values()) {
      if (agent.block !== 0) this.#send(agent, { t: "end", sid: this.sid });
    }
    for (const timer of this.#timers) clearInterval(timer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const worker of [...this.#workers.values()]) {
      worker.fail(new AgentLostError(`Agent "${worker.agent.name}": the context was closed`), true);
    }
    this.#bridge.closeAll();
  }

  #assertOpen(spec: ActorSpec): void {
    if (this.#closed) {
      throw new SpawnError(
        `Cannot start process "${spec.name}" on an agent: its NATS context was closed`,
      );
    }
  }

  #agentFor(placement: Exclude<Placement, "local">, spec: ActorSpec): AgentRecord {
    if (placement === "any" || placement.agent === undefined) {
      const agents = [...this.#agents.values()].filter((agent) => !agent.solo);
      if (agents.length === 0) {
        throw new SpawnError(
          `Cannot start process "${spec.name}" on any agent: no agent is live in the cluster; ` +
            "start one with deno task agent -- --servers <url>, or await ctx.agents({ atLeast: 1 })",
        );
      }
      return agents[this.#turn++ % agents.length];
    }
    const agent = this.#agents.get(placement.agent);
    if (agent === undefined) {
      throw new SpawnError(
        `Cannot start process "${spec.name}" on agent "${placement.agent}": no such agent is ` +
          `live (live: ${[...this.#agents.keys()].join(", ") || "none"})`,
      );
    }
    return agent;
  }

  /**
   * A solo agent for `spec`, started by `host` in a process of its own: messages for it wait
   * until it beats (a Deno start, about half a second), and it counts as live meanwhile.
   */
  #fork(host: AgentRecord, spec: ActorSpec): AgentRecord {
    const name = `${host.name}-p${spec.pid}`;
    const agent: AgentRecord = {
      name,
      lastSeen: performance.now() + FORK_GRACE_MS,
      block: 0,
      workers: new Set(),
      hostname: host.hostname,
      osPid: 0,
      actors: 0,
      solo: true,
      host,
      pending: [],
    };
    this.#agents.set(name, agent);
    this.#send(host, { t: "fork", sid: this.sid, name });
    return agent;
  }

  #host(spec: ActorSpec, agent: AgentRecord): RemoteWorker {
    if (agent.block === 0) {
      if (this.#blocks === MAX_BLOCKS) {
        throw new SpawnError(
          `Cannot start process "${spec.name}" on agent "${agent.name}": one program can use ` +
            `at most ${MAX_BLOCKS} agents`,
        );
      }
      agent.block = ++this.#blocks;
    }
    const worker = new RemoteWorker(this, agent, spec.pid, spec.mailbox);
    agent.workers.add(worker);
    this.#workers.set(spec.pid, worker);
    worker.once("exit", () => {
      agent.workers.delete(worker);
      this.#workers.delete(worker.pid);
      this.#bridge.close(worker.pid);
    });
    return worker;
  }

  /** A host command in wire form: ports relayed with the words their mail counts in. */
  #wireCommand(worker: RemoteWorker, command: HostCommand): unknown {
    const bridge = this.#bridge;
    const node = worker.agent.name;
    const own = worker.mailbox;
    const relayed = (port: MessagePort, words: PortWords) => new Map([[port, words]]);
    switch (command.type) {
      case "init": {
        const spec = command.spec;
        const user = { ...spec, args: bridge.user(spec.args), fields: bridge.user(spec.fields) };
        const ports = relayed(spec.mailPort, {
          consumer: spec.mailbox,
          partner: spec.parentMailbox,
        });
        return bridge.kernel({ ...command, spec: user }, node, worker.pid, ports);
      }
      case "peer":
        return bridge.kernel(
          command,
          node,
          worker.pid,
          relayed(command.port, { consumer: own, partner: command.mailbox }),
        );
      case "answer": {
        if (!command.ok || !worker.connects.delete(command.id)) {
          return bridge.kernel(command, node, worker.pid);
        }
        const link = command.value as PeerLink;
        return bridge.kernel(
          command,
          node,
          worker.pid,
          relayed(link.port, { consumer: own, partner: link.mailbox }),
        );
      }
      case "childStarted":
        return command.ack === undefined ? command : {
          ...command,
          ack: { ...command.ack, value: bridge.user(command.ack.value) },
        };
      default:
        return bridge.kernel(command, node, worker.pid);
    }
  }

  #send(agent: AgentRecord, message: ToAgent): void {
    if (agent.pending !== null) return void agent.pending.push(message);
    this.#transport.publish(this.#subjects.toAgent(agent.name), pack(message));
  }

  #beat(beat: AgentBeat): void {
    let agent = this.#agents.get(beat.name);
    if (agent === undefined) {
      agent = {
        name: beat.name,
        lastSeen: 0,
        block: 0,
        workers: new Set(),
        hostname: beat.hostname,
        osPid: beat.osPid,
        actors: 0,
        solo: beat.solo,
        host: null as unknown as AgentRecord,
        pending: null,
      };
      agent.host = agent;
      this.#agents.set(beat.name, agent);
      for (const arrived of [...this.#arrivals]) arrived();
    }
    agent.lastSeen = performance.now();
    agent.actors = beat.actors;
    agent.osPid = beat.osPid;
    const pending = agent.pending;
    if (pending !== null) {
      agent.pending = null;
      for (const message of pending) this.#send(agent, message as ToAgent);
    }
  }

  #sweep(): void {
    const now = performance.now();
    for (const agent of [...this.#agents.values()]) {
      const silent = now - agent.lastSeen;
      if (silent > this.#liveness.deadAfterMs) {
        this.#lose(agent, `no heartbeat for ${Math.round(silent)} ms`);
      }
    }
  }

  /**
   * Every agent is lost: mail to and from them may have been lost with the connection, so their
   * actors count as dead (as Erlang's `noconnection`), and the agents, which lost it too, end
   * them. Agents beat again once the connection is back.
   */
  #loseAll(why: string): void {
    for (const agent of [...this.#agents.values()]) this.#lose(agent, why);
  }

  #lose(agent: AgentRecord, why: string): void {
    this.#agents.delete(agent.name);
    const error = new AgentLostError(
      `Agent "${agent.name}" (${agent.hostname}, pid ${agent.osPid}) was lost: ${why}`,
    );
    for (const worker of [...agent.workers]) worker.fail(error, true);
  }

  #hear(message: ToSession): void {
    // Any word from an agent says it is alive, as its beats do (a beat can wait behind work).
    const sender = this.#agents.get(message.agent);
    if (sender !== undefined && sender.pending === null) sender.lastSeen = performance.now();
    if (message.t === "port") {
      return this.#bridge.deliver(message.key, message.envelope, message.agent);
    }
    if (message.t === "forkFailed") {
      const agent = this.#agents.get(message.name);
      this.#agents.delete(message.name);
      const error = deserializeError(message.error);
      for (const worker of [...agent?.workers ?? []]) worker.fail(error, true);
      return;
    }
    const worker = this.#workers.get(message.pid);
    if (worker === undefined) return;
    switch (message.t) {
      case "report": {
        const report = this.#bridge.revive(
          message.report,
          worker.agent.name,
          worker.pid,
        ) as HostReport;
        if (report.type === "call" && report.request.type === "connect") {
          worker.connects.add(report.id);
        }
        return worker.report(report);
      }
      case "error":
        return worker.fail(deserializeError(message.error), false);
      case "exit":
        return worker.exit();
      default: {
        const unknown: never = message;
        throw new TypeError(`Unknown message from an agent: ${JSON.stringify(unknown)}`);
      }
    }
  }
}
