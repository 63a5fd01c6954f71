import assert from "node:assert/strict";
import { BlockingError, Event, Lock, Process, ReleaseError, Value } from "../../mod.ts";
import * as targets from "../fixtures/sync_targets.ts";
import { delay, receiveMany } from "../_helpers.ts";

async function ticketRace(withLock: boolean): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/ticket.json`;
  await Deno.writeTextFile(file, JSON.stringify({ count: 3 }));
  const lock = withLock ? new Lock() : null;
  const go = new Event();
  const buyers = Array.from(
    { length: 5 },
    (_, i) => new Process({ target: targets.buyTicket, args: [file, `person${i}`, lock, go] }),
  );
  for (const p of buyers) await p.start();
  go.set();
  const outcomes = await receiveMany<string>(5);
  for (const p of buyers) await p.join();
  await Deno.remove(dir, { recursive: true });
  return outcomes;
}

Deno.test("the seeds' ticket race: without a lock everyone buys one of 3 tickets", async () => {
  const outcomes = await ticketRace(false);
  assert.equal(outcomes.filter((line) => line.endsWith("bought")).length, 5);
});

Deno.test("the seeds' ticket race: with a lock exactly 3 of 5 buyers get a ticket", async () => {
  const outcomes = await ticketRace(true);
  assert.equal(outcomes.filter((line) => line.endsWith("bought")).length, 3);
  assert.equal(outcomes.filter((line) => line.endsWith("found none")).length, 2);
});

Deno.test("4 actors x 100,000 increments of a shared Value under a Lock end at 400,000", async () => {
  const counter = new Value("i32", 0, { lock: false });
  const lock = new Lock();
  const workers = Array.from(
    { length: 4 },
    () => new Process({ target: targets.incrementUnderLock, args: [counter, lock, 100_000] }),
  );
  for (const p of workers) p.start();
  for (const p of workers) await p.join();
  assert.deepEqual(workers.map((p) => p.exitcode), [0, 0, 0, 0]);
  assert.equal(counter.value, 400_000);
  assert.equal(lock.locked(), false);
});

Deno.test("a holder terminated at random points 200 times never deadlocks the lock", async () => {
  const lock = new Lock();
  const inside = new Value("i32", 0, { lock: false });
  let recoveredFromDeadOwner = 0;
  for (let round = 0; round < 200; round++) {
    const holder = new Process({ target: targets.churnLock, args: [lock, inside] });
    await holder.start();
    await receiveMany(1);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    await (round % 2 === 0 ? holder.terminate() : holder.kill());
    assert.equal(await lock.acquire({ timeout: 10_000 }), true, `round ${round} deadlocked`);
    if (lock.ownerDied) {
      recoveredFromDeadOwner++;
      inside.value = 0;
    }
    assert.equal(inside.value, 0, "the previous owner died inside, and was reported");
    lock.release();
  }
  assert.ok(recoveredFromDeadOwner > 0, "some holder died holding the lock");
});

Deno.test("the next acquirer of a lock whose holder exited is told the owner died", async () => {
  const lock = new Lock();
  const holder = new Process({ target: targets.holdLock, args: [lock, 0, true] });
  await holder.start();
  await receiveMany(1);
  assert.equal(lock.locked(), true);
  assert.equal(await lock.acquire({ blocking: false }), false);
  await holder.terminate();
  assert.equal(await lock.acquire({ timeout: 5000 }), true);
  assert.equal(lock.ownerDied, true);
  lock.release();
  await lock.acquire();
  assert.equal(lock.ownerDied, false, "only the first acquirer after the death is told");
  lock.release();
});

Deno.test("acquire honours blocking: false and timeout; release of an unlocked lock throws", async () => {
  const lock = new Lock();
  assert.equal(await lock.acquire(), true);
  assert.equal(await lock.acquire({ blocking: false }), false);
  assert.equal(await lock.acquire({ timeout: 20 }), false);
  lock.release();
  assert.throws(() => lock.release(), (error: Error) => {
    assert.ok(error instanceof ReleaseError);
    assert.match(error.message, /Cannot release lock: it is not locked/);
    return true;
  });
  await assert.rejects(lock.acquire({ timeout: -1 }), RangeError);
});

Deno.test("a lock can be released by another actor than its holder, as in Python", async () => {
  const lock = new Lock();
  const holder = new Process({ target: targets.holdLock, args: [lock, 0, true] });
  await holder.start();
  await receiveMany(1);
  lock.release();
  assert.equal(lock.locked(), false);
  await holder.terminate();
});

Deno.test("using and withLock release on scope exit and on throw", async () => {
  const lock = new Lock();
  {
    using _ = await lock.lock();
    assert.equal(lock.locked(), true);
  }
  assert.equal(lock.locked(), false);
  await assert.rejects(
    lock.withLock(() => {
      throw new Error("inside");
    }),
    /inside/,
  );
  assert.equal(lock.locked(), false);
});

Deno.test("acquireSync on the main thread works uncontended and throws rather than block", () => {
  const lock = new Lock();
  assert.equal(lock.acquireSync(), true);
  assert.equal(lock.acquireSync({ blocking: false }), false);
  assert.throws(() => lock.acquireSync(), BlockingError);
  lock.release();
});

Deno.test("a release wakes a sleeping waiter at once, not at its next poll", async () => {
  const lock = new Lock();
  const latencies: number[] = [];
  for (let round = 0; round < 5; round++) {
    lock.acquireSync();
    let wokenAt = 0;
    const waiter = lock.acquire().then((taken) => {
      wokenAt = performance.now();
      return taken;
    });
    await delay(60); // asleep by now, its re-check poll grown to 20 ms
    const releasedAt = performance.now();
    lock.release();
    assert.equal(await waiter, true);
    latencies.push(wokenAt - releasedAt);
    lock.release();
  }
  const median = [...latencies].sort((a, b) => a - b)[2];
  assert.ok(median < 5, `woken after ${latencies.map((ms) => ms.toFixed(1))} ms`);
  assert.equal(lock.locked(), false);
});

Deno.test("a waiter asleep on a living holder waits; when the holder dies it gets the lock, told", async () => {
  const lock = new Lock();
  const holder = new Process({ target: targets.holdLock, args: [lock, 0, true] });
  await holder.start();
  await receiveMany(1);
  let settled = false;
  const waiter = lock.acquire({ timeout: 10_000 }).finally(() => settled = true);
  await delay(30);
  // Another actor's exit runs the repair: the holder is alive, its marked lock stays held.
  const other = new Process({ target: targets.holdLock, args: [new Lock(), 0, false] });
  await other.start();
  await other.join();
  await delay(30);
  assert.equal(settled, false, "the lock of a living holder was taken");
  await holder.kill();
  assert.equal(await waiter, true);
  assert.equal(lock.ownerDied, true);
  lock.release();
  assert.equal(lock.locked(), false);
});

Deno.test("actors and the main thread take turns, sleeping and waking, without losing one", async () => {
  const counter = new Value("i32", 0, { lock: false });
  const lock = new Lock();
  const workers = Array.from(
    { length: 2 },
    () => new Process({ target: targets.incrementUnderLock, args: [counter, lock, 20_000] }),
  );
  for (const p of workers) p.start();
  for (let turn = 0; turn < 20; turn++) {
    await lock.acquire();
    counter.value = counter.value + 1;
    await delay(2); // the workers go to sleep on the held lock
    lock.release();
  }
  for (const p of workers) await p.join();
  assert.deepEqual(workers.map((p) => p.exitcode), [0, 0]);
  assert.equal(counter.value, 40_020);
  assert.equal(lock.locked(), false);
});

Deno.test("acquire options: Python's positional acquire(false) and bad timeouts reject; Infinity waits", async () => {
  const lock = new Lock();
  await assert.rejects(lock.acquire(false as never), /options must be an object/);
  await assert.rejects(lock.acquire({ timeout: "1" } as never), TypeError);
  await assert.rejects(lock.acquire({ timeout: NaN }), RangeError);
  await assert.rejects(lock.withLock(42 as never), TypeError);
  assert.equal(lock.locked(), false);
  await lock.acquire();
  setTimeout(() => lock.release(), 20);
  assert.equal(await lock.acquire({ timeout: Infinity }), true);
  assert.equal(await lock.acquire({ timeout: 0 }), false);
  lock.release();
});
