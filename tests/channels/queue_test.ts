import assert from "node:assert/strict";
import {
  ChannelClosedError,
  CloneError,
  Empty,
  Full,
  Process,
  Queue,
  SharedArray,
  ShutDown,
  SimpleQueue,
} from "../../mod.ts";
import * as targets from "../fixtures/channel_targets.ts";
import { receiveMany } from "../_helpers.ts";

Deno.test("put/get, nowait forms, qsize/empty/full, Empty and Full", async () => {
  const q = new Queue<string>(2);
  assert.equal(q.empty(), true);
  await q.put("a");
  q.putNowait("b");
  assert.equal(q.qsize(), 2);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait("c"), Full);
  await assert.rejects(q.put("c", { timeout: 10 }), Full);
  await assert.rejects(q.put("c", { block: false }), /the queue is full/);
  await assert.rejects(q.put("c", { blocking: false }), Full);
  assert.equal(await q.get(), "a");
  assert.equal(q.getNowait(), "b");
  assert.throws(() => q.getNowait(), Empty);
  await assert.rejects(q.get({ timeout: 10 }), Empty);
  await assert.rejects(q.get({ block: false }), /the queue is empty/);
  assert.throws(() => new Queue(-1), RangeError);
});

Deno.test("items keep structured-clone fidelity; uncloneable items are refused", async () => {
  const q = new SimpleQueue<unknown>();
  const items = [
    42,
    -0.5,
    "héllo wörld 🌍",
    12345678901234567890n,
    new Uint8Array([1, 2, 3]),
    new Date(0),
    new Map([["k", { nested: [1, "two"] }]]),
    new Set([1, 2]),
    null,
    { deep: { list: [true, undefined] } },
  ];
  for (const item of items) await q.put(item);
  for (const item of items) assert.deepEqual(await q.get(), item);
  await assert.rejects(q.put({ f() {} }), (error: Error) => {
    assert.ok(error instanceof CloneError);
    assert.match(error.message, /item\.f is a function/);
    return true;
  });
  await q.put("still usable");
  assert.equal(await q.get(), "still usable");
});

Deno.test("shutdown(): puts fail, gets drain then fail, for await ends", async () => {
  const q = new Queue<number>();
  await q.put(1);
  await q.put(2);
  const reader = new Process({ target: targets.iterate, args: [q] });
  await reader.start();
  q.shutdown();
  await assert.rejects(q.put(3), ShutDown);
  assert.deepEqual(await receiveMany(1), [[1, 2]]);
  await reader.join();
  await assert.rejects(q.get(), (error: Error) => {
    assert.ok(error instanceof ShutDown && error instanceof ChannelClosedError);
    assert.match(error.message, /shut down and is drained/);
    return true;
  });
});

Deno.test("a consumer blocked in get is woken with ShutDown by shutdown()", async () => {
  const q = new Queue<number>();
  const waiting = q.get();
  q.shutdown();
  await assert.rejects(waiting, ShutDown);
});

Deno.test("close() is this actor's: its puts and gets fail, a child's puts go on", async () => {
  const q = new Queue<number>();
  q.close();
  q.close(); // twice does nothing, as in Python
  await assert.rejects(q.put(1), /this actor closed the queue/);
  assert.throws(() => q.putNowait(1), ChannelClosedError);
  await assert.rejects(q.get(), ChannelClosedError);
  const producer = new Process({ target: targets.produce, args: [q, 0, 3] });
  await producer.start();
  await producer.join();
  assert.equal(producer.exitcode, 0);
  assert.equal(q.qsize(), 3, "the child's copy was open");
});

/** Moves `perProducer` items from each of 2 producers through 2 consumers; checks the result. */
async function twoByTwo(perProducer: number, maxsize: number): Promise<void> {
  const q = new Queue<number>(maxsize);
  const producers = [0, 1].map((p) =>
    new Process({ target: targets.produce, args: [q, p * 1e7, perProducer] })
  );
  const consumers = [0, 1].map(() => new Process({ target: targets.consumeAll, args: [q, 2] }));
  for (const p of [...consumers, ...producers]) await p.start();
  for (const p of producers) await p.join();
  q.shutdown();
  const reports = await receiveMany<{ count: number; sum: number; ordered: boolean }>(2, 120_000);
  for (const p of consumers) await p.join();
  assert.equal(reports[0].count + reports[1].count, 2 * perProducer, "nothing lost or duplicated");
  assert.equal(
    reports[0].sum + reports[1].sum,
    2 * (perProducer * (perProducer - 1) / 2) + perProducer * 1e7,
    "the checksum of what was received is that of what was sent",
  );
  assert.ok(reports.every((report) => report.ordered), "FIFO per producer");
}

Deno.test("MPMC: 2 producers and 2 consumers, each item exactly once, FIFO per producer", () =>
  twoByTwo(20_000, 100));

Deno.test("a bounded queue applies backpressure: the producer waits for room", async () => {
  const q = new Queue<number>(5);
  const producer = new Process({ target: targets.produce, args: [q, 0, 50] });
  await producer.start();
  while (q.qsize() < 5) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(producer.isAlive(), true);
  assert.equal(q.qsize(), 5);
  for (let i = 0; i < 50; i++) assert.equal(await q.get(), i);
  await producer.join();
});

Deno.test("queues work from nested processes", async () => {
  const q = new Queue<number>();
  const p = new Process({ target: targets.nestedProduce, args: [q] });
  await p.start();
  await p.join();
  assert.equal(q.qsize(), 10);
});

Deno.test("a producer killed mid-put 30 times never corrupts, loses or duplicates", async () => {
  // Items of varied sizes in a small buffer: kills land mid-copy, mid-padding and mid-growth.
  const q = new Queue<string>(0, { bufferBytes: 256 });
  for (let round = 0; round < 30; round++) {
    const producer = new Process({ target: targets.produceVaried, args: [q] });
    await producer.start();
    await receiveMany(1);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    await producer.kill();
    let expected = 0;
    while (!q.empty()) {
      assert.equal(q.getNowait(), targets.variedItem(expected++), `round ${round}`);
    }
    await q.put("after");
    assert.equal(await q.get(), "after", "the queue is still usable");
  }
});

Deno.test("a consumer killed mid-get 30 times never duplicates or corrupts", async () => {
  const q = new Queue<number>(0, { bufferBytes: 1 << 16 });
  const total = 30 * 500;
  const seen = new SharedArray("i32", total);
  let next = 0;
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 500; i++) await q.put(next++);
    const consumer = new Process({ target: targets.consumeForever, args: [q, seen] });
    await consumer.start();
    await receiveMany(1);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
    await consumer.terminate();
  }
  while (!q.empty()) seen.add(q.getNowait(), 1);
  const counts = seen.toArray();
  assert.ok(counts.every((count) => count <= 1), "no item was delivered twice");
  const missing = counts.filter((count) => count === 0).length;
  assert.ok(missing <= 30, `at most one item per kill dies with its consumer, ${missing} missing`);
});

Deno.test("soak: 1,000,000 items, 2 producers, 2 consumers: count and checksum match", () =>
  twoByTwo(500_000, 10_000));

Deno.test("every payload arrives as structuredClone would copy it", async () => {
  const shared = { same: true };
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const holey = [1, , 3];
  const named = Object.assign([1, 2], { extra: "kept" });
  const nullProto = Object.assign(Object.create(null), { a: 1 });
  const values: unknown[] = [
    0,
    -0,
    NaN,
    -Infinity,
    2 ** 31,
    -(2 ** 31),
    1.5e300,
    true,
    false,
    undefined,
    "",
    "x".repeat(10_000),
    "日本語 and emoji 🎉 over sixty-four characters long, to leave the short-string path",
    { nested: { deeper: [{ list: [1, "two", null, undefined] }] } },
    { __proto__: null, plain: 1 },
    JSON.parse('{"__proto__": {"polluted": true}}'),
    nullProto,
    [shared, shared],
    cyclic,
    holey,
    named,
    Array.from({ length: 1000 }, (_, i) => i),
    new Date(86_400_000),
    /re+gex/gi,
    new Float64Array([1.5, -2]),
    new ArrayBuffer(3),
    new Error("boom"),
  ];
  const q = new Queue<unknown>();
  for (const value of values) await q.put(value);
  for (const value of values) assert.deepStrictEqual(await q.get(), structuredClone(value));
  await q.put([shared, shared]);
  const [first, second] = await q.get() as object[];
  assert.equal(first, second, "shared references stay shared");
  await q.put(cyclic);
  const copy = await q.get() as Record<string, unknown>;
  assert.equal(copy.self, copy, "cycles stay cycles");
  await q.put(JSON.parse('{"__proto__": {"polluted": true}}'));
  const parsed = await q.get() as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype, "a __proto__ key stays a key");
});

Deno.test("the buffer grows for large items and backlogs; wrapped records survive growth", async () => {
  const q = new Queue<string>(0, { bufferBytes: 64 });
  let next = 0;
  let expected = 0;
  // Interleave puts and gets so records wrap around the end of the buffer before it grows.
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < (round % 5) + 1; i++) await q.put(targets.variedItem(next++));
    for (let i = 0; i < round % 4; i++) {
      if (!q.empty()) assert.equal(await q.get(), targets.variedItem(expected++));
    }
  }
  await q.put("z".repeat(1 << 20));
  while (expected < next) assert.equal(await q.get(), targets.variedItem(expected++));
  assert.equal((await q.get()).length, 1 << 20);
  assert.equal(q.empty(), true);
});

Deno.test("sizes are validated; an item too large for the largest buffer is refused", async () => {
  assert.throws(() => new Queue(0, { bufferBytes: 10 }), /bufferBytes must be an integer/);
  assert.throws(() => new Queue(0, { maxBufferBytes: 2 ** 31 }), /maxBufferBytes must be/);
  assert.throws(() => new Queue(0, { bufferBytes: 4096, maxBufferBytes: 1024 }), /larger than/);
  const q = new Queue<Uint8Array | string>(0, { maxBufferBytes: 1024 });
  await assert.rejects(q.put(new Uint8Array(600)), (error: Error) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /Cannot put: the item takes \d+ bytes/);
    return true;
  });
  await q.put("still usable");
  assert.equal(await q.get(), "still usable");
});
