import assert from "node:assert/strict";
import {
  BufferTooShort,
  ChannelClosedError,
  CloneError,
  EOFError,
  Full,
  Pipe,
  Process,
} from "../../mod.ts";
import * as targets from "../fixtures/channel_targets.ts";
import { receiveMany } from "../_helpers.ts";

Deno.test("a duplex pipe carries requests and replies in order; EOF ends the child", async () => {
  const [parentEnd, childEnd] = Pipe<unknown>();
  const child = new Process({ target: targets.echoUntilEof, args: [childEnd] });
  await child.start();
  childEnd.close(); // the child holds its own copy: the seeds' lesson
  const messages = [1, "two", { three: [3n] }, new Map([[4, "four"]])];
  for (const message of messages) parentEnd.send(message);
  for (const message of messages) assert.deepEqual(await parentEnd.recv(), message);
  parentEnd.close();
  assert.deepEqual(await receiveMany(1), [4]);
  await child.join();
});

Deno.test("Pipe(false) gives [receiveOnly, sendOnly]; the wrong direction throws", async () => {
  const [reader, writer] = Pipe<number>(false);
  assert.equal(reader.readable && !reader.writable, true);
  assert.equal(writer.writable && !writer.readable, true);
  assert.throws(() => reader.send(1), TypeError);
  await assert.rejects(writer.recv(), TypeError);
  writer.send(7);
  assert.equal(await reader.recv(), 7);
});

Deno.test("recv rejects with EOFError once the other end is closed and drained", async () => {
  const [reader, writer] = Pipe<number>(false);
  writer.send(1);
  writer.send(2);
  writer.close();
  assert.equal(await reader.recv(), 1);
  assert.equal(await reader.recv(), 2);
  await assert.rejects(reader.recv(), EOFError);
  assert.equal(await reader.poll(), true, "poll reports that recv would not wait");
});

Deno.test("a child's exit closes its copies: the reader sees everything, then EOF", async () => {
  const [reader, writer] = Pipe<number>(false);
  const child = new Process({ target: targets.sendAndExit, args: [writer, 100] });
  await child.start();
  writer.close();
  const received: number[] = [];
  try {
    while (true) received.push(await reader.recv());
  } catch (error) {
    assert.ok(error instanceof EOFError);
  }
  assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => i));
  await child.join();
});

Deno.test("using a closed end throws ChannelClosedError; bad payloads throw CloneError", async () => {
  const [a, b] = Pipe<unknown>();
  assert.throws(() => a.send({ callback: () => {} }), CloneError);
  a.close();
  assert.throws(() => a.send(1), ChannelClosedError);
  await assert.rejects(a.recv(), ChannelClosedError);
  assert.throws(() => b.send(1), /other end of the pipe is closed everywhere/);
  b.close();
});

Deno.test("poll waits for data up to its timeout", async () => {
  const [a, b] = Pipe<string>();
  assert.equal(await a.poll(10), false);
  b.send("x");
  assert.equal(await a.poll(1000), true);
  assert.equal(await a.recv(), "x");
  a.close();
  b.close();
});

Deno.test("binary messages go through sendBytes/recvBytes unchanged", async () => {
  const [parentEnd, childEnd] = Pipe();
  const child = new Process({ target: targets.echoBytes, args: [childEnd, 3] });
  await child.start();
  childEnd.close();
  const payload = new Uint8Array(64 * 1024).map((_, i) => i % 251);
  for (let i = 0; i < 3; i++) {
    parentEnd.sendBytes(payload);
    assert.deepEqual(await parentEnd.recvBytes(), payload);
  }
  await child.join();
  parentEnd.close();
});

Deno.test("sendBytes of any length, from any offset, arrives whole across wraps and growth", async () => {
  const [reader, writer] = Pipe(false, { bufferBytes: 256 });
  const source = new Uint8Array(80_000).map((_, i) => (i * 7 + 3) % 251);
  const lengths = [0, 1, 5, 7, 8, 9, 63, 64, 65, 100, 255, 1000, 4097, 70_001];
  const pending: Uint8Array[] = [];
  for (let round = 0; round < 4; round++) {
    for (const [i, length] of lengths.entries()) {
      const offset = (i + round) % 8; // payloads that start unaligned, too
      const payload = source.subarray(offset, offset + length);
      writer.sendBytes(payload);
      pending.push(payload);
      // Read some back now and then, so that records wrap around the end of the buffer.
      if ((i + round) % 3 === 0) assert.deepEqual(await reader.recvBytes(), pending.shift());
    }
  }
  writer.close();
  while (pending.length > 0) assert.deepEqual(await reader.recvBytes(), pending.shift());
  await assert.rejects(reader.recvBytes(), EOFError);
  reader.close();
});

Deno.test("recvBytes refuses a message sent with send() and leaves it for recv()", async () => {
  const [reader, writer] = Pipe<string>(false);
  writer.send("text");
  await assert.rejects(reader.recvBytes(), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /sent with send\(\), not sendBytes\(\)/);
    return true;
  });
  assert.equal(await reader.recv(), "text");
  writer.close();
  reader.close();
});

Deno.test("a sender killed mid-send 20 times: whole messages in order, then EOF", async () => {
  for (let round = 0; round < 20; round++) {
    const [reader, writer] = Pipe<number>(false, { bufferBytes: 256 });
    const child = new Process({ target: targets.sendForever, args: [writer] });
    await child.start();
    writer.close();
    await receiveMany(1);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    await child.kill();
    let expected = 0;
    try {
      while (true) assert.equal(await reader.recv(), expected++, `round ${round}`);
    } catch (error) {
      assert.ok(error instanceof EOFError, `round ${round}: ${error}`);
    }
    reader.close();
  }
});

Deno.test("a pipe end passed on to a grandchild: its exit is the last close", async () => {
  const [reader, writer] = Pipe<number>(false);
  const child = new Process({ target: targets.nestedSend, args: [writer, 50] });
  await child.start();
  writer.close();
  const received: number[] = [];
  await assert.rejects(async () => {
    while (true) received.push(await reader.recv());
  }, EOFError);
  assert.deepEqual(received, Array.from({ length: 50 }, (_, i) => i));
  await child.join();
  reader.close();
});

Deno.test("the main thread's send grows the buffer, and throws Full only at its largest", async () => {
  const [reader, writer] = Pipe<Uint8Array>(false, { bufferBytes: 1024, maxBufferBytes: 4096 });
  const chunk = new Uint8Array(1000);
  writer.send(chunk);
  writer.send(chunk);
  writer.send(chunk); // past the first buffer: grown
  assert.throws(() => {
    for (let i = 0; i < 10; i++) writer.send(chunk);
  }, Full);
  assert.deepEqual(await reader.recv(), chunk);
  writer.send(chunk); // room again
  writer.close();
  let count = 0;
  await assert.rejects(async () => {
    while (true) count += (await reader.recv()).length > 0 ? 1 : 0;
  }, EOFError);
  assert.ok(count >= 3);
  reader.close();
});

Deno.test("sendBytes sends the bytes of any view or buffer; recvBytesInto fills a buffer", async () => {
  const [reader, writer] = Pipe(false);
  writer.sendBytes(new Uint16Array([1000, 2000]));
  assert.deepEqual(await reader.recvBytes(), new Uint8Array([232, 3, 208, 7]));
  writer.sendBytes(new Float64Array([1.5]).buffer);
  assert.deepEqual(await reader.recvBytes(), new Uint8Array([0, 0, 0, 0, 0, 0, 248, 63]));
  assert.throws(() => writer.sendBytes("hello" as never), TypeError);
  writer.sendBytes(new Uint8Array([1, 2, 3, 4]), 1, 2);
  const target = new Uint8Array(4);
  assert.equal(await reader.recvBytesInto(target, 1), 2);
  assert.deepEqual(target, new Uint8Array([0, 2, 3, 0]));
  writer.sendBytes(new Uint8Array(5));
  await assert.rejects(reader.recvBytesInto(new Uint8Array(4)), BufferTooShort);
  writer.close();
  reader.close();
});

Deno.test("a connection comes only from Pipe(), even given what looks like an end's state", () => {
  const [end] = Pipe();
  const AnyConnection = end.constructor as new (...args: unknown[]) => unknown;
  assert.throws(() => new AnyConnection(), TypeError);
  assert.throws(
    () => new AnyConnection({ state: { rings: [], holders: null, side: 0 } }),
    TypeError,
  );
  end.close();
});
