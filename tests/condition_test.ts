import assert from "node:assert/strict";
import { Condition, Lock, Process, ReleaseError, SharedArray } from "../mod.ts";
import * as targets from "./fixtures/sync_targets.ts";
import { receiveMany } from "./_helpers.ts";

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
