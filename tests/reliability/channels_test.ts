/**
 * The channels under the ways users break them: un-awaited puts and gets (served in call
 * order), Python's `close()` in each producer, `shutdown()`, producers and consumers killed at
 * seeded random points, every kind of buffer to `sendBytes`, and bad input to every
 * constructor and method (a promise-returning one rejects, never throws).
 */
import assert from "node:assert/strict";
import {
  BufferTooShort,
  ChannelClosedError,
  EOFError,
  Full,
  JoinableQueue,
  Pipe,
  Process,
  Queue,
  SharedArray,
  ShutDown,
  SimpleQueue,
  TaskDoneError,
} from "../../mod.ts";
import { delay, receiveMany, until } from "../_helpers.ts";
import { type Random, scale, withSeed } from "./_random.ts";
import * as targets from "./channels_fixtures.ts";

const ROUNDS = Math.max(1, Math.round(3 * scale()));

type QueueKind = "Queue" | "JoinableQueue" | "SimpleQueue";

/** A queue of a random kind, bounded or with a buffer small enough that puts must wait. */
function randomQueue<T>(random: Random): { q: Queue<T>; kind: QueueKind } {
  const kind = random.pick(["Queue", "JoinableQueue", "SimpleQueue"] as const);
  const options = { bufferBytes: 64, maxBufferBytes: random.pick([128, 256, 1024]) };
  const maxsize = random.int(1, 5);
  const q = kind === "Queue"
    ? new Queue<T>(maxsize, options)
    : kind === "JoinableQueue"
    ? new JoinableQueue<T>(maxsize, options)
    : new SimpleQueue<T>(options);
  return { q, kind };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

Deno.test("un-awaited puts of one actor complete in call order; the sentinel comes last", async () => {
  await withSeed(1101, async (random) => {
    for (let round = 0; round < 40 * ROUNDS; round++) {
      const { q, kind } = randomQueue<number | null>(random);
      const count = random.int(5, 60);
      const outcomes: string[] = [];
      const expected: number[] = [];
      for (let i = 0; i < count; i++) {
        // Some puts have a short timeout: those that run out fail, and only they are missing.
        const timeout = random.chance(0.2) ? random.int(0, 3) : undefined;
        if (timeout === undefined) expected.push(i);
        q.put(i, { timeout }).then(
          () => outcomes.push(`put ${i}`),
          (error) => {
            assert.ok(error instanceof Full, `${kind}: ${error}`);
            outcomes.push(`full ${i}`);
          },
        );
      }
      q.put(null);
      if (kind !== "SimpleQueue") {
        // maxsize < count: puts are pending, and putNowait must not overtake them.
        assert.throws(() => q.putNowait(-1), Full, "putNowait never overtakes pending puts");
      }
      const received: number[] = [];
      for (let item = await q.get(); item !== null; item = await q.get()) {
        received.push(item);
        if (random.chance(0.3)) await delay(0);
      }
      const put = outcomes.filter((o) => o.startsWith("put")).map((o) => Number(o.slice(4)));
      assert.deepEqual(received, put, `${kind} round ${round}: what arrived is what was put`);
      assert.deepEqual(put, [...put].sort((a, b) => a - b), `${kind} round ${round}: in order`);
      for (const i of expected) assert.ok(put.includes(i), `${kind}: put ${i} without timeout`);
      await q.joinThread();
    }
  });
});

Deno.test("un-awaited gets of one actor resolve in call order", async () => {
  await withSeed(1102, async (random) => {
    for (let round = 0; round < 20 * ROUNDS; round++) {
      const { q, kind } = randomQueue<number>(random);
      const count = random.int(3, 40);
      const order: [number, number][] = [];
      const gets = range(count).map((i) => q.get().then((item) => order.push([i, item])));
      for (let i = 0; i < count; i++) {
        if (random.chance(0.5)) await q.put(i);
        else q.put(i);
      }
      await Promise.all(gets);
      assert.deepEqual(order, range(count).map((i) => [i, i]), `${kind} round ${round}`);
    }
  });
});

Deno.test("across actors: un-awaited gets resolve in call order as a child puts", async () => {
  await withSeed(1104, async (random) => {
    for (let round = 0; round < 2 * ROUNDS; round++) {
      const { q, kind } = randomQueue<number>(random);
      const count = random.int(50, 300);
      const order: [number, number][] = [];
      const gets = range(count).map((i) => q.get().then((item) => order.push([i, item])));
      const progress = new SharedArray("i32", 1);
      const producer = new Process({
        target: targets.produceNumbered,
        args: [q, 0, count, progress],
      });
      await producer.start();
      await Promise.all(gets);
      await producer.join();
      assert.deepEqual(order, range(count).map((i) => [i, i]), `${kind} round ${round}`);
    }
  });
});

Deno.test("across actors: a child consumer gets every un-awaited put in order", async () => {
  await withSeed(1103, async (random) => {
    for (let round = 0; round < ROUNDS; round++) {
      const { q, kind } = randomQueue<number | null>(random);
      const consumer = new Process({ target: targets.collectUntilNull, args: [q] });
      await consumer.start();
      const count = random.int(20, 200);
      for (let i = 0; i < count; i++) q.put(i);
      q.put(null);
      assert.deepEqual(await receiveMany(1), [range(count)], `${kind} round ${round}`);
      await consumer.join();
    }
  });
});

Deno.test("a worker's putSync waits behind its own pending puts, and completes them", async () => {
  const q = new Queue<number | null>(2);
  const producer = new Process({ target: targets.putThenPutSync, args: [q, 30] });
  await producer.start();
  const received: (number | null)[] = [];
  for (let item = await q.get(); item !== null; item = await q.get()) received.push(item);
  assert.deepEqual(received, range(30));
  await producer.join();
  assert.equal(producer.exitcode, 0);
});

Deno.test("a child's exit waits for its un-awaited puts, as Python's joins its feeder", async () => {
  const q = new Queue<number | null>(2);
  const producer = new Process({ target: targets.putUnawaited, args: [q, 20, false] });
  await producer.start();
  const received: (number | null)[] = [];
  for (let item = await q.get(); item !== null; item = await q.get()) {
    received.push(item);
    await delay(2); // slower than the child, which returned long ago
  }
  assert.deepEqual(received, range(20));
  await producer.join();
  assert.equal(producer.exitcode, 0);
});

Deno.test("after cancelJoinThread(), a child's exit does not wait for its pending puts", async () => {
  const q = new Queue<number | null>(2);
  const producer = new Process({ target: targets.putUnawaited, args: [q, 20, true] });
  await producer.start();
  await producer.join(); // nobody takes: it would wait forever without cancelJoinThread()
  assert.equal(producer.exitcode, 0);
  assert.deepEqual([q.getNowait(), q.getNowait()], [0, 1], "what it put is there, in order");
  assert.equal(q.empty(), true, "what it had not put yet is lost, as Python documents");
});

Deno.test("joinThread() resolves once this actor's pending puts are in the queue", async () => {
  const q = new Queue<number>(1);
  for (let i = 0; i < 5; i++) q.put(i);
  q.close();
  let joined = false;
  const joining = q.joinThread().then(() => joined = true);
  await delay(20);
  assert.equal(joined, false, "4 puts still wait for room");
  const consumer = new Process({ target: targets.slowCollect, args: [q, 1] });
  await consumer.start();
  await joining;
  q.shutdown();
  assert.deepEqual(await receiveMany(1), [range(5)]);
  await consumer.join();
  await q.joinThread(); // nothing pending: at once
});

Deno.test("cancelJoinThread() then close(): pending puts are abandoned, quietly if not awaited", async () => {
  for (const order of ["cancel, then close", "close, then cancel"]) {
    const q = new Queue<number>(1);
    await q.put(0);
    q.put(1); // un-awaited: dropped without an unhandled rejection
    const awaited = q.put(2);
    if (order === "cancel, then close") {
      q.cancelJoinThread();
      q.close();
    } else {
      q.close();
      q.cancelJoinThread();
    }
    await assert.rejects(awaited, (error: Error) => {
      assert.ok(error instanceof ChannelClosedError, order);
      assert.match(error.message, /cancelJoinThread\(\)/);
      return true;
    });
    await q.joinThread();
    assert.equal(q.qsize(), 1, `${order}: only the put that completed is in the queue`);
  }
});

Deno.test("Python's habit: each producer closes its queue when done; nothing is lost", async () => {
  const q = new Queue<string | null>();
  const producers = [["fast", 5], ["slow", 40]].map(([name, ms]) =>
    new Process({ target: targets.putThenClose, args: [q, name as string, 3, ms as number] })
  );
  const consumer = new Process({ target: targets.collectUntilNull, args: [q] });
  for (const p of [...producers, consumer]) p.start();
  for (const p of producers) await p.join();
  assert.deepEqual(producers.map((p) => p.exitcode), [0, 0]);
  await q.put(null); // the main thread's handle is still open
  const reports = await receiveMany<string | string[]>(3);
  const items = reports.find(Array.isArray) as string[];
  assert.deepEqual(
    [...items].sort(),
    ["fast-0", "fast-1", "fast-2", "slow-0", "slow-1", "slow-2"],
  );
  assert.deepEqual(reports.filter((r) => !Array.isArray(r)), [
    "ChannelClosedError",
    "ChannelClosedError",
  ], "a put after the producer's own close() fails");
  await consumer.join();
});

Deno.test("shutdown(): waiting and later puts fail, consumers drain, then for await ends", async () => {
  const q = new Queue<number>(3);
  const consumers = [0, 1].map(() => new Process({ target: targets.iterateAll, args: [q] }));
  for (let i = 0; i < 3; i++) await q.put(i);
  // Another actor's put waits for room in the full queue.
  const progress = new SharedArray("i32", 1);
  const blocked = new Process({ target: targets.produceNumbered, args: [q, 9, 1, progress] });
  await blocked.start();
  await delay(50);
  q.shutdown();
  await blocked.join();
  assert.equal(blocked.error?.name, "ShutDown", "the waiting put failed with ShutDown");
  await assert.rejects(q.put(4), /the queue was shut down/);
  assert.throws(() => q.putNowait(4), ShutDown);
  for (const p of consumers) await p.start();
  const reports = await receiveMany<number[]>(2);
  assert.deepEqual(reports.flat().sort(), [0, 1, 2], "what was buffered is drained");
  for (const p of consumers) await p.join();
  await assert.rejects(q.get(), ShutDown);
  assert.throws(() => q.getNowait(), ShutDown);
  q.shutdown(); // again: nothing more happens
});

Deno.test("shutdown() never overtakes this actor's un-awaited puts; immediate abandons them", async () => {
  const q = new Queue<number>(2);
  const consumer = new Process({ target: targets.iterateAll, args: [q] });
  await consumer.start();
  for (let i = 0; i < 30; i++) q.put(i);
  q.shutdown(); // the port of "put everything, then say we are done"
  await assert.rejects(q.put(30), ShutDown, "a put after the call fails at once");
  assert.deepEqual(await receiveMany(1), [range(30)]);
  await consumer.join();
  await assert.rejects(q.get(), ShutDown);

  const dropped = new Queue<number>(1);
  for (let i = 0; i < 5; i++) dropped.put(i); // un-awaited: no unhandled rejection
  const awaited = dropped.put(5);
  dropped.shutdown({ immediate: true });
  await assert.rejects(awaited, ShutDown);
  assert.equal(dropped.qsize(), 0);
  await dropped.joinThread();
});

Deno.test("shutdown({ immediate: true }) discards what is buffered; join() waits only for taken items", async () => {
  const q = new JoinableQueue<number>();
  for (let i = 0; i < 5; i++) await q.put(i);
  assert.equal(await q.get(), 0);
  assert.equal(await q.get(), 1);
  q.shutdown({ immediate: true });
  assert.equal(q.qsize(), 0);
  await assert.rejects(q.get(), ShutDown);
  assert.equal(await q.join(20), false, "two items were taken and not marked done");
  q.taskDone();
  q.taskDone();
  assert.equal(await q.join(), true);
  assert.throws(() => q.taskDone(), TaskDoneError, "the discarded items count as done");
  const graceful = new Queue<number>();
  await graceful.put(1);
  graceful.shutdown();
  graceful.shutdown({ immediate: true }); // a later immediate shutdown discards too
  await assert.rejects(graceful.get(), ShutDown);
});

Deno.test("a blocked get in a child is woken by shutdown() with ShutDown", async () => {
  const q = new Queue<number>();
  const consumer = new Process({ target: targets.slowCollect, args: [q, 0] });
  await consumer.start();
  await q.put(7);
  await until(() => q.empty());
  await delay(20);
  q.shutdown();
  assert.deepEqual(await receiveMany(1), [[7]]);
  await consumer.join();
  assert.equal(consumer.exitcode, 0);
});

Deno.test("a reaped actor busy in taskDone() changes the queue no more", async () => {
  const q = new JoinableQueue<number>();
  for (let i = 0; i < 100; i++) await q.put(i);
  const busy = new Process({ target: targets.busyTaskDone, args: [q] });
  await busy.start();
  await receiveMany(1);
  await delay(20);
  await busy.kill();
  await delay(20);
  let remaining = 0;
  while (true) {
    try {
      q.taskDone();
      remaining++;
    } catch {
      break;
    }
  }
  for (let i = 0; i < 200; i++) await q.put(i);
  await delay(300); // the zombie thread, if it still ran, would mark about 300 done
  let done = 0;
  while (true) {
    try {
      q.taskDone();
      done++;
    } catch {
      break;
    }
  }
  assert.equal(done, 200, `the killed actor marked ${200 - done} tasks done after its death`);
  assert.ok(remaining <= 100);
});

/** Every kind of buffer sendBytes takes, and the bytes it must send. */
function bufferCases(): [string, ArrayBufferView | ArrayBuffer | SharedArrayBuffer, number[]][] {
  const bytesOf = (view: ArrayBufferView) =>
    Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const source = new ArrayBuffer(64);
  new Uint8Array(source).forEach((_, i, all) => all[i] = (i * 37 + 11) & 255);
  const views: [string, ArrayBufferView][] = [
    ["Int8Array", new Int8Array([-1, 2, -3])],
    ["Uint8Array", new Uint8Array([1, 2, 3])],
    ["Uint8ClampedArray", new Uint8ClampedArray([300, -5, 7])],
    ["Int16Array", new Int16Array([-2, 1000])],
    ["Uint16Array", new Uint16Array([1000, 2000])],
    ["Int32Array", new Int32Array([-1, 1 << 30])],
    ["Uint32Array", new Uint32Array([0xdeadbeef])],
    ["Float32Array", new Float32Array([1.5, -0])],
    ["Float64Array", new Float64Array([1.5, Math.PI])],
    ["BigInt64Array", new BigInt64Array([-1n, 2n ** 62n])],
    ["BigUint64Array", new BigUint64Array([2n ** 64n - 1n])],
    ["DataView", new DataView(source, 3, 9)],
    ["Uint8Array at an odd offset", new Uint8Array(source, 5, 11)],
    ["Float64Array at an offset", new Float64Array(source, 8, 3)],
    ["Uint16Array over a SharedArrayBuffer", new Uint16Array(new SharedArrayBuffer(6)).fill(513)],
    ["Uint8Array of length 0", new Uint8Array(0)],
  ];
  const resizable = new ArrayBuffer(4, { maxByteLength: 16 });
  new Uint8Array(resizable).set([9, 8, 7, 6]);
  return [
    ...views.map(([name, view]) =>
      [name, view, bytesOf(view)] as [string, ArrayBufferView, number[]]
    ),
    ["ArrayBuffer", source, Array.from(new Uint8Array(source))],
    ["SharedArrayBuffer", new SharedArrayBuffer(3), [0, 0, 0]],
    ["resizable ArrayBuffer", resizable, [9, 8, 7, 6]],
  ];
}

Deno.test("sendBytes sends the bytes of any buffer or view; recvBytes returns a Uint8Array", async () => {
  const [reader, writer] = Pipe(false);
  for (const [name, data, expected] of bufferCases()) {
    writer.sendBytes(data);
    const received = await reader.recvBytes();
    assert.ok(received instanceof Uint8Array, name);
    assert.ok(!(received.buffer instanceof SharedArrayBuffer), `${name}: a buffer of its own`);
    assert.deepEqual(Array.from(received), expected, name);
  }
  const data = new Uint16Array([1, 2, 3, 4]); // 8 bytes
  writer.sendBytes(data, 2);
  assert.deepEqual(Array.from(await reader.recvBytes()), [2, 0, 3, 0, 4, 0]);
  writer.sendBytes(data, 2, 3);
  assert.deepEqual(Array.from(await reader.recvBytes()), [2, 0, 3]);
  writer.sendBytes(data, 8, 0);
  assert.equal((await reader.recvBytes()).length, 0);
  writer.close();
  reader.close();
});

Deno.test("sendBytes refuses what is not a buffer, and offsets and sizes outside it", () => {
  const [reader, writer] = Pipe(false);
  const detached = new ArrayBuffer(8);
  const viewOfDetached = new Uint8Array(detached);
  structuredClone(detached, { transfer: [detached] });
  const refused: [string, unknown][] = [
    ["a string", "hello"],
    ["null", null],
    ["undefined", undefined],
    ["a number", 5],
    ["an array", [1, 2, 3]],
    ["an object", { length: 2, 0: 1, 1: 2 }],
    ["a detached ArrayBuffer", detached],
    ["a view of a detached ArrayBuffer", viewOfDetached],
  ];
  for (const [name, data] of refused) {
    assert.throws(() => writer.sendBytes(data as Uint8Array), (error: Error) => {
      assert.ok(error instanceof TypeError, name);
      assert.match(error.message, /^Cannot send bytes: /, name);
      return true;
    });
  }
  const data = new Uint8Array(4);
  for (
    const [offset, size] of [[-1, undefined], [5, undefined], [1.5, undefined], [0, 5], [2, 3], [
      0,
      -1,
    ]]
  ) {
    assert.throws(() => writer.sendBytes(data, offset, size), RangeError, `${offset}, ${size}`);
  }
  assert.throws(() => writer.sendBytes(data, "1" as never), TypeError);
  assert.equal(reader.poll(0) instanceof Promise, true);
  writer.close();
  reader.close();
});

Deno.test("recvBytesInto writes into the caller's buffer; BufferTooShort holds a message that does not fit", async () => {
  const [reader, writer] = Pipe<string>(false);
  writer.sendBytes(new Uint8Array([1, 2, 3]));
  const target = new Uint16Array(4); // 8 bytes
  assert.equal(await reader.recvBytesInto(target, 2), 3);
  assert.deepEqual(Array.from(new Uint8Array(target.buffer)), [0, 0, 1, 2, 3, 0, 0, 0]);
  const buffer = new ArrayBuffer(4);
  writer.sendBytes(new Uint8Array([9, 9]));
  assert.equal(await reader.recvBytesInto(buffer, 2), 2);
  assert.deepEqual(Array.from(new Uint8Array(buffer)), [0, 0, 9, 9]);
  writer.sendBytes(new Uint8Array([5, 6, 7, 8, 9]));
  writer.sendBytes(new Uint8Array([4]));
  await assert.rejects(reader.recvBytesInto(new Uint8Array(4)), (error: Error) => {
    assert.ok(error instanceof BufferTooShort);
    assert.deepEqual(Array.from(error.bytes), [5, 6, 7, 8, 9]);
    return true;
  });
  assert.equal(await reader.recvBytesInto(new Uint8Array(1)), 1, "the long message was taken");
  writer.send("text");
  await assert.rejects(reader.recvBytesInto(new Uint8Array(8)), TypeError);
  assert.equal(await reader.recv(), "text", "a message sent with send() stays for recv()");
  await assert.rejects(reader.recvBytesInto("x" as never), TypeError);
  await assert.rejects(reader.recvBytesInto(new Uint8Array(2), 3), RangeError);
  writer.close();
  await assert.rejects(reader.recvBytesInto(new Uint8Array(2)), EOFError);
  reader.close();
});

Deno.test("un-awaited recv() calls resolve in call order, then each sees EOF", async () => {
  const [reader, writer] = Pipe<number>(false);
  const order: string[] = [];
  const receives = range(6).map((i) =>
    reader.recv().then((m) => order.push(`${i}:${m}`), (e) => order.push(`${i}:${e.name}`))
  );
  for (let i = 0; i < 4; i++) writer.send(i);
  writer.close();
  await Promise.all(receives);
  assert.deepEqual(order, ["0:0", "1:1", "2:2", "3:3", "4:EOFError", "5:EOFError"]);
  const [a, b] = Pipe<number>();
  const pending = a.recv();
  a.close();
  await assert.rejects(pending, ChannelClosedError, "closing an end fails its pending receives");
  b.close();
});

/** What a promise-returning call does with bad input: it must reject, never throw. */
async function rejects(
  label: string,
  call: () => Promise<unknown>,
  errorClass: abstract new (...args: never[]) => Error,
  message: RegExp,
): Promise<void> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    assert.fail(`${label} threw synchronously: ${error}`);
  }
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof errorClass, `${label}: ${error}`);
    assert.match(error.message, message, label);
    return true;
  }, label);
}

Deno.test("bad input to every constructor: a named error saying what was wrong", () => {
  const cases: [string, () => unknown, abstract new (...args: never[]) => Error, RegExp][] = [
    ["new Queue(-1)", () => new Queue(-1), RangeError, /maxsize must be an integer from 0/],
    ["new Queue(NaN)", () => new Queue(NaN), RangeError, /maxsize .* got NaN/],
    ["new Queue(2**40)", () => new Queue(2 ** 40), RangeError, /to 2147483647, got/],
    ["new Queue(1.5)", () => new Queue(1.5), RangeError, /maxsize/],
    ["new Queue('x')", () => new Queue("x" as never), TypeError, /maxsize must be an integer/],
    ["new Queue(null)", () => new Queue(null as never), TypeError, /got null/],
    [
      "new Queue(0, null)",
      () => new Queue(0, null as never),
      TypeError,
      /options must be an object/,
    ],
    ["new Queue(0, 'x')", () => new Queue(0, "x" as never), TypeError, /options must be an object/],
    [
      "bufferBytes 10",
      () => new Queue(0, { bufferBytes: 10 }),
      RangeError,
      /bufferBytes .* from 64/,
    ],
    ["bufferBytes NaN", () => new Queue(0, { bufferBytes: NaN }), RangeError, /bufferBytes/],
    [
      "bufferBytes '64'",
      () => new Queue(0, { bufferBytes: "64" as never }),
      TypeError,
      /bufferBytes/,
    ],
    [
      "maxBufferBytes 2**31",
      () => new Queue(0, { maxBufferBytes: 2 ** 31 }),
      RangeError,
      /to 1073741824/,
    ],
    [
      "maxBufferBytes Infinity",
      () => new Queue(0, { maxBufferBytes: Infinity }),
      RangeError,
      /maxBufferBytes/,
    ],
    [
      "bufferBytes > max",
      () => new Queue(0, { bufferBytes: 4096, maxBufferBytes: 1024 }),
      RangeError,
      /larger than/,
    ],
    ["new JoinableQueue(-1)", () => new JoinableQueue(-1), RangeError, /maxsize/],
    [
      "new SimpleQueue(5)",
      () => new SimpleQueue(5 as never),
      TypeError,
      /options must be an object/,
    ],
    [
      "Pipe('no')",
      () => Pipe("no" as never),
      TypeError,
      /duplex must be a boolean, got the string "no"/,
    ],
    ["Pipe(1)", () => Pipe(1 as never), TypeError, /duplex must be a boolean/],
    [
      "Pipe(true, { bufferBytes: -5 })",
      () => Pipe(true, { bufferBytes: -5 }),
      RangeError,
      /bufferBytes/,
    ],
    ["Pipe(true, null)", () => Pipe(true, null as never), TypeError, /Cannot create pipe: options/],
  ];
  for (const [label, call, errorClass, message] of cases) {
    assert.throws(call, (error: Error) => {
      assert.ok(error instanceof errorClass, `${label}: ${error}`);
      assert.match(error.message, message, label);
      return true;
    }, label);
  }
});

Deno.test("bad input to every method: sync ones throw, promise ones reject, before any change", async () => {
  const q = new JoinableQueue<number>(1);
  await q.put(1);
  for (const [name, timeout] of [["-1", -1], ["NaN", NaN], ["-Infinity", -Infinity]] as const) {
    await rejects(`put timeout ${name}`, () => q.put(2, { timeout }), RangeError, /timeout must/);
    await rejects(`get timeout ${name}`, () => q.get({ timeout }), RangeError, /timeout must/);
    await rejects(`join(${name})`, () => q.join(timeout), RangeError, /timeout must/);
  }
  assert.equal(q.qsize(), 1, "a refused get took nothing, a refused put added nothing");
  await rejects(
    "put timeout 'abc'",
    () => q.put(2, { timeout: "abc" as never }),
    TypeError,
    /timeout/,
  );
  await rejects(
    "put block 'no'",
    () => q.put(2, { block: "no" as never }),
    TypeError,
    /block must be true or false/,
  );
  await rejects(
    "get blocking 1",
    () => q.get({ blocking: 1 as never }),
    TypeError,
    /blocking must/,
  );
  await rejects(
    "put options null",
    () => q.put(2, null as never),
    TypeError,
    /options must be an object/,
  );
  await rejects("get options 5", () => q.get(5 as never), TypeError, /options must be an object/);
  await rejects(
    "join('abc')",
    () => q.join("abc" as never),
    TypeError,
    /options must be a timeout in milliseconds or an object/,
  );
  await rejects("put(function)", () => q.put((() => 1) as never), Error, /function/);
  assert.throws(() => q.putSync(2, { timeout: -1 }), RangeError);
  assert.throws(() => q.getSync({ timeout: NaN }), RangeError);
  assert.throws(() => q.shutdown({ immediate: "yes" as never }), /immediate must be a boolean/);
  assert.throws(() => q.shutdown(null as never), /options must be an object/);
  assert.equal(q.qsize(), 1);
  assert.equal(await q.get(), 1, "the queue is still usable");
  q.taskDone();
  assert.equal(await q.join(Infinity), true, "Infinity is no limit");
  assert.equal(await q.join(3e9), true, "a timeout beyond 2^31-1 ms is no limit either");
  await q.put(5, { timeout: 3e9 });
  assert.equal(await q.get({ timeout: null }), 5);

  const [a, b] = Pipe<number>();
  await rejects("poll(-1)", () => b.poll(-1), RangeError, /timeout must/);
  await rejects("poll(NaN)", () => b.poll(NaN), RangeError, /timeout must/);
  await rejects("poll('x')", () => b.poll("x" as never), TypeError, /options must be a timeout/);
  a.send(1);
  assert.equal(await b.poll(Infinity), true);
  assert.equal(await b.poll(null), true);
  assert.equal(await b.recv(), 1);
  const [r, w] = Pipe<number>(false);
  await rejects("recv on the send-only end", () => w.recv(), TypeError, /send-only end/);
  await rejects("recvBytes on the send-only end", () => w.recvBytes(), TypeError, /send-only/);
  await rejects("poll on the send-only end", () => w.poll(), TypeError, /send-only/);
  await rejects(
    "recvBytesInto on the send-only end",
    () => w.recvBytesInto(new Uint8Array(1)),
    TypeError,
    /send-only/,
  );
  assert.throws(() => r.sendBytes(new Uint8Array(1)), /receive-only end/);
  r.close();
  await rejects("recv on a closed end", () => r.recv(), ChannelClosedError, /closed/);
  await rejects("poll on a closed end", () => r.poll(), ChannelClosedError, /closed/);
  w.close();
  a.close();
  b.close();
});

/** A round of producers and consumers killed at seeded random points; see the checks below. */
async function killRound(random: Random, kind: "bounded" | "unbounded" | "pipe"): Promise<void> {
  const producers = random.int(2, 3);
  const count = Math.round(random.int(2000, 6000) * scale());
  const seen = new SharedArray("i32", producers * count);
  const disorder = new SharedArray("i32", 1);
  const progress = new SharedArray("i32", producers);
  const q = kind === "pipe"
    ? null
    : kind === "bounded"
    ? new Queue<number>(random.int(1, 32), { bufferBytes: random.pick([64, 256, 4096]) })
    : new SimpleQueue<number>({ bufferBytes: 64, maxBufferBytes: random.pick([1024, 1 << 16]) });
  const [reader, writer] = Pipe<number>(false, { bufferBytes: 256, maxBufferBytes: 4096 });
  const newProducer = (p: number) =>
    q === null
      ? new Process({ target: targets.sendNumbered, args: [writer, p, count, progress] })
      : new Process({ target: targets.produceNumbered, args: [q, p, count, progress] });
  const newConsumer = () =>
    q === null
      ? new Process({ target: targets.receiveNumbered, args: [reader, count, seen, disorder] })
      : new Process({ target: targets.consumeNumbered, args: [q, count, seen, disorder] });
  const running = range(producers).map(newProducer);
  const consumers = range(random.int(1, 3)).map(newConsumer);
  await Promise.all([...running, ...consumers].map((p) => p.start()));
  writer.close(); // the producers hold their own copies
  const killedProducers = new Set<number>();
  let killedConsumers = 0;
  const received = () => seen.toArray().reduce((sum, n) => sum + n, 0);
  for (let event = random.int(1, 4); event > 0; event--) {
    const threshold = random.next() * producers * count;
    await until(() => received() >= threshold || running.every((p) => !p.isAlive()), 60_000);
    const live = running.filter((p, i) => p.isAlive() && !killedProducers.has(i));
    const victimIsProducer = live.length > 0 && random.chance(0.5);
    const victim = victimIsProducer ? random.pick(live) : random.pick(consumers);
    if (!victimIsProducer && !victim.isAlive()) continue;
    await (random.chance(0.5) ? victim.kill() : victim.terminate());
    if (victimIsProducer) killedProducers.add(running.indexOf(victim));
    else {
      killedConsumers++;
      const replacement = newConsumer();
      await replacement.start();
      consumers.push(replacement);
    }
  }
  for (const p of running) await p.join();
  q?.shutdown();
  for (const p of consumers) await p.join();
  assert.ok(consumers.every((p) => p.exitcode === 0 || p.exitcode! < 0), "consumers ended well");
  reader.close();
  const counts = seen.toArray();
  assert.ok(counts.every((n) => n <= 1), "no item was received twice");
  assert.equal(disorder.get(0), 0, "each consumer got each producer's items in order");
  let missing = 0;
  for (let p = 0; p < producers; p++) {
    const surelyPut = killedProducers.has(p) ? progress.get(p) : count;
    if (!killedProducers.has(p)) assert.equal(running[p].exitcode, 0);
    for (let i = 0; i < count; i++) {
      const n = counts[p * count + i];
      if (i < surelyPut && n === 0) missing++;
      if (i > surelyPut) assert.equal(n, 0, `producer ${p} item ${i}: never put, yet received`);
    }
  }
  assert.ok(
    missing <= killedConsumers,
    `${missing} items lost with ${killedConsumers} killed consumers (at most one each)`,
  );
}

for (const kind of ["bounded", "unbounded", "pipe"] as const) {
  Deno.test(`${kind === "pipe" ? "a pipe" : `a queue (${kind})`}: producers and consumers killed at random points`, async () => {
    await withSeed(1110 + kind.length, async (random) => {
      for (let round = 0; round < ROUNDS; round++) await killRound(random, kind);
    });
  });
}
