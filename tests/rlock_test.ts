import assert from "node:assert/strict";
import { Process, ReleaseError, RLock } from "../mod.ts";
import * as targets from "./fixtures/sync_targets.ts";
import { receiveMany } from "./_helpers.ts";

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
