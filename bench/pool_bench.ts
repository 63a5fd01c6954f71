/**
 * deno bench for the pool: map of 100,000 tiny tasks, 10,000 applyAsync, map with chunksize 1,
 * and one apply round trip against a bare Worker postMessage round trip (the baseline).
 *
 * Run: deno task bench
 */
import { rawEcho } from "./_process_workloads.ts";
import { DISPATCH_TASKS, MAP_TASKS, pool2 } from "./_pool_workloads.ts";

const ROUND_TRIPS = 200;
const pool = await pool2();
const raw = rawEcho();

Deno.bench({
  name: `Pool(2).map of ${MAP_TASKS} tiny tasks`,
  group: "pool throughput",
  baseline: true,
  warmup: 3,
  n: 20,
  async fn() {
    await pool.mapTinyPerSecond();
  },
});

Deno.bench({
  name: `${DISPATCH_TASKS} applyAsync, then get()`,
  group: "pool dispatch",
  baseline: true,
  warmup: 3,
  n: 20,
  async fn() {
    await pool.applyAsyncPerSecond();
  },
});

Deno.bench({
  name: `map of ${DISPATCH_TASKS} tasks, chunksize 1`,
  group: "pool dispatch",
  warmup: 3,
  n: 20,
  async fn() {
    await pool.mapChunk1PerSecond();
  },
});

Deno.bench({
  name: `raw Worker postMessage x${ROUND_TRIPS}`,
  group: "pool round trip",
  baseline: true,
  warmup: 5,
  n: 50,
  async fn() {
    await raw.roundTrips(ROUND_TRIPS);
  },
});

Deno.bench({
  name: `pool.apply x${ROUND_TRIPS}`,
  group: "pool round trip",
  warmup: 5,
  n: 50,
  async fn() {
    await pool.applyRoundTripUs(ROUND_TRIPS);
  },
});

globalThis.addEventListener("unload", () => {
  void pool.stop();
  void raw.stop();
});
