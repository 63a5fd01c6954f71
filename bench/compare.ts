/**
 * Side-by-side comparison with Python's multiprocessing: each workload runs here and in
 * `bench/python_bench.py` (the machine's python3), with warm-up and medians, and the table
 * prints how many times faster (or slower) this framework is.
 *
 * Run: deno task bench:compare
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
    async measure() {
      const echo = await mailboxEcho();
      try {
        return await sample(
          async () => (await echo.roundTrips(ROUND_TRIPS)) / ROUND_TRIPS * 1000,
          5,
          1,
        );
      } finally {
        await echo.stop();
      }
    },
    python: { Pipe: "pipe_round_trip" },
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

function ratioText(ours: number, theirs: number, unit: Workload["unit"]): string {
  const speedup = unit.endsWith("/s") ? ours / theirs : theirs / ours;
  return speedup >= 1 ? `${speedup.toFixed(2)}x faster` : `${(1 / speedup).toFixed(2)}x slower`;
}

if (import.meta.main) {
  const python = await runPython(workloads.flatMap((workload) => Object.values(workload.python)));
  const piscina = await runPiscina(workloads.flatMap((workload) => workload.piscina ?? []));
  pool = await pool2();
  console.log("Ratios say how this framework compares with Python on the same machine.\n");
  for (const workload of workloads) {
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
    console.log();
  }
  await pool.stop();
}
