/**
 * Side-by-side comparison with Python's multiprocessing: each workload runs here and in
 * `bench/python_bench.py` (the machine's python3), with warm-up and medians, and the table
 * prints how many times faster (or slower) this framework is. Where a workload has a NATS side,
 * it also runs on an agent of a private nats-server (started for that workload, stopped after
 * it), and the line gives its cost as a multiple of the local figure.
 *
 * Run: deno task bench:compare [WORD...] (only the workloads whose titles hold a WORD)
 * Add a workload: a `Workload` entry below, and the same name(s) in python_bench.py.
 */
import {
  bareStartJoin,
  bareStartJoinMany,
  mailboxEcho,
  MANY,
  spawnJoin,
  startAfterIdle,
  startJoinMany,
} from "./_process_workloads.ts";
import { contendedLockNs, eventRoundTripUs, uncontendedLockNs } from "./_sync_workloads.ts";
import { pipeBytesPerSecond, pipeRoundTripUs, queueItemsPerSecond } from "./_channel_workloads.ts";
import { dictSetGetPipelined, dictSetGetSequential } from "./_manager_workloads.ts";
import { pool2, poolCreateFirstMapMs } from "./_pool_workloads.ts";
import { askEcho, exitToMonitorMs } from "./_actor_workloads.ts";
import {
  AGENT,
  agentKillToMonitorMs,
  type NatsBench,
  natsUnavailable,
  startNatsBench,
} from "./_nats_workloads.ts";
import type { Placement } from "../mod.ts";

/** One measured quantity: a duration per operation (lower is better) or a rate (higher is). */
interface Workload {
  /** What is measured. */
  title: string;
  /** The unit of both sides' numbers. */
  unit: "ms" | "us" | "ns" | "items/s" | "ops/s";
  /** Median of our side. */
  measure(): Promise<number>;
  /** Python workloads (from python_bench.py) to compare with, labelled. */
  python: Record<string, string>;
  /** The same workload with piscina on Node (bench/piscina/piscina_bench.mjs), if any. */
  piscina?: string;
  /** The raw Deno limit: the same workload on bare Workers, measured here in the same run. */
  deno?: Record<string, () => Promise<number>>;
  /** The same workload on a NATS agent, measured here in the same run, labelled. */
  nats?: Record<string, (nats: NatsBench) => Promise<number>>;
}

/** The pool workloads share one warm pool of 2 workers, started with the table. */
let pool: Awaited<ReturnType<typeof pool2>>;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function sample(run: () => Promise<number>, repeats: number, warmup: number) {
  const samples: number[] = [];
  for (let index = 0; index < warmup + repeats; index++) {
    const value = await run();
    if (index >= warmup) samples.push(value);
  }
  return median(samples);
}

const ROUND_TRIPS = 2000;
/** Fewer for the NATS rows: each ask there crosses the server twice. */
const NATS_ROUND_TRIPS = 500;

const IN_AGENT_WORKER: Placement = { agent: AGENT };
const IN_AGENT_PROCESS: Placement = { agent: AGENT, isolation: "process" };

/** Microseconds per round trip through an echo (median of 5 runs of `count`), then stops it. */
async function roundTripUs(
  starting: ReturnType<typeof askEcho | typeof mailboxEcho>,
  count: number,
): Promise<number> {
  const echo = await starting;
  try {
    return await sample(async () => (await echo.roundTrips(count)) / count * 1000, 5, 1);
  } finally {
    await echo.stop();
  }
}

const workloads: Workload[] = [
  {
    title: "spawn + start + join of an empty process, back to back",
    unit: "ms",
    measure: () => sample(spawnJoin, 15, 3),
    python: {
      fork: "spawn_join_fork",
      forkserver: "spawn_join_forkserver",
      spawn: "spawn_join_spawn",
    },
    deno: {
      "bare web Worker": () => sample(() => bareStartJoin("web"), 15, 3),
      "bare node:worker_threads Worker": () => sample(() => bareStartJoin("node"), 15, 3),
    },
    nats: {
      "on an agent, in a Worker": () => sample(() => spawnJoin(IN_AGENT_WORKER), 15, 3),
      "on an agent, isolation: process": () => sample(() => spawnJoin(IN_AGENT_PROCESS), 7, 2),
    },
  },
  {
    title: "start() until the target runs, after idle time",
    unit: "ms",
    measure: () => sample(() => startAfterIdle(), 12, 2),
    python: {
      fork: "start_to_running_fork",
      forkserver: "start_to_running_forkserver",
      spawn: "start_to_running_spawn",
    },
  },
  {
    title: "message round trip parent -> child -> parent (mailbox vs Pipe)",
    unit: "us",
    measure: () => roundTripUs(mailboxEcho(), ROUND_TRIPS),
    python: { Pipe: "pipe_round_trip" },
  },
  {
    title: "one ask round trip to an actor, awaited one at a time (ask/reply vs Pipe)",
    unit: "us",
    measure: () => roundTripUs(askEcho(), ROUND_TRIPS),
    python: { Pipe: "pipe_round_trip" },
    nats: {
      "to an actor on an agent, in a Worker": () =>
        roundTripUs(askEcho({ placement: IN_AGENT_WORKER }), NATS_ROUND_TRIPS),
      "to an actor on an agent, isolation: process": () =>
        roundTripUs(askEcho({ placement: IN_AGENT_PROCESS }), NATS_ROUND_TRIPS),
    },
  },
  {
    title: "an actor's death until its monitor fires (local: it calls Deno.exit(1) on a message; " +
      "NATS: its agent is SIGKILLed, heartbeatMs 100, deadAfterMs 1500, the defaults)",
    unit: "ms",
    measure: () => sample(exitToMonitorMs, 9, 2),
    python: {},
    nats: {
      "actor in a Worker of a SIGKILLed agent": (nats) =>
        sample(() => agentKillToMonitorMs(nats), 5, 1),
    },
  },
  {
    title: "Pipe round trip parent -> child -> parent (shared-memory Pipe vs Pipe)",
    unit: "us",
    measure: () => sample(() => pipeRoundTripUs(), 3, 1),
    python: { Pipe: "pipe_round_trip" },
  },
  {
    title: "Queue throughput of small items (numbers), producer actor -> consumer actor",
    unit: "items/s",
    measure: () => sample(() => queueItemsPerSecond(), 3, 1),
    python: { Queue: "queue_throughput" },
  },
  {
    title: "Queue throughput of short strings, producer actor -> consumer actor",
    unit: "items/s",
    measure: () => sample(() => queueItemsPerSecond(200_000, "string"), 3, 1),
    python: { Queue: "queue_throughput_string" },
  },
  {
    title: "Queue throughput of small objects, producer actor -> consumer actor",
    unit: "items/s",
    measure: () => sample(() => queueItemsPerSecond(200_000, "object"), 3, 1),
    python: { Queue: "queue_throughput_object" },
  },
  {
    title:
      "64 KiB binary messages through a Pipe (sendBytes; raw postMessage: see deno task bench)",
    unit: "ops/s",
    measure: () => sample(() => pipeBytesPerSecond(), 3, 1),
    python: { send_bytes: "pipe_bytes_64k" },
  },
  {
    title: "Lock acquire + release, uncontended (per operation)",
    unit: "ns",
    measure: () => sample(() => Promise.resolve(uncontendedLockNs()), 3, 1),
    python: { Lock: "lock_uncontended" },
  },
  {
    title: "Lock acquire + release, 2 actors contending (per operation, all counted)",
    unit: "ns",
    measure: () => sample(() => contendedLockNs(), 3, 1),
    python: { Lock: "lock_contended" },
  },
  {
    title: "Event set -> wake round trip between two actors",
    unit: "us",
    measure: () => sample(() => eventRoundTripUs(), 3, 1),
    python: { Event: "event_round_trip" },
  },
  {
    title: "Manager dict set + get through a proxy, sequential (await each)",
    unit: "ops/s",
    measure: () => sample(() => dictSetGetSequential(), 3, 1),
    python: { "Manager().dict()": "manager_dict_set_get" },
  },
  {
    title: "Manager dict set + get through a proxy, pipelined (500 in flight)",
    unit: "ops/s",
    measure: () => sample(() => dictSetGetPipelined(), 3, 1),
    python: { "Manager().dict(), sequential": "manager_dict_set_get" },
  },
  {
    title:
      "Pool(2).map of 100,000 tiny tasks (x => x * x), default chunksize (piscina: run() each)",
    unit: "items/s",
    measure: () => sample(() => pool.mapTinyPerSecond(), 5, 2),
    python: { "Pool(2).map": "pool_map_tiny" },
    piscina: "pool_map_tiny",
  },
  {
    title: "10,000 applyAsync of tiny tasks, then get() each (piscina: run())",
    unit: "items/s",
    measure: () => sample(() => pool.applyAsyncPerSecond(), 5, 2),
    python: { apply_async: "pool_apply_async_tiny" },
    piscina: "pool_apply_async_tiny",
  },
  {
    title: "Pool(2).map of 10,000 tiny tasks, chunksize 1 (piscina: run())",
    unit: "items/s",
    measure: () => sample(() => pool.mapChunk1PerSecond(), 5, 2),
    python: { "map(chunksize=1)": "pool_map_chunk1" },
    piscina: "pool_map_chunk1",
  },
  {
    title: "Pool of 2 created after idle time, until its first map returns",
    unit: "ms",
    measure: () => sample(poolCreateFirstMapMs, 7, 2),
    python: { "Pool(2) + map": "pool_create_first_map" },
  },
  {
    title: "one apply round trip, awaited one at a time (raw postMessage: see deno task bench)",
    unit: "us",
    measure: () => sample(() => pool.applyRoundTripUs(), 5, 1),
    python: { apply: "pool_apply_round_trip" },
    piscina: "pool_apply_round_trip",
  },
  // Last: 100 workers at once leave the allocator and the GC busy for a while, which would
  // slow every row after it.
  {
    title: `${MANY} processes started at once, then all joined`,
    unit: "ms",
    measure: () => sample(() => startJoinMany(), 3, 1),
    python: {
      fork: "start_join_many_fork",
      forkserver: "start_join_many_forkserver",
      spawn: "start_join_many_spawn",
    },
    deno: {
      "bare web Workers": () => sample(() => bareStartJoinMany("web"), 3, 1),
      "bare node:worker_threads Workers": () => sample(() => bareStartJoinMany("node"), 3, 1),
    },
  },
];

/** Runs the piscina side with Node, or returns null if piscina is not installed under bench/. */
async function runPiscina(names: string[]): Promise<Record<string, number> | null> {
  const dir = new URL("./piscina/", import.meta.url);
  try {
    await Deno.stat(new URL("node_modules/piscina", dir));
  } catch {
    console.log("piscina is not installed: cd bench/piscina && npm install (rows skipped)\n");
    return null;
  }
  const script = new URL("piscina_bench.mjs", dir).pathname;
  const output = await new Deno.Command("node", { args: [script, ...names], stderr: "inherit" })
    .output();
  if (!output.success) throw new Error(`node ${script} failed with code ${output.code}`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

async function runPython(names: string[]): Promise<Record<string, number>> {
  const script = new URL("./python_bench.py", import.meta.url).pathname;
  const output = await new Deno.Command("python3", { args: [script, ...names], stderr: "inherit" })
    .output();
  if (!output.success) throw new Error(`python3 ${script} failed with code ${output.code}`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** How many times faster `ours` is than `theirs` (below 1: slower). */
function speedupOf(ours: number, theirs: number, unit: Workload["unit"]): number {
  return unit.endsWith("/s") ? ours / theirs : theirs / ours;
}

/** The cost of a NATS figure (`theirs`) as a multiple of the local one. */
function multipleText(ours: number, theirs: number, unit: Workload["unit"]): string {
  return `${speedupOf(ours, theirs, unit).toFixed(2)}x the local figure`;
}

/** Prints a workload's NATS lines, on a cluster started for them and stopped after. */
async function printNats(workload: Workload, ours: number): Promise<void> {
  const measures = Object.entries(workload.nats ?? {});
  if (measures.length === 0) return;
  if (natsUnavailable !== null) {
    for (const [label] of measures) console.log(`  NATS ${label}: ${natsUnavailable}`);
    return;
  }
  await using nats = await startNatsBench();
  for (const [label, measure] of measures) {
    const theirs = await measure(nats);
    console.log(
      `  NATS ${label}: ${theirs.toFixed(2)} ${workload.unit}  -> ${
        multipleText(ours, theirs, workload.unit)
      }`,
    );
  }
}

function ratioText(ours: number, theirs: number, unit: Workload["unit"]): string {
  const speedup = speedupOf(ours, theirs, unit);
  return speedup >= 1 ? `${speedup.toFixed(2)}x faster` : `${(1 / speedup).toFixed(2)}x slower`;
}

if (import.meta.main) {
  const chosen = Deno.args.length === 0
    ? workloads
    : workloads.filter((workload) => Deno.args.some((word) => workload.title.includes(word)));
  const python = await runPython(chosen.flatMap((workload) => Object.values(workload.python)));
  const piscina = await runPiscina(chosen.flatMap((workload) => workload.piscina ?? []));
  pool = await pool2();
  console.log("Ratios say how this framework compares with Python on the same machine.\n");
  for (const workload of chosen) {
    const ours = await workload.measure();
    console.log(`${workload.title}\n  ours: ${ours.toFixed(2)} ${workload.unit}`);
    for (const [label, name] of Object.entries(workload.python)) {
      const theirs = python[name];
      console.log(
        `  python ${label}: ${theirs.toFixed(2)} ${workload.unit}  -> ours is ${
          ratioText(ours, theirs, workload.unit)
        }`,
      );
    }
    for (const [label, measure] of Object.entries(workload.deno ?? {})) {
      const theirs = await measure();
      console.log(
        `  ${label}: ${theirs.toFixed(2)} ${workload.unit}  -> ours is ${
          ratioText(ours, theirs, workload.unit)
        }`,
      );
    }
    if (workload.piscina !== undefined && piscina !== null) {
      const theirs = piscina[workload.piscina];
      console.log(
        `  piscina (Node): ${theirs.toFixed(2)} ${workload.unit}  -> ours is ${
          ratioText(ours, theirs, workload.unit)
        }`,
      );
    }
    await printNats(workload, ours);
    console.log();
  }
  await pool.stop();
}
