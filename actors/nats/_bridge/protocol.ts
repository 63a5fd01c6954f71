/**
 * What a program (a session) and the agents that host its actors say to each other over NATS,
 * and on which subjects. Payloads are V8-serialized objects (structured clone's format), their
 * shared memory and ports already turned into keys by the bridge (`wire.ts`).
 *
 * Everything one side sends the other travels on one subject, so NATS keeps it in order: a
 * worker's `init` comes before the mail its relayed ports carry, and its reports before its
 * exit.
 *
 * @module
 */
import type { SerializedError } from "../../_kernel/wire_errors.ts";

/** The subjects of one cluster (a namespace on the server: `mp.<cluster>.…`). */
export class Subjects {
  readonly agentBeats: string;
  readonly sessionBeats: string;
  readonly discover: string;
  readonly #prefix: string;

  constructor(cluster: string) {
    this.#prefix = `mp.${cluster}`;
    this.agentBeats = `${this.#prefix}.hb.agent`;
    this.sessionBeats = `${this.#prefix}.hb.session`;
    this.discover = `${this.#prefix}.discover`;
  }

  /** Where agent `name` hears from sessions. */
  toAgent(name: string): string {
    return `${this.#prefix}.agent.${name}`;
  }

  /** Where session `sid` hears from agents. */
  toSession(sid: string): string {
    return `${this.#prefix}.session.${sid}`;
  }
}

/** A session -> agent message. */
export type ToAgent =
  /**
   * Start a worker for actor `pid` from `init` (a bridged `init` command). `block` numbers the
   * agent among the session's: the pids its actors hand out start at `block << PID_BLOCK_BITS`.
   * `digests` are the SHA-256 of the modules the worker will load, as the session has them.
   */
  | {
    t: "host";
    sid: string;
    pid: number;
    block: number;
    digests: Record<string, string>;
    init: unknown;
  }
  /** A host command for actor `pid`'s worker. */
  | { t: "command"; sid: string; pid: number; command: unknown }
  | { t: "terminate"; sid: string; pid: number }
  /** Mail a relay carries: see `Bridge.deliver`. */
  | { t: "port"; sid: string; key: string; envelope: Uint8Array }
  /** The actor whose status words have `key` was reaped with `exitcode`. */
  | { t: "reaped"; sid: string; key: string; exitcode: number }
  /** The session is over: end its actors. */
  | { t: "end"; sid: string }
  /**
   * Start a solo agent named `name` in an OS process of its own on this machine, for one actor
   * placed with `isolation: "process"` (and its children); the session hosts it there once the
   * new agent beats.
   */
  | { t: "fork"; sid: string; name: string };

/** An agent -> session message about actor `pid`'s worker, or relayed mail; `agent` sends it. */
export type ToSession =
  & { agent: string }
  & (
    | { t: "report"; pid: number; report: unknown }
    | { t: "error"; pid: number; error: SerializedError }
    | { t: "exit"; pid: number }
    | { t: "port"; key: string; envelope: Uint8Array }
    /** The solo agent `name` could not be started. */
    | { t: "forkFailed"; name: string; error: SerializedError }
  );

/** What an agent says of itself, several times a second. */
export interface AgentBeat {
  name: string;
  hostname: string;
  /** The agent's OS process id. */
  osPid: number;
  /** The actors it hosts now. */
  actors: number;
  /** A solo agent hosts one actor (and its children) in a process of its own, then ends. */
  solo: boolean;
}

/** A session's heartbeat: its id. */
export interface SessionBeat {
  sid: string;
}

/**
 * Pids stay unique across the machines of a session: the main program and its local actors
 * hand out pids below `2 ** PID_BLOCK_BITS`, the actors on the session's n-th agent from
 * `n << PID_BLOCK_BITS` (a lock word holds a pid below 2^30: 1023 agents of 1M pids each).
 */
export const PID_BLOCK_BITS = 20;

/** The most agents (solo ones included) one session can use. */
export const MAX_BLOCKS = 1023;

/** How often both sides beat, and how long a silence means the other side is gone. */
export interface Liveness {
  heartbeatMs: number;
  deadAfterMs: number;
}

/**
 * Defaults: a lost agent is found within about 1.5 s. Shorter silences happen without a death:
 * an agent's thread is blocked while it builds a Worker (0.14-0.6 s each on a busy 2-core
 * machine, longer for several at once), and a false loss ends live actors.
 */
export const DEFAULT_LIVENESS: Liveness = { heartbeatMs: 100, deadAfterMs: 1500 };
