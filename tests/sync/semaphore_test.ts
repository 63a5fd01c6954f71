import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  Event,
  type Lock,
  Process,
  ReleaseError,
  Semaphore,
  Value,
} from "../../mod.ts";
import * as targets from "../fixtures/sync_targets.ts";
import { delay, receiveMany } from "../_helpers.ts";

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

Deno.test("a Semaphore(1) excludes like a lock: 3 actors x 20,000 increments end at 60,000", async () => {
  const counter = new Value("i32", 0, { lock: false });
  const semaphore = new Semaphore(1);
  const workers = Array.from(
    { length: 3 },
    () =>
      new Process({
        target: targets.incrementUnderLock,
        args: [counter, semaphore as unknown as Lock, 20_000],
      }),
  );
  for (const p of workers) p.start();
  for (const p of workers) await p.join();
  assert.deepEqual(workers.map((p) => p.exitcode), [0, 0, 0]);
  assert.equal(counter.value, 60_000);
  assert.equal(semaphore.getValue(), 1);
});

Deno.test("a waiter asleep on a full semaphore wakes when any permit comes back", async () => {
  const semaphore = new Semaphore(2);
  assert.equal(semaphore.acquireSync(), true);
  assert.equal(semaphore.acquireSync(), true);
  const waiter = semaphore.acquire();
  await delay(60);
  semaphore.release();
  assert.equal(await waiter, true);
  assert.equal(semaphore.getValue(), 0);
  const second = semaphore.acquire();
  await delay(60);
  semaphore.release(); // not a permit this thread marked first: still wakes
  assert.equal(await second, true);
  semaphore.release();
  semaphore.release();
  assert.equal(semaphore.getValue(), 2);
});

Deno.test("only the acquirer of the permit a dead actor held is told its owner died", async () => {
  const semaphore = new BoundedSemaphore(2);
  await semaphore.acquire();
  const holder = new Process({ target: targets.holdLock, args: [semaphore, 0, true] });
  await holder.start();
  await receiveMany(1);
  const waiter = semaphore.acquire({ timeout: 10_000 });
  await delay(30);
  await holder.kill();
  assert.equal(await waiter, true);
  assert.equal(semaphore.ownerDied, true);
  semaphore.release();
  semaphore.release();
  assert.equal(semaphore.getValue(), 2);
  await semaphore.acquire();
  assert.equal(semaphore.ownerDied, false);
  semaphore.release();
});

Deno.test("sizes are checked: at most 65,536 permits, integers only, capacity at least the value", () => {
  assert.throws(() => new Semaphore(5e7), /from 0 to 65536, got 50000000/);
  assert.throws(() => new Semaphore(-1), RangeError);
  assert.throws(() => new Semaphore("2" as never), TypeError);
  assert.throws(() => new Semaphore(3, { capacity: 2 }), /capacity must be at least/);
  assert.throws(() => new BoundedSemaphore(1.5), RangeError);
  assert.equal(new Semaphore(0).getValue(), 0);
});
