/**
 * What the context library needs of the NATS context, in a module free of the NATS client: the
 * context library refers to these types, and loads the NATS context itself only on demand.
 *
 * @module
 */
import type { Placement } from "../placement.ts";

/** An agent of a NATS context, as `ctx.agents()` lists it. */
export interface AgentInfo {
  /** Its name (`--name`), what `placement: { agent }` names. */
  name: string;
  /** Its machine's host name. */
  hostname: string;
  /** The agent's OS process id. */
  pid: number;
  /** The actors it hosts, for every program. */
  actors: number;
  /** A solo agent: the process of one actor placed with `isolation: "process"`. */
  solo: boolean;
}

/** Options of a NATS context: `getContext("nats", options)`. */
export interface NatsContextOptions {
  /** The NATS servers, `nats://host:port` or `host:port`, one or several. */
  servers: string | string[];
  /** The connection's name, as NATS monitoring shows it. */
  name?: string;
  /** A NATS `.creds` file (a user JWT and its nkey seed). */
  credentials?: string;
  /**
   * The namespace of the cluster on the server (subjects `mp.<cluster>.…`): agents and programs
   * of one cluster see each other.
   *
   * @default {"default"}
   */
  cluster?: string;
  /**
   * How long connecting may take, in ms.
   *
   * @default {5000}
   */
  timeout?: number;
  /**
   * How often the program and the agents say they are alive, in ms.
   *
   * @default {100}
   */
  heartbeatMs?: number;
  /**
   * How long a silence means the other side is gone, in ms: an agent silent this long is lost
   * (its actors exit with `AgentLostError`), and agents end the actors of a program silent
   * this long.
   *
   * @default {1500}
   */
  deadAfterMs?: number;
}

/** What the context library builds a NATS context from. */
export interface NatsPlacement {
  readonly kind: "nats";
  readonly placement: Placement;
  /** This context's placement becomes (or, with false, stops being) the program's default. */
  becomeDefault(isDefault: boolean): void;
  /** The live agents; with `atLeast`, waits up to `timeout` ms for that many. */
  agents(options?: { atLeast?: number; timeout?: number }): Promise<AgentInfo[]>;
  close(): Promise<void>;
}
