/**
 * deno bench for the synchronization primitives: uncontended lock (synchronous and awaited) and
 * RLock, lock contended by two actors, and Event wake-up latency.
 *
 * Run: deno task bench
 */
import { RLock } from "../mod.ts";
import {
  contendedLockNs,
  eventRoundTripUs,
  uncontendedAwaitedLockNs,
  uncontendedLockNs,
} from "./_sync_workloads.ts";

Deno.bench({
  name: "Lock acquireSync + release, uncontended x100k",
  group: "lock",
  baseline: true,
  fn() {
    uncontendedLockNs(100_000);
  },
});

Deno.bench({
  name: "Lock await acquire() + release, uncontended x100k",
  group: "lock",
  async fn() {
    await uncontendedAwaitedLockNs(100_000);
  },
});

Deno.bench({
  name: "RLock acquireSync + release, uncontended x100k",
  group: "lock",
  fn() {
    uncontendedLockNs(100_000, new RLock());
  },
});

Deno.bench({
  name: "Lock acquire + release, 2 actors contending x2x100k",
  group: "lock",
  n: 10,
  warmup: 2,
  async fn() {
    await contendedLockNs(100_000);
  },
});

Deno.bench({
  name: "Event set -> wake -> set -> wake round trip x200",
  n: 20,
  warmup: 2,
  async fn() {
    await eventRoundTripUs(200);
  },
});
