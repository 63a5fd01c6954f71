// The piscina side of `deno task bench:compare` (run with Node): the pool workloads with piscina.
// Usage: node bench/piscina/piscina_bench.mjs WORKLOAD [WORKLOAD ...]
// Prints one JSON object: {workload: median value}, in the unit compare.ts names for it.
import { Piscina } from "piscina";

const pool = new Piscina({
  filename: new URL("./square_worker.mjs", import.meta.url).href,
  minThreads: 2,
  maxThreads: 2,
});

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function sample(run, repeats = 5, warmup = 2) {
  const samples = [];
  for (let index = 0; index < warmup + repeats; index++) {
    const value = await run();
    if (index >= warmup) samples.push(value);
  }
  return median(samples);
}

/** Tasks per second for `count` tasks submitted at once. */
async function runMany(count) {
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => pool.run(i)));
  return count / ((performance.now() - started) / 1000);
}

/** Microseconds per `run` awaited one at a time. */
async function roundTrip(count = 2000) {
  const started = performance.now();
  for (let i = 0; i < count; i++) await pool.run(i);
  return (performance.now() - started) / count * 1000;
}

const WORKLOADS = {
  pool_map_tiny: () => sample(() => runMany(100_000), 3, 1),
  pool_apply_async_tiny: () => sample(() => runMany(10_000)),
  pool_map_chunk1: () => sample(() => runMany(10_000)),
  pool_apply_round_trip: () => sample(() => roundTrip(), 5, 1),
};

const results = {};
for (const name of process.argv.slice(2)) results[name] = await WORKLOADS[name]();
console.log(JSON.stringify(results));
await pool.destroy();
