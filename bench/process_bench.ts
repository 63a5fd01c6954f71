/**
 * deno bench for processes: spawn+join, start after idle time, and a mailbox round trip and an
 * ask/reply round trip against a bare Worker postMessage round trip (the baseline).
 *
 * Run: deno task bench
 */
import { mailboxEcho, rawEcho, spawnJoin, startAfterIdle } from "./_process_workloads.ts";
import { askEcho } from "./_actor_workloads.ts";

const ROUND_TRIPS = 200;
const mailbox = await mailboxEcho();
const raw = rawEcho();
const asker = await askEcho();

Deno.bench({
  name: `raw Worker postMessage x${ROUND_TRIPS}`,
  group: "round trip",
  baseline: true,
  warmup: 5,
  n: 50,
  async fn() {
    await raw.roundTrips(ROUND_TRIPS);
  },
});

Deno.bench({
  name: `mailbox send/receive x${ROUND_TRIPS}`,
  group: "round trip",
  warmup: 5,
  n: 50,
  async fn() {
    await mailbox.roundTrips(ROUND_TRIPS);
  },
});

Deno.bench({
  name: `ask/reply x${ROUND_TRIPS}`,
  group: "round trip",
  warmup: 5,
  n: 50,
  async fn() {
    await asker.roundTrips(ROUND_TRIPS);
  },
});

Deno.bench({
  name: "spawn + start + join, back to back",
  group: "process start",
  baseline: true,
  warmup: 3,
  n: 20,
  async fn() {
    await spawnJoin();
  },
});

Deno.bench({
  name: "start() to running, after idle time (warm standby)",
  group: "process start",
  warmup: 2,
  n: 15,
  async fn(context) {
    await startAfterIdle(context);
  },
});

globalThis.addEventListener("unload", () => {
  void mailbox.stop();
  void raw.stop();
  void asker.stop();
});
