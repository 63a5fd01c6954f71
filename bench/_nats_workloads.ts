/**
 * The NATS side of bench:compare: a private nats-server and an agent (`tests/nats/_cluster.ts`,
 * OS processes stopped by pid), a NATS context on them, and what only a cluster can measure.
 * Agents and context keep their default liveness (heartbeats every 100 ms, an agent lost after
 * 1500 ms of silence), so the failure-detection figure is the one a user gets.
 */
import { getContext, monitor, type NatsContext, spawn } from "../mod.ts";
import { type Cluster, startCluster } from "../tests/nats/_cluster.ts";
import { natsServerPath } from "../tests/nats/_server.ts";
import { exitOnMessage } from "./_actor_workloads.ts";

/** What a NATS line prints instead of a figure when it cannot run, or null when it can. */
export const natsUnavailable: string | null = natsServerPath === null
  ? "n/a (nats-server not installed)"
  : null;

/** The agent the workloads place their actors on. */
export const AGENT = "bench-agent";

/** A running cluster of one agent and the context on it. */
export interface NatsBench extends AsyncDisposable {
  readonly cluster: Cluster;
  readonly context: NatsContext;
}

/** Starts the server and the agent and opens the context; everything stops on dispose. */
export async function startNatsBench(): Promise<NatsBench> {
  const cluster = await startCluster([AGENT], {});
  let context: NatsContext;
  try {
    context = await getContext("nats", { servers: cluster.server.url, cluster: cluster.cluster });
    await context.agents({ atLeast: 1 });
  } catch (error) {
    await cluster[Symbol.asyncDispose]();
    throw error;
  }
  return {
    cluster,
    context,
    async [Symbol.asyncDispose]() {
      try {
        await context.close();
      } finally {
        await cluster[Symbol.asyncDispose]();
      }
    },
  };
}

let victims = 0;

/**
 * Milliseconds from SIGKILLing the agent that hosts an actor (in a Worker) until a monitor on
 * the actor resolves: the plane's silence limit (`deadAfterMs`) and its sweep. Each sample
 * starts an agent of its own to kill.
 */
export async function agentKillToMonitorMs({ cluster, context }: NatsBench): Promise<number> {
  const name = `bench-victim-${++victims}`;
  const victim = await cluster.startAgent(name);
  while (!(await context.agents()).some((agent) => agent.name === name)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Never sent its message: it waits until its agent dies.
  const actor = await spawn(exitOnMessage, [], { placement: { agent: name } });
  const down = monitor(actor.ref);
  const started = performance.now();
  await victim.kill("SIGKILL");
  await down;
  const elapsed = performance.now() - started;
  await actor.join();
  return elapsed;
}
