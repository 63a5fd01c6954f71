import assert from "node:assert/strict";
import {
  ActorExitedError,
  type ActorRef,
  CloneError,
  initAck,
  Process,
  ProcessStateError,
  Queue,
  startServer,
} from "../../mod.ts";
import { type ActorHandle, askSystem, sendSystem } from "../../actors/_kernel/actor_handle.ts";
import {
  ackUnasked,
  endBeforeAck,
  neverAck,
  prepareThenAck,
} from "../fixtures/init_ack_targets.ts";
import { echo, Store } from "../fixtures/actor_targets.ts";
import { localOnly } from "../_context.ts";

Deno.test(
  "start() with initAck resolves to the child's value, after the child's setup",
  localOnly("a Queue is passed to the child; only actor references cross machines (issue 14)"),
  async () => {
    const log = new Queue<string>();
    const p = new Process({ target: prepareThenAck, args: [log, 50, [1, "two"]], initAck: true });
    const { ref, value } = await p.start<{ ref: ActorRef; value: unknown }>();
    // The setup happened before the acknowledgement: its item is already there.
    assert.equal(log.getNowait(), "prepared");
    assert.deepEqual(value, [1, "two"]);
    assert.equal(ref.pid, p.pid, "a handle in the value is revived");
    assert.equal(await ref.ask("hi"), "hi");
    p.send("stop");
    await p.join();
    assert.equal(p.exitcode, 0);
    log.close();
  },
);

Deno.test("an initAck start rejects when the child ends before it acknowledges", async (t) => {
  const cases: [string, (error: unknown) => void, number][] = [
    ["return", (e) => assert.ok(e instanceof ActorExitedError && /code 0/.test(e.message)), 0],
    ["throw", (e) => assert.ok(e instanceof RangeError && e.message === "setup failed"), 1],
    ["exit", (e) => assert.ok(e instanceof ActorExitedError && /code 3/.test(e.message)), 3],
    ["uncloneable", (e) => assert.ok(e instanceof CloneError, String(e)), 1],
  ];
  for (const [how, check, exitcode] of cases) {
    await t.step(how, async () => {
      const p = new Process({ target: endBeforeAck, args: [how], initAck: true });
      await assert.rejects(p.start(), (error) => (check(error), true));
      await p.join();
      assert.equal(p.exitcode, exitcode);
    });
  }
});

Deno.test("only the first initAck counts", async () => {
  const p = new Process({ target: endBeforeAck, args: ["twice"], initAck: true });
  assert.equal(await p.start<number>(), 1);
  await p.join();
  assert.equal(p.exitcode, 0);
});

Deno.test("initAck in a process started without the option does nothing", async () => {
  const p = new Process({ target: ackUnasked });
  assert.equal(await p.start(), undefined);
  assert.equal(await p.ask("still serving"), "still serving");
  p.send("stop");
  await p.join();
  assert.equal(p.exitcode, 0);
});

Deno.test("an un-awaited initAck start that fails is no unhandled rejection", async () => {
  const p = new Process({ target: endBeforeAck, args: ["throw"], initAck: true });
  p.start();
  await p.join();
  assert.equal(p.exitcode, 1);
  assert.ok(p.error instanceof RangeError);
});

Deno.test("terminating a child that has not acknowledged rejects its start", async () => {
  const p = new Process({ target: neverAck, initAck: true });
  const started = p.start();
  await p.terminate();
  await assert.rejects(started, ActorExitedError);
  assert.equal(p.exitcode, -15);
});

Deno.test("initAck on the main thread and a non-boolean option are refused", () => {
  assert.throws(() => initAck(1), ProcessStateError);
  assert.throws(
    () => new Process({ target: neverAck, initAck: "yes" as unknown as boolean }),
    (error) => error instanceof TypeError && /initAck must be a boolean/.test(error.message),
  );
});

Deno.test("system mail never reaches receive(), whatever the body", async () => {
  const p = new Process({ target: echo });
  await p.start();
  const ref = p.ref as ActorHandle;
  await ref[sendSystem]("someone.else", "hidden");
  const unanswered = ref[askSystem]("someone.else", "hidden", { timeout: 100 });
  // The echo takes user mail only: the ask after the system mail is answered first.
  assert.equal(await p.ask("visible"), "visible");
  await assert.rejects(unanswered, { name: "TimeoutError" });
  p.send("stop");
  await p.join();
  assert.equal(p.exitcode, 0);
});

Deno.test("a server takes a body shaped like the old system key as user mail", async () => {
  await using server = await startServer(Store, [{ a: 1 }, null]);
  // Before system mail had its own field, this body stopped the server.
  assert.equal(await server.call({ "\u0000gen_server": "stop" } as never), undefined);
  assert.equal(await server.call({ get: "a" }), 1, "it still serves");
  const ref = server.ref as ActorHandle;
  await assert.rejects(
    ref[askSystem]("manager.connect", {}),
    (error) => error instanceof TypeError && /gen_server.stop/.test(error.message),
  );
  assert.equal(await server.call({ get: "a" }), 1, "an unknown system request does not stop it");
});
