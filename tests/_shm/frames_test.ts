import assert from "node:assert/strict";
import { frame, FrameCutter, FrameError } from "../../actors/_shm/frames.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function framed(...texts: string[]): Uint8Array {
  const frames = texts.map((text) => frame(encoder.encode(text)));
  const joined = new Uint8Array(frames.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of frames) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

Deno.test("FrameCutter cuts the same frames whatever the stream's pieces", () => {
  const texts = ["", "a", "hello", "x".repeat(300)];
  const stream = framed(...texts);
  for (const size of [1, 2, 3, 4, 5, 7, 64, stream.length]) {
    const cutter = new FrameCutter(1024);
    const payloads: string[] = [];
    for (let at = 0; at < stream.length; at += size) {
      // A reused chunk: the payloads must not refer to it.
      const chunk = stream.slice(at, at + size);
      for (const payload of cutter.push(chunk)) payloads.push(decoder.decode(payload));
      chunk.fill(0);
    }
    assert.deepEqual(payloads, texts, `pieces of ${size} bytes`);
  }
});

Deno.test("FrameCutter.cut takes part of a range and says how much", () => {
  const stream = framed("ab", "cde");
  const cutter = new FrameCutter(16);
  assert.equal(decoder.decode(cutter.cut(stream, 0, stream.length)!), "ab");
  assert.equal(cutter.taken, 6);
  assert.equal(cutter.cut(stream, 6, 9), null);
  assert.equal(cutter.taken, 3);
  assert.equal(decoder.decode(cutter.cut(stream, 9, stream.length)!), "cde");
  assert.equal(cutter.taken, stream.length - 9);
});

Deno.test("FrameCutter refuses a frame above its limit from its header alone", () => {
  const cutter = new FrameCutter(4);
  assert.throws(
    () => cutter.push(framed("12345").subarray(0, 4)),
    (error: unknown) =>
      error instanceof FrameError &&
      error.message === "Cannot read a manager frame of 5 bytes: the limit is 4",
  );
  const raised = new FrameCutter(4);
  raised.maxBytes = 5;
  assert.deepEqual(raised.push(framed("12345")).map((p) => decoder.decode(p)), ["12345"]);
});
