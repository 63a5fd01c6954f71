import assert from "node:assert/strict";
import { AsyncResult, Pool, PoolStateError, TimeoutError } from "../../mod.ts";
import * as targets from "../fixtures/pool_targets.ts";

Deno.test("get, wait, ready and successful follow a task across a worker", async () => {
  await using pool = new Pool({ processes: 1 });
  const result = pool.applyAsync(targets.later, ["done", 20]);
  assert.equal(result.ready(), false);
  assert.throws(() => result.successful(), PoolStateError);
  assert.equal(await result.wait(), true);
  assert.equal(result.ready(), true);
  assert.equal(result.successful(), true);
  assert.equal(await result.get(), "done");
  assert.equal(await result.get(0), "done");
});

Deno.test("get(timeoutMs) rejects with TimeoutError without cancelling the task", async () => {
  await using pool = new Pool({ processes: 1 });
  const result = pool.applyAsync(targets.later, [7, 100]);
  await assert.rejects(result.get(1), TimeoutError);
  assert.equal(await result.wait(1), false);
  assert.equal(await result.get(10_000), 7);
  await assert.rejects(result.get(-1), RangeError);
});

Deno.test("a failed task: get rejects with its error, wait does not", async () => {
  await using pool = new Pool({ processes: 1 });
  const result = pool.applyAsync(targets.fail, ["broken"]);
  assert.equal(await result.wait(), true);
  assert.equal(result.successful(), false);
  await assert.rejects(result.get(), { name: "RangeError", message: "broken" });
});

Deno.test("an AsyncResult wraps any promise, and an unread failure crashes nothing", async () => {
  const result = new AsyncResult(Promise.reject(new Error("never read")));
  assert.equal(await result.wait(), true);
  assert.equal(result.successful(), false);
  const ok = new AsyncResult(Promise.resolve(3));
  assert.equal(await ok.get(), 3);
});
