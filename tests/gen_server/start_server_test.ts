import assert from "node:assert/strict";
import {
  ActorExitedError,
  call,
  cast,
  monitor,
  NameTakenError,
  receive,
  self,
  spawn,
  startServer,
  whereis,
} from "../../mod.ts";
import { askByName, Store } from "../fixtures/actor_targets.ts";

Deno.test("a server holds its state: casts change it, calls read it, in order", async () => {
  await using store = await startServer(Store, [{ a: 1 }, null]);
  await store.cast({ set: ["b", 2] });
  await cast(store.ref, { set: ["a", 10] });
  assert.equal(await store.call({ get: "a" }), 10);
  assert.equal(await call(store.ref, { get: "b" }), 2);
  assert.equal(await store.call({ get: "missing" }), undefined);
});

Deno.test("plain sends go to handleInfo; stop runs terminate with normal", async () => {
  const store = await startServer(Store, [{ a: 1 }, self()]);
  await store.send("hello");
  assert.deepEqual(await receive({ timeout: 10_000 }), { info: "hello" });
  await store.stop();
  assert.deepEqual(await receive({ timeout: 10_000 }), { terminated: "normal", size: 1 });
  assert.equal(store.process.exitcode, 0);
  await store.stop();
});

Deno.test("a call that returns stop: true replies, then ends the server", async () => {
  const store = await startServer(Store, [{ a: 1, b: 2 }, self()]);
  assert.equal(await store.call("stop"), 2);
  assert.deepEqual(await receive({ timeout: 10_000 }), { terminated: "normal", size: 2 });
  await store.process.join();
  assert.equal(store.process.exitcode, 0);
});

Deno.test("a call whose handler throws is refused; the server and its state carry on", async () => {
  await using store = await startServer(Store, [{ a: 1 }, null]);
  await assert.rejects(store.call({ crash: "bad request" }), (error: Error) => {
    assert.equal(error.name, "TypeError");
    assert.equal(error.message, "bad request");
    return true;
  });
  assert.equal(await store.call({ get: "a" }), 1);
});

Deno.test("a cast whose handler throws crashes the server, which monitors see", async () => {
  const store = await startServer(Store, [{}, self()]);
  const down = monitor(store.ref);
  await store.cast({ crash: "bad input" });
  assert.deepEqual(await receive({ timeout: 10_000 }), { terminated: "bad input", size: 0 });
  const reason = await down;
  assert.equal(reason.kind, "error");
  assert.equal(reason.error?.message, "bad input");
  await assert.rejects(store.call({ get: "a" }), ActorExitedError);
});

Deno.test("an init that throws makes startServer reject with its error", async () => {
  await assert.rejects(startServer(Store, [{ fail: 1 }, null]), /init refused/);
});

Deno.test("a registered server is called by name from another actor", async () => {
  await using store = await startServer(Store, [{ x: 7 }, null], { register: "store" });
  assert.equal((await whereis("store"))?.pid, store.pid);
  await assert.rejects(startServer(Store, [{}, null], { register: "store" }), NameTakenError);
  const client = await spawn(askByName, ["store", { get: "x" } as never]);
  assert.equal(await receive({ timeout: 10_000 }), 7);
  await client.join();
});
