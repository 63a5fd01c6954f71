import assert from "node:assert/strict";
import { Barrier, BrokenBarrierError, Process } from "../mod.ts";
import * as targets from "./fixtures/sync_targets.ts";
import { receiveMany } from "./_helpers.ts";

Deno.test("parties pass together with distinct indexes, pass after pass, running the action", async () => {
  const barrier = new Barrier(3, { action: targets.reportPass });
  const parties = Array.from(
    { length: 3 },
    () => new Process({ target: targets.waitAtBarrier, args: [barrier, 2] }),
  );
  for (const p of parties) p.start();
  const messages = await receiveMany<{ index?: number; action?: boolean }>(8);
  for (const p of parties) await p.join();
  assert.equal(messages.filter((m) => m.action).length, 2);
  const indexes = messages.filter((m) => m.index !== undefined).map((m) => m.index!);
  assert.deepEqual(indexes.sort(), [0, 0, 1, 1, 2, 2]);
});

Deno.test("a timeout breaks the barrier for everyone until reset()", async () => {
  const barrier = new Barrier(2);
  await assert.rejects(barrier.wait(20), BrokenBarrierError);
  assert.equal(barrier.broken, true);
  await assert.rejects(barrier.wait(), /it is broken; reset\(\) it first/);
  barrier.reset();
  assert.equal(barrier.broken, false);
  const partner = new Process({ target: targets.waitAtBarrier, args: [barrier, 1] });
  partner.start();
  const index = await barrier.wait(5000);
  assert.deepEqual(await receiveMany(1), [{ index: 1 - index }]);
  await partner.join();
});

Deno.test("abort() wakes waiting parties with BrokenBarrierError", async () => {
  const barrier = new Barrier(3);
  const party = new Process({ target: targets.waitAtBarrier, args: [barrier, 1] });
  await party.start();
  while (barrier.nWaiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  barrier.abort();
  assert.deepEqual(await receiveMany(1), [{ error: "BrokenBarrierError" }]);
  await party.join();
});

Deno.test("a party that dies while waiting gives its place back", async () => {
  const barrier = new Barrier(2);
  const doomed = new Process({ target: targets.stuckAtBarrier, args: [barrier] });
  await doomed.start();
  await receiveMany(1);
  while (barrier.nWaiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await doomed.terminate();
  while (barrier.nWaiting !== 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const partner = new Process({ target: targets.waitAtBarrier, args: [barrier, 1] });
  partner.start();
  await barrier.wait(5000);
  await receiveMany(1);
  await partner.join();
});

Deno.test("parties must be 1 to 16", () => {
  assert.throws(() => new Barrier(0), RangeError);
  assert.throws(() => new Barrier(17), RangeError);
});
