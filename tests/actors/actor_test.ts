import assert from "node:assert/strict";
import {
  ActorExitedError,
  type ActorRef,
  Event,
  ExitSignal,
  link,
  MailboxFullError,
  monitor,
  NameTakenError,
  Process,
  receive,
  register,
  reply,
  self,
  spawn,
  TimeoutError,
  unregister,
  whereis,
} from "../../mod.ts";
import {
  askByName,
  askByNameFromGrandchild,
  drainAfter,
  echo,
  exitAfter,
  linkAndWait,
  namedEcho,
  relay,
  takeAndCrash,
  takeAndIgnore,
  trapAndReport,
} from "../fixtures/actor_targets.ts";
import { delay, receiveMany } from "../_helpers.ts";
import { localOnly } from "../_context.ts";

Deno.test("ask resolves to the reply, and asks from one sender are answered in order", async () => {
  const actor = await spawn<number, number>(echo);
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => actor.ask(i)));
  assert.deepEqual(answers, Array.from({ length: 100 }, (_, i) => i));
  await actor.send("stop" as unknown as number);
  await actor.join();
  assert.equal(actor.exitcode, 0);
});

Deno.test("a reference passed to a sibling lets it ask that sibling directly", async () => {
  const server = await spawn<string, string>(echo);
  const middle = await spawn<string, string>(relay, [server.ref]);
  assert.equal(await middle.ask("hello", { timeout: 10_000 }), "relayed hello");
  assert.equal(await middle.ask("again", { timeout: 10_000 }), "relayed again");
  await middle.send("stop");
  await server.send("stop");
  await Promise.all([middle.join(), server.join()]);
});

Deno.test("self() is the current actor: asking it works through its own mailbox", async () => {
  const me = self<string, string>();
  assert.equal(me.pid, 1);
  const answer = me.ask("to myself", { timeout: 5000 });
  assert.equal(await receive(), "to myself");
  reply("answered");
  assert.equal(await answer, "answered");
  assert.equal(me.mailboxDepth, 0);
});

Deno.test("a reference an actor mails to itself arrives working, after earlier mail", async () => {
  await self().send("first");
  await self().send({ me: self() });
  assert.equal(await receive({ timeout: 5000 }), "first");
  const { me } = await receive<{ me: ActorRef }>({ timeout: 5000 });
  assert.equal(me.pid, 1);
  assert.equal(typeof me.ask, "function");
});

Deno.test("an ask times out with TimeoutError, and an abort signal cancels it", async () => {
  const actor = await spawn(takeAndIgnore);
  await assert.rejects(actor.ask("anyone?", { timeout: 50 }), TimeoutError);
  const controller = new AbortController();
  const asked = actor.ask("cancel me", { signal: controller.signal });
  controller.abort(new Error("gave up"));
  await assert.rejects(asked, /gave up/);
  await actor.terminate();
});

Deno.test("asks to an actor that exits before replying, or has exited, reject", async () => {
  const actor = await spawn(takeAndCrash);
  const asked = actor.ask("poison");
  await assert.rejects(asked, ActorExitedError);
  await actor.join();
  assert.equal(actor.exitcode, 1);
  await assert.rejects(actor.ask("too late"), ActorExitedError);
  await actor.send("dropped silently");
});

Deno.test("an actor that exits before replying to a peer's ask rejects it", async () => {
  const crashing = await spawn<string, string>(takeAndCrash);
  const middle = await spawn<string, string>(relay, [crashing.ref]);
  await assert.rejects(middle.ask("poison", { timeout: 10_000 }), /crashed on poison|exited/);
  await crashing.join();
  await middle.join();
  assert.equal(middle.exitcode, 1, "the relay died of the ActorExitedError it did not catch");
  assert.match(middle.error!.message, /actor \d+/);
  assert.ok(middle.error instanceof ActorExitedError, "an error keeps its class across actors");
});

Deno.test("monitor resolves once with how the actor ended", async () => {
  const normal = await spawn(exitAfter, [10, 0]);
  const failing = await spawn(exitAfter, [10, 3]);
  const terminated = await spawn(takeAndIgnore);
  const killed = await spawn(takeAndIgnore);
  const reasons = Promise.all([normal, failing, terminated, killed].map((p) => monitor(p.ref)));
  await terminated.terminate();
  await killed.kill();
  const [a, b, c, d] = await reasons;
  assert.deepEqual([a.kind, b.kind, c.kind, d.kind], ["normal", "error", "terminated", "killed"]);
  assert.equal(b.error?.message, "exit code 3");
  assert.equal(b.pid, failing.pid);
  await Promise.all([normal.join(), failing.join()]);
  const late = await monitor(normal.ref);
  assert.equal(late.kind, "normal", "a monitor of an actor already gone resolves at once");
});

Deno.test("a monitor removed with its abort signal rejects and never fires", async () => {
  const actor = await spawn(takeAndIgnore);
  const controller = new AbortController();
  const watched = monitor(actor.ref, { signal: controller.signal });
  controller.abort(new Error("not interested"));
  await assert.rejects(watched, /not interested/);
  await actor.terminate();
});

Deno.test("a link takes a non-trapping actor down with its crashed partner", async () => {
  const crashing = await spawn(takeAndCrash);
  const partner = await spawn(linkAndWait, [crashing.ref]);
  assert.equal(await receive({ timeout: 10_000 }), "linked");
  await crashing.send("poison");
  await partner.join();
  assert.equal(partner.exitcode, -15);
  assert.equal(partner.error?.name, "ActorExitedError");
  await crashing.join();
});

Deno.test("a normal exit does not propagate through a link", async () => {
  const quitting = await spawn(takeAndIgnore);
  const partner = await spawn(linkAndWait, [quitting.ref]);
  assert.equal(await receive({ timeout: 10_000 }), "linked");
  await quitting.send("one");
  await quitting.send("two");
  await quitting.join();
  await delay(100);
  assert.ok(partner.isAlive());
  await partner.terminate();
});

Deno.test("an actor that traps exits receives an ExitSignal instead", async () => {
  const crashing = await spawn(takeAndCrash);
  const watcher = await spawn(trapAndReport, [crashing.ref]);
  assert.equal(await receive({ timeout: 10_000 }), "linked");
  await crashing.send("poison");
  assert.deepEqual(await receive({ timeout: 10_000 }), { from: crashing.pid, kind: "error" });
  await Promise.all([watcher.join(), crashing.join()]);
  assert.equal(watcher.exitcode, 0);
});

Deno.test("the main program traps exits: a linked crash arrives as an ExitSignal", async () => {
  const crashing = await spawn(takeAndCrash);
  await link(crashing.ref);
  await crashing.send("poison");
  const signal = await receive<ExitSignal>((m) => m instanceof ExitSignal, { timeout: 10_000 });
  assert.equal(signal.from.pid, crashing.pid);
  assert.equal(signal.reason.kind, "error");
  await crashing.join();
});

Deno.test("linking to an actor that has exited rejects with ActorExitedError", async () => {
  const gone = await spawn(exitAfter, [0, 0]);
  await gone.join();
  await assert.rejects(link(gone.ref), ActorExitedError);
});

Deno.test("named actors: register, whereis from another actor, names freed on exit", async () => {
  const named = await spawn(namedEcho, ["bank"]);
  assert.equal(await receive({ timeout: 10_000 }), "registered");
  assert.equal((await whereis("bank"))?.pid, named.pid);
  await assert.rejects(register("bank"), NameTakenError);
  const client = await spawn(askByName, ["bank", "balance?"]);
  assert.equal(await receive({ timeout: 10_000 }), "bank: balance?");
  await client.join();
  await named.send("stop");
  await named.join();
  assert.equal(await whereis("bank"), undefined, "the name is freed when its actor ends");
  await register("bank");
  assert.equal((await whereis("bank"))?.pid, 1);
  await unregister("bank");
  assert.equal(await whereis("bank"), undefined);
});

Deno.test("a grandchild finds the main program by name and asks it directly", async () => {
  await register("main-under-test");
  const middle = await spawn(askByNameFromGrandchild, ["main-under-test", "are you there?"]);
  assert.equal(await receive({ timeout: 10_000 }), "are you there?");
  reply("yes");
  assert.deepEqual(await receive({ timeout: 10_000 }), { forwarded: "yes" });
  await middle.join();
  await unregister("main-under-test");
});

Deno.test(
  "a bounded mailbox with policy fail throws MailboxFullError when full",
  localOnly(
    "an Event is passed to the actor, and a bounded mailbox bounds only senders on its machine",
  ),
  async () => {
    const go = new Event();
    const actor = new Process({
      target: drainAfter,
      args: [go, 2],
      mailbox: { capacity: 2, overflow: "fail" },
    });
    await actor.start();
    await actor.send("a");
    await actor.send("b");
    assert.equal(actor.mailboxDepth, 2);
    await assert.rejects(actor.send("c"), MailboxFullError);
    await go.set();
    assert.deepEqual(await receive({ timeout: 10_000 }), ["a", "b"]);
    await actor.join();
  },
);

Deno.test(
  "a bounded mailbox with policy drop drops what does not fit",
  localOnly(
    "an Event is passed to the actor, and a bounded mailbox bounds only senders on its machine",
  ),
  async () => {
    const go = new Event();
    const actor = new Process({
      target: drainAfter,
      args: [go, 2],
      mailbox: { capacity: 2, overflow: "drop" },
    });
    await actor.start();
    for (const message of ["a", "b", "c", "d"]) await actor.send(message);
    await go.set();
    assert.deepEqual(await receive({ timeout: 10_000 }), ["a", "b"]);
    await actor.join();
  },
);

Deno.test(
  "a bounded mailbox with policy block makes the sender wait for room, in order",
  localOnly(
    "an Event is passed to the actor, and a bounded mailbox bounds only senders on its machine",
  ),
  async () => {
    const go = new Event();
    const actor = new Process({ target: drainAfter, args: [go, 5], mailbox: { capacity: 2 } });
    await actor.start();
    const sends = ["a", "b", "c", "d", "e"].map((message) => actor.send(message));
    let settled = 0;
    for (const send of sends) void send.then(() => settled++);
    await delay(100);
    assert.equal(settled, 2, "only the sends that fit have gone");
    assert.equal(actor.mailboxDepth, 2);
    await go.set();
    await Promise.all(sends);
    assert.deepEqual(await receive({ timeout: 10_000 }), ["a", "b", "c", "d", "e"]);
    await actor.join();
  },
);

Deno.test("a bounded mailbox rejects bad options", () => {
  assert.throws(() => new Process({ target: echo, mailbox: { capacity: 0 } }), RangeError);
  assert.throws(
    () => new Process({ target: echo, mailbox: { capacity: 1, overflow: "spill" as never } }),
    RangeError,
  );
});

Deno.test("a Process sent in a message arrives as a reference to it", async () => {
  const server = await spawn<string, string>(echo);
  const middle = await spawn<string, string>(relay, [server]);
  assert.equal(await middle.ask("via process", { timeout: 10_000 }), "relayed via process");
  await middle.send("stop");
  await server.send("stop");
  await Promise.all([middle.join(), server.join()]);
  assert.deepEqual(await receiveMany(0), []);
});
