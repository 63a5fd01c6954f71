/**
 * Side-by-side comparison with Python's multiprocessing: each workload runs here and in
 * `bench/python_bench.py` (the machine's python3), with warm-up and medians, and the table
 * prints how many times faster (or slower) this framework is.
 *
 * Run: deno task bench:compare
 * Add a workload: a `Workload` entry below, and the same name(s) in python_bench.py.
 */
import { mailboxEcho, spawnJoin, startAfterIdle } from "./_process_workloads.ts";
import { contendedLockNs, eventRoundTripUs, uncontendedLockNs } from "./_sync_workloads.ts";
import { pipeRoundTripUs, queueItemsPerSecond } from "./_channel_workloads.ts";

/** One measured quantity: a duration per operation (lower is better) or a rate (higher is). */
interface Workload {
  /** What is measured. */
  title: string;
  /** The unit of both sides' numbers. */
  unit: "ms" | "us" | "ns" | "items/s";
  /** Median of our side. */
  measure(): Promise<number>;
  /** Python workloads (from python_bench.py) to compare with, labelled. */
  python: Record<string, string>;
}

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
    title: "Queue throughput of small items, producer actor -> consumer actor",
    unit: "items/s",
    measure: () => sample(() => queueItemsPerSecond(), 3, 1),
    python: { Queue: "queue_throughput" },
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
];

async function runPython(names: string[]): Promise<Record<string, number>> {
  const script = new URL("./python_bench.py", import.meta.url).pathname;
  const output = await new Deno.Command("python3", { args: [script, ...names], stderr: "inherit" })
    .output();
  if (!output.success) throw new Error(`python3 ${script} failed with code ${output.code}`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

function ratioText(ours: number, theirs: number, unit: Workload["unit"]): string {
  const speedup = unit === "items/s" ? ours / theirs : theirs / ours;
  return speedup >= 1 ? `${speedup.toFixed(2)}x faster` : `${(1 / speedup).toFixed(2)}x slower`;
}

if (import.meta.main) {
  const python = await runPython(workloads.flatMap((workload) => Object.values(workload.python)));
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
    console.log();
  }
}
