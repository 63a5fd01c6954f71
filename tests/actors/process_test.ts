import assert from "node:assert/strict";
import {
  activeChildren,
  CloneError,
  Event,
  Process,
  ProcessStateError,
  TargetNotFoundError,
} from "../../mod.ts";
import { rootSupervisor } from "../../actors/_kernel/root/root.ts";
import * as targets from "../fixtures/process_targets.ts";
import { receiveMany } from "../_helpers.ts";
import { localOnly } from "../_context.ts";

Deno.test("a function target runs in a worker with typed args and exits 0", async () => {
  const p = new Process({ target: targets.report, args: ["hello", 42] });
  assert.equal(p.pid, undefined);
  assert.equal(p.exitcode, null);
  assert.equal(p.isAlive(), false);
  await p.start();
  const [message] = await receiveMany<Record<string, unknown>>(1);
  await p.join();
  assert.equal(p.exitcode, 0);
  assert.equal(p.error, null);
  assert.equal(p.isAlive(), false);
  assert.equal(message.label, "hello");
  assert.equal(message.n, 42);
  assert.equal(message.pid, p.pid);
  assert.equal(message.name, p.name);
  assert.equal(message.parentPid, 1);
  assert.equal(message.parentName, "MainProcess");
  assert.equal(message.parentAlive, true);
  assert.match(p.name, /^Process-\d+$/);
});

Deno.test("an async target is awaited before the process exits", async () => {
  const p = new Process({ target: targets.sleepFor, args: [50] });
  await p.start();
  assert.equal(p.isAlive(), true);
  assert.equal(p.exitcode, null);
  await p.join();
  assert.equal(p.exitcode, 0);
});

Deno.test("the subclass form carries its own fields to the worker", async () => {
  const p = new targets.Greeter(7, "hello");
  assert.match(p.name, /^Greeter-\d+$/);
  await p.start();
  const [message] = await receiveMany<string>(1);
  await p.join();
  assert.equal(message, `hello 7 from ${p.name}`);
  assert.equal(p.exitcode, 0);
});

Deno.test("a subclass without run() calls its target", async () => {
  const p = new targets.Labelled({ target: targets.report, args: ["sub", 1], name: "custom" });
  assert.equal(p.name, "custom");
  await p.start();
  const [message] = await receiveMany<{ name: string; label: string }>(1);
  await p.join();
  assert.deepEqual([message.name, message.label], ["custom", "sub"]);
});

Deno.test("an uncaught error exits 1 and reaches the parent with name, stack and cause", async () => {
  const p = new Process({ target: targets.fail, args: ["bad input"] });
  await p.start();
  await p.join();
  assert.equal(p.exitcode, 1);
  assert.ok(p.error);
  assert.equal(p.error.name, "RangeError");
  assert.equal(p.error.message, "bad input");
  assert.match(p.error.stack ?? "", /process_targets\.ts/);
  assert.equal((p.error.cause as Error).message, "root cause");
});

Deno.test("an error thrown from a callback outside the target also ends the process", async () => {
  const p = new Process({ target: targets.failLater });
  await p.start();
  await p.join();
  assert.equal(p.exitcode, 1);
  assert.equal(p.error?.name, "TypeError");
});

Deno.test("exit(code) sets the exit code, from the target and from a callback", async () => {
  for (const fromCallback of [false, true]) {
    const p = new Process({ target: targets.exitWith, args: [3, fromCallback] });
    await p.start();
    await p.join();
    assert.equal(p.exitcode, 3);
    assert.equal(p.error, null);
  }
});

Deno.test("terminate() gives -15 and kill() gives -9; join never hangs on the dead", async () => {
  const terminated = new Process({ target: targets.forever });
  const killed = new Process({ target: targets.forever });
  await terminated.start();
  await killed.start();
  const ending = terminated.terminate();
  assert.equal(terminated.isAlive(), true, "terminate takes effect asynchronously, as in Python");
  await ending;
  await killed.kill();
  assert.equal(terminated.isAlive(), false);
  assert.equal(terminated.exitcode, -15);
  assert.equal(killed.exitcode, -9);
  await terminated.join();
  await killed.join();
  await terminated.terminate();
});

Deno.test("terminate() right after start(), without awaiting it, still ends the process", async () => {
  const p = new Process({ target: targets.forever });
  const started = p.start();
  await p.terminate();
  await started;
  assert.equal(p.exitcode, -15);
});

Deno.test("join(timeoutMs) returns when time is up, like Python, leaving the process running", async () => {
  const p = new Process({ target: targets.forever });
  await p.start();
  await p.join(20);
  assert.equal(p.exitcode, null);
  assert.equal(p.isAlive(), true);
  await p.terminate();
});

Deno.test("misuse rejects with ProcessStateError and a message saying how to fix it", async () => {
  const p = new Process({ target: targets.sleepFor, args: [200] });
  await assert.rejects(p.join(), ProcessStateError);
  await assert.rejects(p.terminate(), ProcessStateError);
  await assert.rejects(p.kill(), ProcessStateError);
  await assert.rejects(p.send("early"), /not started; call start\(\) first/);
  await assert.rejects(p.ask("early"), /not started; call start\(\) first/);
  await p.start();
  await assert.rejects(p.start(), /already started; a process runs once/);
  assert.throws(() => {
    p.daemon = true;
  }, /set daemon before start\(\)/);
  assert.throws(() => p.close(), /still running; join\(\) or terminate\(\) it first/);
  await p.join();
  p.close();
  assert.throws(
    () => p.isAlive(),
    /^ProcessStateError: Cannot check whether process "Process-\d+" is alive: it was closed/,
  );
  await assert.rejects(p.join(), ProcessStateError);
});

Deno.test("the daemon flag defaults to false in the main program and is settable before start", () => {
  const p = new Process({ target: targets.forever });
  assert.equal(p.daemon, false);
  p.daemon = true;
  assert.equal(p.daemon, true);
  assert.equal(new Process({ daemon: true }).daemon, true);
});

Deno.test("a target the worker cannot find rejects start() with TargetNotFoundError", async () => {
  const p = new Process({ target: targets.unregistered });
  await assert.rejects(p.start(), (error: Error) => {
    assert.equal(error.name, "TargetNotFoundError");
    assert.match(error.message, /"unregistered"/);
    assert.match(error.message, /task\(import\.meta, unregistered\)/);
    return true;
  });
  assert.equal(p.exitcode, 1);
  assert.equal(p.error?.name, "TargetNotFoundError");
  await p.join();
});

Deno.test("an anonymous target is refused at start() before any worker exists", async () => {
  const p = new Process({ target: (() => () => {})() });
  await assert.rejects(p.start(), TargetNotFoundError);
  assert.equal(p.pid, undefined);
});

Deno.test("arguments and fields that cannot cross are refused with CloneError naming them", async () => {
  const p = new Process({ target: targets.report, args: ["x", { callback() {} } as never] });
  await assert.rejects(p.start(), (error: Error) => {
    assert.ok(error instanceof CloneError);
    assert.match(error.message, /args\[1\]\.callback is a function/);
    return true;
  });
  const greeter = new targets.Greeter(1, "hi");
  (greeter as unknown as { when: unknown }).when = new (class Clock {})();
  await assert.rejects(greeter.start(), /this\.when is an instance of Clock/);
  assert.equal(greeter.pid, undefined);
});

Deno.test("mail arrives in order, none lost while the receiver is busy", async () => {
  const count = 2000;
  const p = new Process({ target: targets.echo, args: [count, 100] });
  await p.start();
  for (let i = 0; i < count; i++) p.send({ i, text: `message ${i}`, big: BigInt(i) });
  const echoed = await receiveMany<{ i: number; big: bigint }>(count);
  await p.join();
  assert.deepEqual(echoed.map((m) => m.i), Array.from({ length: count }, (_, i) => i));
  assert.equal(echoed[count - 1].big, BigInt(count - 1));
});

Deno.test("selective receive takes the matching message and keeps the rest in order", async () => {
  const p = new Process({ target: targets.selective, args: [4] });
  await p.start();
  for (const tag of ["a", "b", "urgent", "c"]) p.send({ tag });
  const order = await receiveMany<{ tag: string }>(4);
  await p.join();
  assert.deepEqual(order.map((m) => m.tag), ["urgent", "a", "b", "c"]);
});

Deno.test("receive({ timeout }) rejects with TimeoutError when nothing arrives", async () => {
  const p = new Process({ target: targets.receiveTimeout });
  await p.start();
  assert.deepEqual(await receiveMany(1), ["TimeoutError"]);
  await p.join();
});

Deno.test("a message that cannot cross is refused with CloneError and nothing is sent", async () => {
  const p = new Process({ target: targets.echo, args: [1, 0] });
  await p.start();
  await assert.rejects(p.send({ handler: Symbol("x") }), /message\.handler is a symbol/);
  p.send("fine");
  assert.deepEqual(await receiveMany(1), ["fine"]);
  await p.join();
});

Deno.test("a child's module state is its own: the seeds' x = 100 lesson", async () => {
  const p = new Process({ target: targets.mutateCounter });
  await p.start();
  assert.deepEqual(await receiveMany(1), [0]);
  await p.join();
  assert.equal(targets.counter, 100);
});

Deno.test("nested processes are named Process-1:1 and terminate() ends the whole subtree", async () => {
  const root = await rootSupervisor().catch(() => undefined);
  const before = root?.size ?? 0;
  const p = new Process({ target: targets.chain, args: [3] });
  await p.start();
  const [deepest] = await receiveMany<string>(1);
  const ids = p.name.replace("Process-", "");
  assert.equal(deepest, `Process-${ids}:1:1:1`);
  assert.equal((await rootSupervisor()).size, before + 4);
  await p.terminate();
  assert.equal(p.exitcode, -15);
  assert.equal((await rootSupervisor()).size, before, "no orphans: the subtree is gone");
});

Deno.test(
  "a child that returns ends its daemonic children and waits for the others",
  localOnly("an Event is passed to the child; only actor references cross machines (issue 14)"),
  async () => {
    const daemonParent = new Process({ target: targets.parentOfForever, args: [true, false] });
    await daemonParent.start();
    const [{ name }] = await receiveMany<{ name: string }>(1);
    assert.match(name, new RegExp(`^Process-${daemonParent.name.slice(8)}:1$`));
    await daemonParent.join();
    assert.equal(daemonParent.exitcode, 0);

    const go = new Event();
    const patientParent = new Process({ target: targets.parentOfWaiter, args: [go] });
    await patientParent.start();
    await receiveMany(1);
    await patientParent.join(50);
    assert.equal(patientParent.isAlive(), true, "still waiting for its non-daemon child");
    go.set();
    await patientParent.join();
    assert.equal(patientParent.exitcode, 0);
    assert.equal((await rootSupervisor()).size, 0);
  },
);

Deno.test("children inherit the daemon flag of the process that creates them", async () => {
  const p = new Process({ target: targets.report, args: ["daemon", 0], daemon: true });
  await p.start();
  const [message] = await receiveMany<{ daemon: boolean }>(1);
  await p.join();
  assert.equal(message.daemon, true);
});

Deno.test("no zombies: children that are never joined are reaped by the supervisor", async () => {
  const children = Array.from({ length: 8 }, (_, i) => {
    const p = new Process({ target: targets.report, args: ["zombie", i] });
    p.start();
    return p;
  });
  assert.equal(activeChildren().length, 8);
  await receiveMany(8);
  await Promise.all(children.map((p) => p.join()));
  assert.equal(activeChildren().length, 0);
  assert.equal((await rootSupervisor()).size, 0);
  assert.ok(children.every((p) => p.exitcode === 0));
});

Deno.test("await using waits for a running process and terminates a daemonic one, as the program's end does", async () => {
  let waited: Process | undefined;
  let daemon: Process | undefined;
  {
    await using p = new Process({ target: targets.sleepFor, args: [100] });
    await using d = new Process({ target: targets.forever, daemon: true });
    await p.start();
    await d.start();
    waited = p;
    daemon = d;
  }
  assert.equal(waited.exitcode, 0, "the child's work was not cut short");
  assert.equal(daemon.exitcode, -15);
  assert.throws(() => waited.isAlive(), ProcessStateError);
});

Deno.test("toString() reads like Python's repr", async () => {
  const p = new Process({ target: targets.sleepFor, args: [0], name: "worker" });
  assert.equal(String(p), '<Process name="worker" initial>');
  await p.start();
  await p.join();
  assert.equal(String(p), `<Process name="worker" pid=${p.pid} stopped exitcode=0>`);
});

Deno.test("after join(), every message the child sent before exiting is in the mailbox", async () => {
  for (let round = 0; round < 5; round++) {
    const p = new Process({ target: targets.burst, args: [500] });
    await p.start();
    await p.join();
    const received = await receiveMany<number>(500, 0);
    assert.deepEqual(received, Array.from({ length: 500 }, (_, i) => i));
  }
});

Deno.test("processes with different argument types fit in one Process[] (typing)", () => {
  const processes: Process[] = [
    new Process({ target: targets.report, args: ["typed", 1] }),
    new Process({ target: targets.sleepFor, args: [1] }),
  ];
  assert.equal(processes.length, 2);
});
