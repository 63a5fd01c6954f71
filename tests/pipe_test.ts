import assert from "node:assert/strict";
import { ChannelClosedError, CloneError, EOFError, Pipe, Process } from "../mod.ts";
import * as targets from "./fixtures/channel_targets.ts";
import { receiveMany } from "./_helpers.ts";

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
