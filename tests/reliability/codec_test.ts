/**
 * What crosses an actor boundary equals `structuredClone` of what was sent, on every carrier:
 * Queue, Pipe, Process arguments, mail (`send`), asks and their replies, and Pool arguments and
 * results. Values are drawn with `randomValue` (lone surrogates, typed arrays at offsets, views
 * sharing a buffer, shared references, cycles, holes, named array properties, Map and Set with
 * object keys, boxed primitives, errors), and each is compared with `cloneDifference`, which also
 * checks that a received typed array is the receiver's own memory.
 *
 * Also: handles inside Maps, Sets, cycles and named array properties arrive as live handles;
 * a received typed array stays the same whatever traffic follows, and writing into it changes
 * nothing else; a class instance or a throwing getter is refused with a CloneError naming the
 * path on every carrier.
 */
import assert from "node:assert/strict";
import { CloneError, Lock, Pipe, Pool, Process, Queue, spawn } from "../../mod.ts";
import { scale, withSeed } from "./_random.ts";
import { cloneDifference } from "./_values.ts";
import {
  checkCarriers,
  checkPooled,
  differences,
  drawValues,
  type HandleNest,
  replyWithInstance,
  useHandles,
  useHandlesPooled,
} from "./codec_fixtures.ts";
import { takeAndIgnore } from "../fixtures/actor_targets.ts";
import { echo as pooledEcho } from "../fixtures/pool_targets.ts";

const COUNT = Math.round(150 * scale());

Deno.test("Queue, Pipe, Process args, send, ask and reply deliver what structuredClone gives", async () => {
  await withSeed(1101, async (random) => {
    const seed = random.seed;
    const values = drawValues(seed, COUNT);
    const items = new Queue<unknown>();
    const back = new Queue<unknown>();
    const report = new Queue<string[]>();
    const [mine, theirs] = Pipe<unknown>();
    const child = new Process({
      target: checkCarriers,
      args: [seed, COUNT, values, items, back, theirs, report],
    });
    await child.start();
    theirs.close();
    for (const value of values) await items.put(value);
    const fromQueue = [];
    for (let i = 0; i < COUNT; i++) fromQueue.push(await back.get());
    const found = differences("Queue, child to parent", seed, fromQueue);
    for (const value of values) mine.send(value);
    const fromPipe = [];
    for (let i = 0; i < COUNT; i++) fromPipe.push(await mine.recv());
    found.push(...differences("Pipe, child to parent", seed, fromPipe));
    for (const value of values) await child.send(value);
    const replies = await Promise.all(values.map((value) => child.ask(value)));
    found.push(...differences("reply", seed, replies));
    found.push(...await report.get());
    await child.join();
    mine.close();
    assert.equal(child.exitcode, 0);
    assert.deepEqual(found, []);
  });
});

Deno.test("Pool arguments and results deliver what structuredClone gives", async () => {
  await withSeed(1102, async (random) => {
    const seed = random.seed;
    const values = drawValues(seed, COUNT);
    await using pool = new Pool({ processes: 2 });
    const results = await pool.starmap(
      checkPooled,
      values.map((value, index) =>
        [seed, COUNT, index, value] as [number, number, number, unknown]
      ),
    );
    const found = results.flatMap(({ difference }, index) =>
      difference === undefined ? [] : [`pool.starmap args, value ${index}: ${difference}`]
    );
    found.push(...differences("pool result", seed, results.map(({ value }) => value)));
    const applied = await pool.apply(pooledEcho, [values]);
    found.push(...differences("pool.apply args and result", seed, applied));
    assert.deepEqual(found, []);
  });
});

Deno.test("Queue and Pipe on one thread deliver what structuredClone gives, without aliasing", async () => {
  await withSeed(1103, async (random) => {
    const values = drawValues(random.seed, COUNT * 4);
    // A small ring, so that later items reuse the bytes of earlier ones.
    const q = new Queue<unknown>(0, { bufferBytes: 4096, maxBufferBytes: 1 << 20 });
    const [reader, writer] = Pipe<unknown>(false, { bufferBytes: 4096 });
    const received: unknown[] = [];
    for (const value of values) {
      q.putNowait(value);
      writer.send(value);
      received.push(q.getNowait(), await reader.recv());
    }
    const found: string[] = [];
    // Checked after all the traffic: what arrived first must still read the same.
    values.forEach((value, index) => {
      for (
        const [carrier, got] of [["Queue", received[2 * index]], ["Pipe", received[2 * index + 1]]]
      ) {
        const difference = cloneDifference(structuredClone(value), got);
        if (difference !== undefined) found.push(`${carrier}, value ${index}: ${difference}`);
      }
    });
    assert.deepEqual(found, []);
    q.close();
    reader.close();
    writer.close();
  });
});

Deno.test("a received typed array is the receiver's own: writing into it changes no later item", async () => {
  const q = new Queue<unknown>(0, { bufferBytes: 256, maxBufferBytes: 256 });
  const kinds = [
    () => new Uint8Array([1, 2, 3, 4]),
    () => new Int8Array([-1, 2, -3, 4]),
    () => new Float64Array([1.5, -2.5]),
    () => new DataView(new Uint8Array([9, 8, 7, 6]).buffer),
    () => ({ nested: new Uint16Array([500, 600]) }),
    () => [new Int32Array(new ArrayBuffer(24), 8, 2)],
  ];
  for (const make of kinds) {
    await q.put(make());
    const mine = await q.get();
    const bytesOf = (value: unknown): Uint8Array => {
      const view = ArrayBuffer.isView(value)
        ? value
        : Object.values(value as Record<string, ArrayBufferView>)[0];
      return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    };
    const before = Array.from(bytesOf(mine));
    for (let i = 0; i < 20; i++) {
      await q.put(new Uint8Array(8).fill(200));
      await q.get();
    }
    assert.deepEqual(Array.from(bytesOf(mine)), before, "more traffic changed a received array");
    for (let i = 0; i < 6; i++) {
      await q.put({ id: i, text: `hello ${i}`, bytes: new Uint8Array([i]) });
      bytesOf(mine).fill(0x41);
      assert.deepEqual(await q.get(), { id: i, text: `hello ${i}`, bytes: new Uint8Array([i]) });
    }
  }
  q.close();
});

function nestOf(queue: Queue<string>, lock: Lock): HandleNest {
  const again = [queue];
  (again as unknown as { tag: string }).tag = "named";
  const nest: HandleNest = {
    byName: new Map([["q", queue]]),
    byHandle: new Map([[queue, "value"]]),
    locks: new Set([lock]),
    again,
  };
  nest.self = nest;
  return nest;
}

const reportOnNest = {
  queue: true,
  keyIsQueue: true,
  sameHandle: true,
  keyValue: "value",
  locked: true,
  tag: "named",
  cycle: true,
};

Deno.test("handles in a Map (key or value), a Set, a cycle and a named array property arrive live", async () => {
  const queue = new Queue<string>();
  const lock = new Lock();
  const child = new Process({ target: useHandles, args: [nestOf(queue, lock)] });
  await child.start();
  assert.deepEqual(JSON.parse(await queue.get({ timeout: 10_000 })), reportOnNest, "as args");
  await child.send(nestOf(queue, lock));
  assert.deepEqual(JSON.parse(await queue.get({ timeout: 10_000 })), reportOnNest, "as mail");
  await child.join();
  assert.equal(child.exitcode, 0);

  await using pool = new Pool({ processes: 1 });
  assert.equal(await pool.apply(useHandlesPooled, [nestOf(queue, lock)]), "done");
  assert.deepEqual(JSON.parse(await queue.get({ timeout: 10_000 })), reportOnNest, "to a pool");
});

class Point {
  constructor(readonly x: number, readonly y: number) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

function withThrowingGetter(): Record<string, unknown> {
  return {
    ok: 1,
    get bad(): number {
      throw new Error("getter exploded");
    },
  };
}

Deno.test("a class instance or a throwing getter is refused with a CloneError naming the path, everywhere", async () => {
  const instance = () => ({ list: [1, new Map([["k", new Point(1, 2)]])] });
  const instancePath = /item\.list\[1\]\.get\("k"\) is an instance of Point/;
  const getterPath = /\.bad cannot be read: its getter threw Error: getter exploded/;
  const refused = (pattern: RegExp) => (error: unknown) =>
    error instanceof CloneError && pattern.test(error.message);

  const q = new Queue<unknown>();
  await assert.rejects(q.put(instance()), refused(instancePath));
  await assert.rejects(q.put(withThrowingGetter()), refused(/item\.bad cannot be read/));
  assert.throws(() => q.putNowait(instance()), refused(instancePath));
  const [reader, writer] = Pipe<unknown>(false);
  assert.throws(() => writer.send(instance()), refused(instancePath));
  assert.throws(() => writer.send(withThrowingGetter()), refused(getterPath));
  await assert.rejects(q.put(new Queue()), refused(/item is a Queue, a handle on shared state/));

  const badArgs = new Process({ target: pooledEcho, args: [instance()] });
  await assert.rejects(
    async () => await badArgs.start(),
    refused(/args\[0\]\.list\[1\]\.get\("k"\) is an instance/),
  );
  const getterArgs = new Process({ target: pooledEcho, args: [withThrowingGetter()] });
  await assert.rejects(
    async () => await getterArgs.start(),
    refused(/args\[0\]\.bad cannot be read/),
  );

  const actor = await spawn(takeAndIgnore);
  await assert.rejects(
    async () => await actor.send(instance()),
    refused(/message\.list\[1\]\.get\("k"\)/),
  );
  await assert.rejects(
    async () => await actor.ask(withThrowingGetter()),
    refused(/message\.bad cannot be read/),
  );
  await actor.terminate();
  const replier = await spawn<string, string>(replyWithInstance);
  assert.match(await replier.ask("go"), /Cannot reply: reply\.at\[0\] is an instance of Point/);
  await replier.join();

  await using pool = new Pool({ processes: 1 });
  await assert.rejects(
    async () => await pool.apply(pooledEcho, [instance()]),
    refused(/\.get\("k"\) is an instance/),
  );
  await assert.rejects(
    async () => await pool.apply(pooledEcho, [withThrowingGetter()]),
    refused(getterPath),
  );
  q.close();
  reader.close();
  writer.close();
});
