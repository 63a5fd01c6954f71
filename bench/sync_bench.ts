/**
 * deno bench for the synchronization primitives: uncontended lock (synchronous and awaited) and
 * RLock, Value add and string Value set + read, lock contended by two actors, and Event wake-up
 * latency.
 *
 * Run: deno task bench
 */
import { RLock, Value } from "../mod.ts";
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

const counter = new Value("i32", 0, { lock: false });

Deno.bench({
  name: "Value add, uncontended x100k",
  group: "value",
  baseline: true,
  fn() {
    for (let i = 0; i < 100_000; i++) counter.add(1);
  },
});

const text = new Value("string", "", { size: 64 });

Deno.bench({
  name: 'Value("string") set + read of 60 bytes x10k',
  group: "value",
  fn() {
    for (let i = 0; i < 10_000; i++) {
      text.value = i % 2 === 0 ? "a".repeat(60) : "b".repeat(60);
      if (text.value.length !== 60) throw new Error("torn");
    }
  },
});

Deno.bench({
  name: "Lock acquire + release, 2 actors contending x2x100k",
  group: "lock",
  n: 10,
  warmup: 2,
  async fn(b) {
    await contendedLockNs(100_000, b);
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
