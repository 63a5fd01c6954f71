import assert from "node:assert/strict";
import { type Lock, Process, ReleaseError, RLock, Value } from "../../mod.ts";
import * as targets from "../fixtures/sync_targets.ts";
import { delay, receiveMany } from "../_helpers.ts";

Deno.test("an RLock is re-entrant for its holder and free after as many releases", async () => {
  const lock = new RLock();
  assert.equal(await lock.acquire(), true);
  assert.equal(await lock.acquire({ blocking: false }), true);
  assert.equal(lock.count, 2);
  lock.release();
  assert.equal(lock.count, 1);
  lock.release();
  assert.equal(lock.count, 0);
  assert.throws(() => lock.release(), ReleaseError);
});

Deno.test("only the holder may release an RLock", async () => {
  const lock = new RLock();
  await lock.acquire();
  const stranger = new Process({ target: targets.releaseForeign, args: [lock] });
  await stranger.start();
  assert.deepEqual(await receiveMany(1), ["ReleaseError"]);
  await stranger.join();
  assert.equal(lock.count, 1);
  lock.release();
});

Deno.test("an RLock held by an actor that dies is released, and the next holder is told", async () => {
  const lock = new RLock();
  const holder = new Process({ target: targets.holdLock, args: [lock, 0, true] });
  await holder.start();
  await receiveMany(1);
  assert.equal(await lock.acquire({ timeout: 10 }), false);
  await holder.kill();
  assert.equal(await lock.acquire({ timeout: 5000 }), true);
  assert.equal(lock.ownerDied, true);
  lock.release();
});

Deno.test("4 actors x 20,000 increments under an RLock end at 80,000", async () => {
  const counter = new Value("i32", 0, { lock: false });
  const lock = new RLock();
  const workers = Array.from(
    { length: 4 },
    () =>
      new Process({
        target: targets.incrementUnderLock,
        args: [counter, lock as unknown as Lock, 20_000],
      }),
  );
  for (const p of workers) p.start();
  for (const p of workers) await p.join();
  assert.deepEqual(workers.map((p) => p.exitcode), [0, 0, 0, 0]);
  assert.equal(counter.value, 80_000);
  assert.equal(await lock.acquire({ blocking: false }), true);
  assert.equal(lock.count, 1);
  lock.release();
});

Deno.test("a release wakes a sleeping RLock waiter; re-entry works after the wait", async () => {
  const lock = new RLock();
  assert.equal(lock.acquireSync(), true);
  assert.equal(lock.acquireSync(), true);
  const holder = new Process({ target: targets.holdLock, args: [lock, 0, false] });
  await holder.start();
  await delay(60); // the holder sleeps on the lock
  lock.release();
  assert.equal(lock.count, 1);
  lock.release();
  assert.deepEqual(await receiveMany(1), ["holding"]);
  await holder.join();
  assert.equal(holder.exitcode, 0);
  assert.equal(lock.count, 0);
  assert.equal(await lock.acquire({ blocking: false }), true);
  assert.equal(lock.ownerDied, false);
  lock.release();
});

Deno.test("an RLock waiter asleep on a living holder waits; when it dies it takes over", async () => {
  const lock = new RLock();
  const holder = new Process({ target: targets.holdLock, args: [lock, 0, true] });
  await holder.start();
  await receiveMany(1);
  let settled = false;
  const waiter = lock.acquire({ timeout: 10_000 }).finally(() => settled = true);
  await delay(30);
  const other = new Process({ target: targets.holdLock, args: [new RLock(), 0, false] });
  await other.start();
  await other.join();
  await delay(30);
  assert.equal(settled, false, "the lock of a living holder was taken");
  await holder.terminate();
  assert.equal(await waiter, true);
  assert.equal(lock.ownerDied, true);
  assert.equal(lock.count, 1);
  lock.release();
  assert.throws(() => lock.release(), ReleaseError);
});
