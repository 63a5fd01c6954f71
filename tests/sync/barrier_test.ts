import assert from "node:assert/strict";
import { Barrier, BrokenBarrierError, Process } from "../../mod.ts";
import * as targets from "../fixtures/sync_targets.ts";
import { receiveMany } from "../_helpers.ts";

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

Deno.test("a closure action runs in the creating actor, once per pass, whoever arrives last", async () => {
  let passes = 0;
  const barrier = new Barrier(3, { action: () => void passes++ });
  const parties = [0, 1].map(() =>
    new Process({ target: targets.waitAtBarrier, args: [barrier, 3] })
  );
  for (const p of parties) await p.start();
  for (let round = 0; round < 3; round++) {
    // Sometimes the main thread arrives first (a worker runs the pass), sometimes last.
    if (round === 1) await new Promise((resolve) => setTimeout(resolve, 50));
    await barrier.wait(10_000);
  }
  const messages = await receiveMany<{ index: number }>(6);
  for (const p of parties) await p.join();
  assert.equal(passes, 3);
  assert.ok(messages.every((m) => m.index !== undefined));
});

Deno.test("a closure action of a child runs in that child while it lives; once it exited, the pass breaks", async () => {
  const creator = new Process({ target: targets.barrierCreator, args: [2, true] });
  await creator.start();
  const [barrier] = await receiveMany<Barrier>(1);
  const party = new Process({ target: targets.waitOnce, args: [barrier, 10_000] });
  await party.start();
  await barrier.wait(10_000);
  const replies = await receiveMany<{ pass?: number; index?: number }>(2);
  assert.deepEqual(replies.filter((m) => m.pass !== undefined), [{ pass: 1 }]);
  await party.join();
  creator.send("stop");
  await creator.join();

  const gone = new Process({ target: targets.barrierCreator, args: [2, false] });
  await gone.start();
  const [orphan] = await receiveMany<Barrier>(1);
  await gone.join();
  const late = new Process({ target: targets.waitOnce, args: [orphan, 10_000] });
  await late.start();
  const outcomes = await Promise.allSettled([orphan.wait(10_000), receiveMany(1)]);
  await late.join();
  const errors = [
    outcomes[0].status === "rejected" ? outcomes[0].reason : null,
    outcomes[1].status === "fulfilled" ? (outcomes[1].value[0] as { message?: string }) : null,
  ];
  assert.ok(
    errors.some((e) => /created it \(pid \d+\), which has exited/.test(e?.message ?? "")),
    JSON.stringify(errors.map((e) => e?.message)),
  );
  assert.ok(
    errors.every((e) => e !== null && (e instanceof BrokenBarrierError || "message" in e)),
  );
});

Deno.test("an action that throws breaks the barrier: the last party gets the error, the others BrokenBarrierError", async () => {
  const registered = new Barrier(2, { action: targets.failingAction });
  const results = await Promise.allSettled([registered.wait(), registered.wait()]);
  const reasons = results.map((r) => r.status === "rejected" ? r.reason.name : "passed").sort();
  assert.deepEqual(reasons, ["BrokenBarrierError", "RangeError"]);
  assert.equal(registered.broken, true);

  const closure = new Barrier(1, {
    action: () => {
      throw new TypeError("closure failed");
    },
  });
  await assert.rejects(closure.wait(), /closure failed/);
  closure.reset();
  assert.equal(closure.broken, false);
});

Deno.test("timeouts: Infinity and null mean none; a bad one is refused before anything changes", async () => {
  assert.throws(() => new Barrier(2, { timeout: -1 }), RangeError);
  assert.throws(() => new Barrier(2, { timeout: "5" as never }), TypeError);
  assert.throws(() => new Barrier(2, { action: "x" as never }), TypeError);
  const barrier = new Barrier(2, { timeout: 20 });
  await assert.rejects(barrier.wait(-1), RangeError);
  assert.equal(barrier.nWaiting, 0);
  await assert.rejects(barrier.wait(), /20 ms passed/); // the default timeout
  barrier.reset();
  const both = Promise.all([barrier.wait(Infinity), barrier.wait(null)]);
  assert.deepEqual((await both).sort(), [0, 1]);
});
