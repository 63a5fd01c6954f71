import assert from "node:assert/strict";
import {
  activeChildren,
  type ChildSpec,
  type Process,
  ProcessStateError,
  type RestartEvent,
  Supervisor,
  SupervisorGaveUpError,
  Value,
} from "../../mod.ts";
import { RestartIntensity } from "../../actors/supervisor/_restart_intensity.ts";
import * as targets from "../fixtures/supervisor_targets.ts";
import { until } from "../_helpers.ts";
import { localOnly } from "../_context.ts";

/** A supervisor whose restart events are collected, and a wait for the n-th of them. */
function supervise(options: Omit<ConstructorParameters<typeof Supervisor>[0], "onRestart">) {
  const events: RestartEvent[] = [];
  const supervisor = new Supervisor({ ...options, onRestart: (event) => events.push(event) });
  return {
    supervisor,
    events,
    async restarts(count: number): Promise<RestartEvent[]> {
      await until(() => events.length >= count);
      return events;
    },
  };
}

/** Three long-lived `service` children a, b, c. */
function services(): ChildSpec[] {
  return ["a", "b", "c"].map((id) => ({ id, target: targets.service }));
}

/** The current process of each child, by id. */
function processes(supervisor: Supervisor): Record<string, Process> {
  return Object.fromEntries(supervisor.whichChildren().map(({ id, process }) => [id, process!]));
}

Deno.test("bad options are refused with a clear error", () => {
  const child = { id: "a", target: targets.service };
  const create = (options: unknown) => () =>
    new Supervisor(options as ConstructorParameters<typeof Supervisor>[0]);
  assert.throws(create({ name: "web", children: [child, { ...child }] }), {
    name: "TypeError",
    message: 'Cannot create supervisor "web": duplicate child id "a"',
  });
  assert.throws(create({ strategy: "oneForSome", children: [] }), {
    name: "TypeError",
    message: /strategy must be "oneForOne", "oneForAll" or "restForOne", got "oneForSome"/,
  });
  for (const maxRestarts of [-1, 1.5, Number.NaN, "3"]) {
    assert.throws(create({ maxRestarts, children: [] }), RangeError);
  }
  assert.throws(
    create({ periodMs: 0, children: [] }),
    /periodMs must be a number of milliseconds > 0/,
  );
  assert.throws(create({ children: "a" }), /children must be an array/);
  assert.throws(create({ children: [{ id: "", target: targets.service }] }), /non-empty string/);
  assert.throws(create({ children: [{ id: "a" }] }), /child "a" needs a target function/);
  assert.throws(
    create({ children: [{ ...child, restart: "always" }] }),
    /child "a" restart must be "permanent", "transient" or "temporary", got "always"/,
  );
  assert.throws(create({ children: [{ ...child, args: 1 }] }), /args must be an array/);
  assert.throws(create({ children: [], onRestart: "log" }), /onRestart must be a function/);
  assert.throws(create(undefined), /Cannot create supervisor: options must be an object/);
  const valid = new Supervisor({ maxRestarts: Infinity, children: [child] });
  assert.match(valid.name, /^Supervisor-\d+$/);
  assert.deepEqual(valid.whichChildren(), [{ id: "a", process: null, restart: "permanent" }]);
});

Deno.test("start() starts the children in order; stop() ends them all and join() resolves", async () => {
  const supervisor = new Supervisor({ name: "group", children: services() });
  await assert.rejects(supervisor.join(), ProcessStateError);
  await supervisor.start();
  const children = supervisor.whichChildren();
  assert.deepEqual(children.map(({ id, restart }) => [id, restart]), [
    ["a", "permanent"],
    ["b", "permanent"],
    ["c", "permanent"],
  ]);
  const [a, b, c] = children.map(({ process }) => process!);
  assert.ok(a.pid! < b.pid! && b.pid! < c.pid!, "started in order");
  assert.equal(a.name, "a");
  assert.ok([a, b, c].every((p) => p.isAlive()));
  assert.equal(supervisor.child("b"), b);
  assert.equal(supervisor.child("nope"), undefined);
  await assert.rejects(supervisor.start(), ProcessStateError);

  await supervisor.stop();
  await supervisor.join();
  assert.deepEqual([a.exitcode, b.exitcode, c.exitcode], [-15, -15, -15]);
  assert.ok(supervisor.whichChildren().every(({ process }) => process === null));
  assert.equal(supervisor.child("a"), undefined);
  assert.deepEqual(activeChildren(), []);
  await supervisor.stop();
});

Deno.test("stop() before start() ends it at once; await using stops a running supervisor", async () => {
  const unstarted = new Supervisor({ children: services() });
  await unstarted.stop();
  await unstarted.join();
  await assert.rejects(unstarted.start(), /it was already stopped/);

  let child: Process;
  {
    await using supervisor = new Supervisor({ children: [{ id: "a", target: targets.service }] });
    await supervisor.start();
    child = supervisor.child("a")!;
  }
  assert.equal(child.exitcode, -15);
});

Deno.test("oneForOne restarts only the child that crashed, and reports why", async () => {
  const { supervisor, restarts } = supervise({ strategy: "oneForOne", children: services() });
  await supervisor.start();
  const before = processes(supervisor);
  before.b.send("crash");
  const [event] = await restarts(1);
  const after = processes(supervisor);
  assert.equal(event.id, "b");
  assert.equal(event.supervisor, supervisor.name);
  assert.equal(event.reason.kind, "error");
  assert.equal(event.reason.pid, before.b.pid);
  assert.equal(event.reason.exitcode, 1);
  assert.equal(event.reason.error?.message, "asked to crash");
  assert.equal(event.restarts, 1);
  assert.equal(event.pid, after.b.pid);
  assert.deepEqual(event.restarted, ["b"]);
  assert.notEqual(after.b, before.b);
  assert.ok(after.b.isAlive());
  assert.equal(after.a, before.a);
  assert.equal(after.c, before.c);
  await supervisor.stop();
  assert.deepEqual(activeChildren(), []);
});

Deno.test("oneForAll restarts every child; the ones it terminated count as no failure", async () => {
  const { supervisor, events, restarts } = supervise({
    strategy: "oneForAll",
    maxRestarts: 1,
    children: services(),
  });
  await supervisor.start();
  const before = processes(supervisor);
  before.b.send("crash");
  const [event] = await restarts(1);
  const after = processes(supervisor);
  assert.deepEqual(event.restarted, ["a", "b", "c"]);
  assert.deepEqual([before.a.exitcode, before.b.exitcode, before.c.exitcode], [-15, 1, -15]);
  for (const id of ["a", "b", "c"]) {
    assert.notEqual(after[id], before[id]);
    assert.ok(after[id].isAlive());
  }
  assert.ok(after.a.pid! < after.b.pid! && after.b.pid! < after.c.pid!, "restarted in order");
  assert.ok(before.c.pid! < after.a.pid!);

  // One restart of the one allowed: a second crash would exceed it, the first did not.
  after.a.send("crash");
  await assert.rejects(supervisor.join(), SupervisorGaveUpError);
  assert.equal(events.length, 1);
});

Deno.test("restForOne restarts the crashed child and the children started after it", async () => {
  const { supervisor, restarts } = supervise({ strategy: "restForOne", children: services() });
  await supervisor.start();
  const before = processes(supervisor);
  before.b.send("crash");
  const [event] = await restarts(1);
  const after = processes(supervisor);
  assert.deepEqual(event.restarted, ["b", "c"]);
  assert.equal(after.a, before.a);
  assert.ok(after.a.isAlive());
  assert.deepEqual([before.b.exitcode, before.c.exitcode], [1, -15]);
  assert.ok(after.b.isAlive() && after.c.isAlive());
  assert.ok(after.b.pid! < after.c.pid!);
  await supervisor.stop();
});

Deno.test("a permanent child is restarted even after a normal exit", async () => {
  const { supervisor, restarts } = supervise({ children: [{ id: "a", target: targets.service }] });
  await supervisor.start();
  supervisor.child("a")!.send("return");
  const [event] = await restarts(1);
  assert.equal(event.reason.kind, "normal");
  assert.equal(event.reason.exitcode, 0);
  assert.ok(supervisor.child("a")!.isAlive());
  await supervisor.stop();
});

Deno.test("a transient child is restarted only after an abnormal exit", async () => {
  const { supervisor, events, restarts } = supervise({
    children: [
      { id: "t1", target: targets.service, restart: "transient" },
      { id: "t2", target: targets.service, restart: "transient" },
      { id: "t3", target: targets.service, restart: "transient" },
    ],
  });
  await supervisor.start();
  const before = processes(supervisor);
  before.t1.send("exit3");
  const [event] = await restarts(1);
  assert.equal(event.id, "t1");
  assert.equal(event.reason.kind, "error");
  assert.equal(event.reason.exitcode, 3);
  assert.equal(event.reason.error, null);

  await before.t2.kill();
  await restarts(2);
  assert.equal(events[1].reason.kind, "killed");

  before.t3.send("return");
  await before.t3.join();
  await until(() => supervisor.child("t3") === undefined);
  assert.deepEqual(
    supervisor.whichChildren().map(({ id, process }) => [id, process === null]),
    [["t1", false], ["t2", false], ["t3", true]],
    "a transient child that returned stays listed, without a process",
  );
  await supervisor.stop();
  assert.equal(events.length, 2);
});

Deno.test("a temporary child is never restarted and leaves the children when it ends", async () => {
  const { supervisor, events, restarts } = supervise({
    strategy: "oneForAll",
    children: [
      { id: "once", target: targets.service, restart: "temporary" },
      { id: "short", target: targets.service, restart: "temporary" },
      { id: "main", target: targets.service },
    ],
  });
  await supervisor.start();
  const before = processes(supervisor);
  before.once.send("crash");
  await before.once.join();
  await until(() => supervisor.whichChildren().length === 2);
  assert.equal(supervisor.child("once"), undefined);
  assert.equal(supervisor.child("main"), before.main, "no strategy runs for a temporary child");

  before.main.send("crash");
  const [event] = await restarts(1);
  assert.deepEqual(event.restarted, ["main"], "the strategy terminates temporary siblings");
  assert.equal(before.short.exitcode, -15);
  assert.deepEqual(supervisor.whichChildren().map(({ id }) => id), ["main"]);
  await supervisor.stop();
  assert.equal(events.length, 1);
});

Deno.test("onRestart is called once per restart, with the reason of each exit", async () => {
  const { supervisor, events, restarts } = supervise({ children: services() });
  await supervisor.start();
  supervisor.child("a")!.send("crash");
  await restarts(1);
  supervisor.child("a")!.send("exit3");
  await restarts(2);
  supervisor.child("c")!.send("return");
  await restarts(3);
  await supervisor.stop();
  assert.deepEqual(
    events.map(({ id, reason, restarts }) => [id, reason.kind, reason.exitcode, restarts]),
    [["a", "error", 1, 1], ["a", "error", 3, 2], ["c", "normal", 0, 1]],
  );
  assert.ok(events.every((event, i) => i === 0 || event.pid > events[i - 1].pid));
});

Deno.test("more than maxRestarts restarts in periodMs: every child is terminated, join() rejects", async () => {
  const { supervisor, events } = supervise({
    name: "fragile",
    maxRestarts: 2,
    periodMs: 60_000,
    children: [
      { id: "steady", target: targets.service },
      { id: "broken", target: targets.crashAtStart, args: ["bad config"] },
      { id: "last", target: targets.service },
    ],
  });
  await supervisor.start();
  const { steady, last } = processes(supervisor);
  await assert.rejects(supervisor.join(), (error: Error) => {
    assert.ok(error instanceof SupervisorGaveUpError);
    assert.match(
      error.message,
      /^Supervisor "fragile" gave up: 3 restarts within 60000 ms, more than maxRestarts 2; the last: child "broken" exited with code 1 \(error\): RangeError: bad config$/,
    );
    assert.equal((error.cause as Error).message, "bad config");
    return true;
  });
  assert.equal(events.length, 2);
  assert.ok(events.every((event) => event.id === "broken" && event.reason.kind === "error"));
  assert.deepEqual([steady.exitcode, last.exitcode], [-15, -15]);
  assert.ok(supervisor.whichChildren().every(({ process }) => process === null));
  assert.deepEqual(activeChildren(), []);
  await supervisor.stop();
  await assert.rejects(supervisor.join(), SupervisorGaveUpError);
});

Deno.test("maxRestarts 0 gives up at the first exit that needs a restart", async () => {
  const { supervisor, events } = supervise({
    maxRestarts: 0,
    children: [{ id: "a", target: targets.returnAtStart }],
  });
  await supervisor.start();
  await assert.rejects(supervisor.join(), /gave up: 1 restarts within 5000 ms.*\(normal\)$/);
  assert.equal(events.length, 0);
});

Deno.test("the restart intensity counts restarts within the period only", () => {
  const intensity = new RestartIntensity(2, 1000);
  assert.equal(intensity.record(0), true);
  assert.equal(intensity.record(500), true);
  assert.equal(intensity.record(999), false, "a third restart within 1000 ms");
  assert.equal(intensity.count, 3);
  assert.equal(intensity.record(1600), true, "the restarts at 0, 500 and 999 have expired");
  assert.equal(intensity.count, 2);
  const never = new RestartIntensity(Infinity, 1);
  for (let i = 0; i < 100; i++) assert.equal(never.record(0), true);
});

Deno.test(
  "a start failure rejects start() and join() and terminates the children started",
  localOnly("the children count their starts in a Value; only actor references cross machines"),
  async () => {
    const starts = new Value("i32", 0);
    const { supervisor, events } = supervise({
      children: [
        { id: "a", target: targets.service, args: [starts] },
        { id: "b", target: targets.service, args: [starts] },
        { id: "missing", target: targets.unregistered },
        { id: "never", target: targets.service, args: [starts] },
      ],
    });
    await assert.rejects(supervisor.start(), (error: Error) => {
      assert.equal(error.name, "TargetNotFoundError");
      assert.match(error.message, /"unregistered"/);
      return true;
    });
    await assert.rejects(supervisor.join(), { name: "TargetNotFoundError" });
    assert.equal(starts.value, 2, "a and b ran, never was not started");
    assert.deepEqual(
      activeChildren(),
      [],
      "a and b, which never end by themselves, were terminated",
    );
    assert.ok(supervisor.whichChildren().every(({ process }) => process === null));
    assert.equal(events.length, 0);
    await supervisor.stop();
  },
);

Deno.test("a child whose arguments cannot be copied fails start() before any worker", async () => {
  const supervisor = new Supervisor({
    children: [
      { id: "a", target: targets.service },
      { id: "bad", target: targets.crashAtStart, args: [{ f() {} }] },
    ],
  });
  await assert.rejects(supervisor.start(), /args\[0\]\.f is a function/);
  assert.deepEqual(activeChildren(), []);
});

Deno.test(
  "a supervision tree: the outer supervisor restarts an inner one that gave up",
  localOnly("the leaves count their starts in a Value; only actor references cross machines"),
  async () => {
    const starts = new Value("i32", 0);
    // The leaf crashes on its first two starts: the inner supervisor (maxRestarts 1) gives up
    // after the second; the outer restarts it, and its new leaf (third start) keeps running.
    const { supervisor, restarts } = supervise({
      name: "outer",
      children: [
        { id: "inner", target: targets.innerSupervisor, args: [starts, 2] },
        { id: "sibling", target: targets.service },
      ],
    });
    await supervisor.start();
    const firstInner = supervisor.child("inner")!;
    const sibling = supervisor.child("sibling")!;
    const [event] = await restarts(1);
    assert.equal(event.id, "inner");
    assert.equal(event.reason.kind, "error");
    assert.equal(event.reason.error?.name, "SupervisorGaveUpError");
    assert.match(event.reason.error!.message, /^Supervisor "inner" gave up: 2 restarts/);
    assert.equal(firstInner.exitcode, 1);
    assert.equal(supervisor.child("sibling"), sibling, "oneForOne leaves the sibling alone");
    await until(() => starts.value === 3);
    const secondInner = supervisor.child("inner")!;
    assert.ok(secondInner.isAlive());

    await supervisor.stop();
    await supervisor.join();
    assert.equal(secondInner.exitcode, -15);
    assert.equal(starts.value, 3);
    assert.deepEqual(activeChildren(), []);
  },
);

Deno.test(
  "a tree whose inner supervisor keeps giving up makes the outer one give up",
  localOnly("the leaves count their starts in a Value; only actor references cross machines"),
  async () => {
    const starts = new Value("i32", 0);
    const { supervisor, events } = supervise({
      name: "outer",
      maxRestarts: 1,
      children: [{ id: "inner", target: targets.innerSupervisor, args: [starts, 1_000] }],
    });
    await supervisor.start();
    await assert.rejects(supervisor.join(), (error: Error) => {
      assert.ok(error instanceof SupervisorGaveUpError);
      assert.match(error.message, /^Supervisor "outer" gave up: .*SupervisorGaveUpError/);
      assert.equal((error.cause as Error).name, "SupervisorGaveUpError");
      return true;
    });
    assert.equal(events.length, 1);
    assert.equal(starts.value, 4, "two inner supervisors, two leaf starts each");
    assert.deepEqual(activeChildren(), []);
  },
);

Deno.test("stop() during a crash loop waits for the restart in progress, then ends everything", async () => {
  const { supervisor } = supervise({
    strategy: "restForOne",
    maxRestarts: Infinity,
    children: [
      { id: "a", target: targets.service },
      { id: "loop", target: targets.crashAtStart, args: ["again"] },
      { id: "c", target: targets.service },
    ],
  });
  await supervisor.start();
  const a = supervisor.child("a")!;
  await supervisor.stop();
  await supervisor.join();
  assert.equal(a.exitcode, -15);
  assert.ok(supervisor.whichChildren().every(({ process }) => process === null));
  assert.deepEqual(activeChildren(), []);
});
