import assert from "node:assert/strict";
import { BoundedSemaphore, Event, Process, ReleaseError, Semaphore, Value } from "../mod.ts";
import * as targets from "./fixtures/sync_targets.ts";
import { receiveMany } from "./_helpers.ts";

Deno.test("the seeds' KTV: 5 people, 2 rooms, never more than 2 singing at once", async () => {
  const rooms = new Semaphore(2);
  const singing = new Value("i32", 0);
  const most = new Value("i32", 0);
  const go = new Event();
  const people = Array.from(
    { length: 5 },
    () => new Process({ target: targets.singInRoom, args: [rooms, singing, most, go] }),
  );
  for (const p of people) await p.start();
  go.set();
  for (const p of people) await p.join();
  assert.deepEqual(people.map((p) => p.exitcode), [0, 0, 0, 0, 0]);
  assert.equal(most.value, 2);
  assert.equal(rooms.getValue(), 2);
});

Deno.test("a semaphore counts permits; release can raise it above the initial value", async () => {
  const semaphore = new Semaphore(1, { capacity: 2 });
  assert.equal(await semaphore.acquire(), true);
  assert.equal(await semaphore.acquire({ blocking: false }), false);
  semaphore.release();
  semaphore.release();
  assert.equal(semaphore.getValue(), 2);
  assert.throws(() => semaphore.release(), /at its capacity of 2/);
  assert.throws(() => new Semaphore(-1), RangeError);
});

Deno.test("a bounded semaphore refuses a release above its initial value", async () => {
  const semaphore = new BoundedSemaphore(2);
  await semaphore.acquire();
  semaphore.release();
  assert.throws(() => semaphore.release(), (error: Error) => {
    assert.ok(error instanceof ReleaseError);
    assert.match(error.message, /back at its initial value of 2/);
    return true;
  });
  assert.ok(semaphore instanceof Semaphore);
});

Deno.test("a permit held by an actor that is terminated returns to the semaphore", async () => {
  const semaphore = new BoundedSemaphore(1);
  const holder = new Process({ target: targets.holdLock, args: [semaphore, 0, true] });
  await holder.start();
  await receiveMany(1);
  assert.equal(semaphore.getValue(), 0);
  await holder.terminate();
  assert.equal(await semaphore.acquire({ timeout: 5000 }), true);
  assert.equal(semaphore.ownerDied, true);
  semaphore.release();
  assert.equal(semaphore.getValue(), 1);
});
