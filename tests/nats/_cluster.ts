/**
 * A NATS cluster for a test or a bench: a private server and agents, each agent a `deno run` of
 * `actors/nats/agent_main.ts` (an OS process the test can SIGKILL), all stopped by pid.
 * Tests give the agents {@linkcode LIVENESS}; a bench may keep the agent's defaults.
 */
import { type NatsServer, startNatsServer } from "./_server.ts";

export { natsTest } from "./_server.ts";

const AGENT_MAIN = new URL("../../actors/nats/agent_main.ts", import.meta.url).pathname;

/** How often an agent beats, and after how much silence it ends a program's actors. */
export interface Liveness {
  heartbeatMs: number;
  deadAfterMs: number;
}

/** Heartbeats of test clusters: 100 ms, lost after 1.5 s of silence (the machine may be busy). */
export const LIVENESS: Liveness = { heartbeatMs: 100, deadAfterMs: 1500 };

/** An agent's OS process. */
export class AgentProcess {
  readonly name: string;
  readonly #child: Deno.ChildProcess;
  #output = "";
  #done: Promise<Deno.CommandStatus>;

  constructor(name: string, child: Deno.ChildProcess) {
    this.name = name;
    this.#child = child;
    this.#done = child.status;
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** What the agent printed (its actors' output too). */
  get output(): string {
    return this.#output;
  }

  /** Reads the agent's output until it says it is ready. */
  async ready(): Promise<void> {
    const decoder = new TextDecoder();
    const reader = this.#child.stdout.getReader();
    while (!this.#output.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`agent ${this.name} ended before it was ready:\n${this.#output}`);
      this.#output += decoder.decode(value);
    }
    // Keep draining, so the agent never blocks on a full pipe.
    void (async () => {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        this.#output += decoder.decode(value);
      }
    })();
  }

  /** Kills the agent with `signal` (SIGKILL: no goodbye) and waits for it to end. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    try {
      this.#child.kill(signal);
    } catch {
      // It ended already.
    }
    await this.#done;
  }
}

/** A server and its agents. */
export interface Cluster extends AsyncDisposable {
  readonly server: NatsServer;
  readonly cluster: string;
  readonly agents: AgentProcess[];
  /** Starts one more agent. */
  startAgent(name: string): Promise<AgentProcess>;
}

let clusters = 0;

/**
 * Starts a server and agents named `names`, on a cluster name of their own. The agents get the
 * `liveness` fields given; without one, an agent keeps its own default (a bench measures those).
 */
export async function startCluster(
  names: string[],
  liveness: Partial<Liveness> = LIVENESS,
): Promise<Cluster> {
  const server = await startNatsServer();
  const cluster = `test${Deno.pid}x${++clusters}`;
  const agents: AgentProcess[] = [];
  const livenessFlags = [
    ...(liveness.heartbeatMs === undefined ? [] : ["--heartbeat-ms", `${liveness.heartbeatMs}`]),
    ...(liveness.deadAfterMs === undefined ? [] : ["--dead-after-ms", `${liveness.deadAfterMs}`]),
  ];
  const startAgent = async (name: string) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        AGENT_MAIN,
        "--servers",
        server.url,
        "--name",
        name,
        "--cluster",
        cluster,
        ...livenessFlags,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const agent = new AgentProcess(name, child);
    agents.push(agent);
    await agent.ready();
    return agent;
  };
  try {
    await Promise.all(names.map(startAgent));
  } catch (error) {
    await Promise.all(agents.map((agent) => agent.kill()));
    await server.stop();
    throw error;
  }
  return {
    server,
    cluster,
    agents,
    startAgent,
    async [Symbol.asyncDispose]() {
      await Promise.all(agents.map((agent) => agent.kill("SIGTERM")));
      await server.stop();
    },
  };
}
