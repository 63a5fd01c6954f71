/**
 * Manager on one machine: every managed kind through its proxy, across real Workers, atomic
 * operations, nested proxies, and the failure paths (a client killed while holding a lock or in
 * the middle of a stream of requests, the manager shut down or killed under pending calls).
 */
import assert from "node:assert/strict";
import {
  activeChildren,
  CloneError,
  Empty,
  Lock,
  Manager,
  ManagerClosedError,
  Process,
  receive,
  ReleaseError,
} from "../../mod.ts";
import {
  addUnderManagedLock,
  appendThroughNested,
  extendTriplesForever,
  holdLockForever,
  incrementMany,
  setManyAndLeave,
  useEveryKind,
} from "../fixtures/manager_targets.ts";

async function runAll(processes: Process[]): Promise<void> {
  for (const p of processes) await p.start();
  for (const p of processes) await p.join();
  for (const p of processes) assert.equal(p.exitcode, 0, String(p.error));
}

Deno.test("dict: the Python dict methods, in the manager", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, unknown>({ a: 1 });
  await d.set("b", { nested: [1n, new Date(0), new Map([[1, "x"]])] });
  assert.equal(await d.get("a"), 1);
  assert.equal(await d.get("missing"), undefined);
  assert.equal(await d.get("missing", "fallback"), "fallback");
  assert.deepEqual(await d.get("b"), { nested: [1n, new Date(0), new Map([[1, "x"]])] });
  assert.equal(await d.has("a"), true);
  assert.equal(await d.size(), 2);
  await d.update([["c", 3]]);
  await d.update({ d: 4 });
  assert.deepEqual(await d.keys(), ["a", "b", "c", "d"]);
  assert.equal(await d.setDefault("a", 100), 1);
  assert.equal(await d.setDefault("e", 5), 5);
  assert.equal(await d.pop("e"), 5);
  assert.equal(await d.pop("e", "gone"), "gone");
  await assert.rejects(d.pop("e"), RangeError);
  assert.equal(await d.delete("d"), true);
  assert.equal(await d.delete("d"), false);
  assert.deepEqual(await d.values(), [1, await d.get("b"), 3]);
  const keys = [];
  for await (const key of d) keys.push(key);
  assert.deepEqual(keys, ["a", "b", "c"]);
  await d.clear();
  assert.deepEqual(await d.entries(), []);
});

Deno.test("dict: atomic operations run inside the manager", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, unknown>();
  assert.equal(await d.increment("n"), 1);
  assert.equal(await d.increment("n", 5), 6);
  assert.deepEqual(await d.append("log", "x"), ["x"]);
  assert.deepEqual(await d.update("log", { op: "extend", values: ["y", "z"] }), ["x", "y", "z"]);
  assert.deepEqual(await d.update("cfg", { op: "merge", value: { a: 1 } }), { a: 1 });
  assert.equal(await d.update("big", { op: "add", value: 2n }), 2n);
  assert.equal(await d.update("n", { op: "max", value: 3 }), 6);
  assert.equal(await d.compareAndSet("n", 5, 0), false);
  assert.equal(await d.compareAndSet("n", 6, 0), true);
  assert.equal(await d.compareAndSet("fresh", undefined, 1), true);
  assert.equal(await d.compareAndSet("fresh", undefined, 2), false);
  await assert.rejects(d.increment("log"), TypeError);
  await assert.rejects(d.update("n", { op: "eval" } as never), /unknown operation/);
});

Deno.test("list: Python list methods with Python indexes", async () => {
  await using manager = new Manager();
  const list = await manager.list([1, 2, 3]);
  await list.append(4);
  assert.equal(await list.push(5, 6), 6);
  await list.extend([7]);
  assert.equal(await list.get(-1), 7);
  await list.set(0, 10);
  await list.insert(1, 11);
  await list.insert(-100, 0);
  assert.deepEqual(await list.slice(), [0, 10, 11, 2, 3, 4, 5, 6, 7]);
  assert.equal(await list.pop(), 7);
  assert.equal(await list.pop(0), 0);
  await list.remove(11);
  await assert.rejects(list.remove(99), RangeError);
  assert.equal(await list.index(3), 2);
  assert.equal(await list.index(99), -1);
  await list.append(3);
  assert.equal(await list.count(3), 2);
  assert.equal(await list.length(), 7);
  assert.deepEqual(await list.slice(1, -1), [2, 3, 4, 5, 6]);
  await assert.rejects(list.get(7), RangeError);
  const items = [];
  for await (const item of list) items.push(item);
  assert.equal(items.length, 7);
  await list.clear();
  await assert.rejects(list.pop(), /empty/);
});

Deno.test("namespace and value", async () => {
  await using manager = new Manager();
  const ns = await manager.namespace<{ x: number; y: string }>({ x: 1 });
  await ns.set("y", "why");
  assert.equal(await ns.get("x"), 1);
  assert.equal(await ns.has("y"), true);
  assert.deepEqual(await ns.toObject(), { x: 1, y: "why" });
  assert.equal(await ns.delete("x"), true);
  assert.equal(await ns.get("x"), undefined);
  const value = await manager.value(1);
  assert.equal(await value.increment(2), 3);
  await value.set(10);
  assert.equal(await value.get(), 10);
  assert.equal(await value.compareAndSet(10, 11), true);
  assert.equal(await value.update({ op: "min", value: 5 }), 5);
});

Deno.test("four processes incrementing atomically lose no update", async () => {
  await using manager = new Manager();
  const counts = await manager.dict<string, number>();
  await runAll(
    Array.from(
      { length: 4 },
      () => new Process({ target: incrementMany, args: [counts, "hits", 250] }),
    ),
  );
  assert.equal(await counts.get("hits"), 1000);
});

Deno.test("a read-modify-write under a managed lock loses no update", async () => {
  await using manager = new Manager();
  const counts = await manager.dict<string, number>();
  const lock = await manager.lock();
  await runAll(
    Array.from(
      { length: 3 },
      () => new Process({ target: addUnderManagedLock, args: [counts, lock, "n", 40] }),
    ),
  );
  assert.equal(await counts.get("n"), 120);
  assert.equal(await lock.locked(), false);
});

Deno.test("a dict holding a list proxy: the child reaches the list through the dict", async () => {
  await using manager = new Manager();
  const registry = await manager.dict<string, unknown>();
  const items = await manager.list<string>();
  await registry.set("items", items);
  await runAll(
    ["a", "b"].map((item) => new Process({ target: appendThroughNested, args: [registry, item] })),
  );
  assert.deepEqual((await items.slice()).sort(), ["a", "b"]);
  assert.equal(String(await registry.get("items")), String(items));
});

Deno.test("namespace, queue, event, semaphore and value from a child", async () => {
  await using manager = new Manager();
  const handles = {
    ns: await manager.namespace<{ greeting: string; seen: boolean }>({ greeting: "hi" }),
    queue: await manager.queue<number>(),
    event: await manager.event(),
    semaphore: await manager.semaphore(1),
    value: await manager.value(1),
  };
  const child = new Process({ target: useEveryKind, args: [handles] });
  await child.start();
  await handles.queue.put(42);
  assert.equal(await handles.event.wait(), true);
  assert.deepEqual(await receive({ timeout: 10_000 }), { greeting: "hi", item: 42 });
  await child.join();
  assert.equal(await handles.ns.get("seen"), true);
  assert.equal(await handles.value.get(), 11);
  // The child ended holding the permit: the manager gave it back.
  assert.equal(await handles.semaphore.getValue(), 1);
});

Deno.test("managed queue, lock and semaphore: non-blocking forms and their errors", async () => {
  await using manager = new Manager();
  const queue = await manager.queue<string>(1);
  await queue.putNowait("x");
  assert.equal(await queue.full(), true);
  await assert.rejects(queue.put("y", { timeout: 10 }), { name: "Full" });
  assert.equal(await queue.getNowait(), "x");
  await assert.rejects(queue.getNowait(), Empty);
  assert.equal(await queue.empty(), true);
  const lock = await manager.lock();
  await assert.rejects(lock.release(), ReleaseError);
  assert.equal(await lock.acquire(), true);
  assert.equal(await lock.acquire({ blocking: false }), false);
  assert.equal(await lock.acquire({ timeout: 10 }), false);
  {
    await lock.release();
    await using _ = await lock.lock();
    assert.equal(await lock.locked(), true);
  }
  assert.equal(await lock.locked(), false);
});

Deno.test("values that cannot be stored are refused with CloneError before anything is sent", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, unknown>();
  await assert.rejects(d.set("f", () => 1), CloneError);
  await assert.rejects(d.set("lock", new Lock()), /create it through the manager/);
  await using other = new Manager();
  await assert.rejects(d.set("other", await other.list()), /another manager/);
  assert.equal(await d.size(), 0);
});

Deno.test("a set with a key that is not a primitive rejects at once, and sends nothing", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, unknown>();
  await assert.rejects(d.set({ not: "a key" } as never, 1), /a key must be a string/);
  await d.flush();
  assert.equal(await d.size(), 0);
});

Deno.test("a request sent without waiting that the manager refuses is reported by flush()", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, unknown>();
  // Every proxy method checks its arguments first; a request the manager still refuses (one
  // from a client of another version, say) is reported later, as here.
  const raw = d as unknown as { cast(method: string, args: unknown[]): Promise<void> };
  await raw.cast("noSuchMethod", []);
  await assert.rejects(d.flush(), /a managed dict has no such method/);
  await d.flush();
});

Deno.test("what a process sent before it ended is applied before what follows its join", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, number>();
  for (let round = 0; round < 3; round++) {
    const writer = new Process({ target: setManyAndLeave, args: [d, 2000] });
    await writer.start();
    await writer.join();
    assert.equal(writer.exitcode, 0, String(writer.error));
    assert.equal(await d.get("last"), 1999);
    assert.equal(await d.size(), 2001);
  }
});

Deno.test("a client killed while holding a managed lock does not deadlock the others", async () => {
  await using manager = new Manager();
  const lock = await manager.lock();
  const holder = new Process({ target: holdLockForever, args: [lock] });
  await holder.start();
  assert.equal(await receive({ timeout: 10_000 }), "holding");
  assert.equal(await lock.locked(), true);
  await holder.kill();
  assert.equal(await lock.acquire({ timeout: 10_000 }), true);
});

Deno.test("a client killed in the middle of its requests leaves every request whole", async () => {
  await using manager = new Manager();
  const list = await manager.list<number>();
  const writer = new Process({ target: extendTriplesForever, args: [list] });
  await writer.start();
  assert.equal(await receive({ timeout: 10_000 }), "running");
  await writer.kill();
  const items = await list.slice();
  assert.ok(items.length >= 303);
  assert.equal(items.length % 3, 0);
  for (let i = 0; i < items.length; i += 3) {
    assert.ok(items[i] === items[i + 1] && items[i] === items[i + 2], `triple at ${i} torn`);
  }
});

Deno.test("shutdown rejects pending calls and every later call with ManagerClosedError", async () => {
  const manager = new Manager();
  const queue = await manager.queue<number>();
  const waiting = assert.rejects(queue.get(), ManagerClosedError);
  await manager.shutdown();
  await waiting;
  await assert.rejects(queue.qsize(), ManagerClosedError);
  await assert.rejects(manager.dict(), ManagerClosedError);
  await manager.shutdown();
});

Deno.test("a manager actor that is killed rejects pending calls instead of hanging", async () => {
  await using manager = new Manager();
  const event = await manager.event();
  const waiting = assert.rejects(event.wait(), ManagerClosedError);
  const [actor] = activeChildren();
  await actor.kill();
  await waiting;
  await assert.rejects(event.isSet(), ManagerClosedError);
});

Deno.test("values and runs of requests larger than the shared-memory rings pass whole", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, unknown>();
  const text = "x".repeat(300_000) + "é";
  const bytes = new Uint8Array(200_000).map((_, i) => i % 251);
  await d.set("text", text);
  await d.set("bytes", bytes);
  assert.equal(await d.get("text"), text);
  assert.deepEqual(await d.get("bytes"), bytes);
  const list = await manager.list<string>();
  const writes = Array.from({ length: 5000 }, (_, i) => list.append(`item ${i} `.repeat(5)));
  const reads = Array.from({ length: 500 }, () => list.length());
  await Promise.all(writes);
  const lengths = await Promise.all(reads);
  assert.ok(lengths.every((length, i) => i === 0 || length >= lengths[i - 1]));
  assert.equal(await list.length(), 5000);
  assert.equal(await list.get(4999), "item 4999 ".repeat(5));
  await assert.rejects(
    d.set("huge", "y".repeat(17 * 1024 * 1024)),
    /more than the manager's frame limit/,
  );
});

Deno.test("a loop of calls answered at once still lets timers and mail in", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, number>({ k: 1 });
  let fired = false;
  setTimeout(() => fired = true, 5);
  const deadline = performance.now() + 10_000;
  let calls = 0;
  while (!fired && performance.now() < deadline) {
    await d.get("k");
    calls++;
  }
  assert.ok(fired, `the timer did not fire during ${calls} calls`);
});

Deno.test("a manager of this program needs no network permission", async () => {
  const program = new URL("../fixtures/manager_local_program.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-read", program],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.match(output, /^count 100 address 0$/m);
  assert.match(output, /^start\(\) refused: NotCapable$/m);
  assert.match(output, /^still served: 101$/m);
});

Deno.test("start() after the first object makes a local manager listen for other programs", async () => {
  await using manager = new Manager({ authkey: "late listen" });
  const d = await manager.dict<string, number>({ a: 1 });
  assert.match(String(d), /^<DictProxy object=1 manager=actor \d+>$/);
  assert.equal(manager.address.port, 0);
  await manager.register("shared", d);
  await manager.start();
  assert.notEqual(manager.address.port, 0);
  await using remote = new Manager({ address: manager.address, authkey: "late listen" });
  await remote.connect();
  const shared = await remote.lookup<typeof d>("shared");
  assert.match(String(shared), /^<DictProxy object=1 manager=127\.0\.0\.1:\d+>$/);
  assert.equal(await shared.increment("a"), 2);
  assert.equal(await d.get("a"), 2);
});

Deno.test("start, connect and bad options are checked", async () => {
  assert.throws(() => new Manager({ address: { port: 70000 } }), RangeError);
  assert.throws(() => new Manager({ authkey: "" }), RangeError);
  await using manager = new Manager();
  await manager.start();
  await manager.start();
  assert.notEqual(manager.address.port, 0);
  await assert.rejects(manager.connect(), TypeError);
  await assert.rejects(new Manager().connect(), /give the port/);
});
