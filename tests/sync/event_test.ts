import assert from "node:assert/strict";
import { BlockingError, Event, Process } from "../../mod.ts";
import * as targets from "../fixtures/sync_targets.ts";
import { receiveMany } from "../_helpers.ts";

Deno.test("the seeds' traffic light: ten cars wait for green and all pass", async () => {
  const green = new Event();
  const cars = Array.from(
    { length: 10 },
    (_, i) => new Process({ target: targets.waitForEvent, args: [green, null, i % 2 === 0] }),
  );
  for (const p of cars) await p.start();
  assert.deepEqual(await receiveMany(10), Array(10).fill("waiting"));
  green.set();
  assert.deepEqual(await receiveMany(10), Array(10).fill(true));
  for (const p of cars) await p.join();
});

Deno.test("set, clear and isSet; wait resolves to the flag, false on timeout", async () => {
  const event = new Event();
  assert.equal(event.isSet(), false);
  assert.equal(await event.wait(10), false);
  event.set();
  assert.equal(event.isSet(), true);
  assert.equal(await event.wait(), true);
  event.clear();
  assert.equal(event.isSet(), false);
  assert.throws(() => event.waitSync(1), BlockingError);
});

Deno.test("waitSync in a worker times out with false", async () => {
  const p = new Process({ target: targets.waitForEvent, args: [new Event(), 20, true] });
  await p.start();
  assert.deepEqual(await receiveMany(2), ["waiting", false]);
  await p.join();
});

Deno.test("wait(Infinity) and wait(null) wait until set; a bad timeout rejects", async () => {
  const event = new Event();
  setTimeout(() => event.set(), 20);
  assert.equal(await event.wait(Infinity), true);
  assert.equal(await event.wait(null), true);
  await assert.rejects(new Event().wait(-1), RangeError);
  await assert.rejects(new Event().wait("1" as never), TypeError);
});
