/**
 * Contexts without a server: the local context, option checks, MP_CONTEXT parsing, placements
 * refused without a NATS context, and a NATS context that cannot connect.
 */
import assert from "node:assert/strict";
import {
  defaultContext,
  getContext,
  NatsUnavailableError,
  Process,
  ProcessStateError,
  setDefaultContext,
  spawn,
  SpawnError,
  Supervisor,
} from "../../mod.ts";
import { contextFromEnvironment } from "../../actors/context/context.ts";
import { openContextInActor } from "../fixtures/context_targets.ts";
import { echo } from "../fixtures/actor_targets.ts";

Deno.test("the local context is the library itself, and the default", async () => {
  const mp = await getContext("local");
  assert.equal(await getContext(), mp);
  assert.equal(mp.kind, "local");
  assert.equal(mp.placement, "local");
  assert.equal(mp.Process, Process);
  assert.equal(mp.Supervisor, Supervisor);
  assert.equal(mp.spawn, spawn);
  assert.equal(defaultContext(), mp);
  setDefaultContext(mp);
  await mp.close();
  const actor = await mp.spawn(echo, []);
  assert.equal(await actor.ask("still works after close"), "still works after close");
  await actor.send("stop");
  await actor.join();
});

Deno.test("getContext refuses an unknown kind, and setDefaultContext a non-context", async () => {
  await assert.rejects(getContext("spawn" as never), TypeError);
  assert.throws(() => setDefaultContext({} as never), TypeError);
  assert.throws(() => setDefaultContext(null as never), TypeError);
});

Deno.test("a NATS context checks its options before it connects", async () => {
  const servers = "127.0.0.1:1";
  await assert.rejects(getContext("nats", null as never), TypeError);
  await assert.rejects(getContext("nats", { servers, cluster: "a.b" }), TypeError);
  await assert.rejects(getContext("nats", { servers, cluster: "" }), TypeError);
  for (const heartbeatMs of [NaN, -1, 0, Infinity, 1.5, 1e9]) {
    await assert.rejects(getContext("nats", { servers, heartbeatMs }), RangeError);
  }
  await assert.rejects(
    getContext("nats", { servers, heartbeatMs: 100, deadAfterMs: 150 }),
    RangeError,
  );
  await assert.rejects(getContext("nats", { servers: [] }), RangeError);
  await assert.rejects(getContext("nats", { servers: 42 as never }), TypeError);
});

Deno.test("a NATS context with no server answering fails with NatsUnavailableError", async () => {
  // Not awaited at first, as a Python habit would leave it: the rejection is still the caller's.
  const opening = getContext("nats", { servers: "127.0.0.1:1", timeout: 300 });
  await assert.rejects(opening, NatsUnavailableError);
  // Nothing was installed: a placement on agents is still refused as without a context.
  await assert.rejects(spawn(echo, [], { placement: "any" }), SpawnError);
});

Deno.test("placements are checked, and refused without a NATS context", async () => {
  for (
    const placement of [
      "anywhere",
      {},
      { agent: "" },
      { agent: 7 },
      { isolation: "thread" },
      { agent: "a", gpu: true },
      NaN,
      null,
      ["any"],
    ]
  ) {
    assert.throws(() => new Process({ target: echo, placement: placement as never }), TypeError);
  }
  assert.throws(
    () => new Supervisor({ children: [{ id: "x", target: echo, placement: "moon" as never }] }),
    TypeError,
  );
  for (const placement of ["any", { agent: "alpha" }, { isolation: "process" }] as const) {
    const process = new Process({ target: echo, placement });
    await assert.rejects(process.start(), SpawnError);
    await process.join();
    assert.equal(process.exitcode, 1);
  }
  const here = await spawn(echo, [], { placement: "local" });
  await here.send("stop");
  await here.join();
  assert.equal(here.exitcode, 0);
});

Deno.test("an actor cannot open a NATS context: the main program's places its children", async () => {
  const actor = await spawn(openContextInActor, []);
  assert.equal(await actor.ask("try"), ProcessStateError.name);
  await actor.join();
});

Deno.test("MP_CONTEXT: local, or nats:// servers with parameters", () => {
  assert.equal(contextFromEnvironment("local"), "local");
  assert.deepEqual(contextFromEnvironment("nats://10.0.0.5:4222"), {
    servers: ["nats://10.0.0.5:4222"],
  });
  assert.deepEqual(
    contextFromEnvironment("tls://a:1,b:2?cluster=jobs&heartbeatMs=50&deadAfterMs=400&name=x"),
    {
      servers: ["tls://a:1", "tls://b:2"],
      cluster: "jobs",
      heartbeatMs: 50,
      deadAfterMs: 400,
      name: "x",
    },
  );
  for (const bad of ["", "nats", "http://a:1", "nats://a:1?colour=red"]) {
    assert.throws(() => contextFromEnvironment(bad), TypeError, bad);
  }
});
