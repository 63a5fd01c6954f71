import assert from "node:assert/strict";
import { Condition, Lock, Process, ReleaseError, SharedArray } from "../../mod.ts";
import * as targets from "../fixtures/sync_targets.ts";
import { receiveMany } from "../_helpers.ts";

Deno.test("a Condition-guarded buffer: the consumer waits for items the producer adds", async () => {
  const notEmpty = new Condition(new Lock());
  const buffer = new SharedArray("i32", 11);
  const consumer = new Process({ target: targets.conditionConsumer, args: [notEmpty, buffer, 20] });
  await consumer.start();
  let sum = 0;
  for (let item = 1; item <= 20; item++) {
    await notEmpty.acquire();
    await notEmpty.waitFor(() => buffer.get(0) < 10);
    const size = buffer.get(0) + 1;
    buffer.set(size, item);
    buffer.set(0, size);
    sum += item;
    notEmpty.notifyAll();
    notEmpty.release();
  }
  assert.deepEqual(await receiveMany(1), [sum]);
  await consumer.join();
});

Deno.test("wait times out with false and keeps the lock; notify needs the lock", async () => {
  const condition = new Condition();
  assert.throws(() => condition.notify(), ReleaseError);
  await assert.rejects(condition.wait(1), ReleaseError);
  await condition.acquire();
  assert.equal(await condition.wait(10), false);
  condition.notify();
  condition.release();
  assert.throws(() => condition.release(), ReleaseError);
});

Deno.test("notify(n) takes an integer >= 0; waitFor returns the predicate's value; bad timeouts change nothing", async () => {
  const lock = new Lock();
  const condition = new Condition(lock);
  await condition.acquire();
  assert.throws(() => condition.notify(-1), RangeError);
  assert.throws(() => condition.notify(NaN), RangeError);
  condition.notify(0);
  assert.equal(await condition.waitFor(() => 7), 7);
  assert.equal(await condition.waitFor(() => 0, 10), 0);
  await assert.rejects(condition.wait(-1), RangeError);
  await assert.rejects(condition.waitFor(() => false, NaN), RangeError);
  assert.equal(lock.locked(), true, "the refused waits kept the lock");
  condition.release();
  assert.throws(() => new Condition({} as never), TypeError);
});

Deno.test("wait and notify need the caller to hold the lock, not merely someone", async () => {
  const lock = new Lock();
  const condition = new Condition(lock);
  const holder = new Process({ target: targets.holdLock, args: [lock, 0, true] });
  await holder.start();
  await receiveMany(1);
  assert.equal(lock.locked(), true);
  assert.throws(() => condition.notify(), ReleaseError);
  await assert.rejects(condition.wait(10), ReleaseError);
  assert.equal(lock.locked(), true, "the other actor's lock was not released");
  await holder.terminate();
});

Deno.test("a waiter woken from the other side of an RLock held twice gets it back twice", async () => {
  const condition = new Condition();
  await condition.acquire();
  await condition.acquire();
  const waiting = condition.wait(5000);
  await condition.acquire();
  condition.notifyAll();
  condition.release();
  assert.equal(await waiting, true);
  condition.release();
  condition.release();
  assert.throws(() => condition.release(), ReleaseError);
});
