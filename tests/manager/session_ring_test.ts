/**
 * The manager's channel on one thread: frames go into a ring whole or wait, in order, for
 * room; a frame larger than the ring's room grows it; a channel is checked against the frame
 * limit it was made for.
 */
import assert from "node:assert/strict";
import {
  isChannel,
  newChannel,
  Outbox,
  RING_BYTES,
  takeFrame,
} from "../../actors/manager/_wire/session_ring.ts";
import { FRAME_HEADER, FrameError } from "../../actors/_shm/frames.ts";
import { Ring } from "../../actors/_shm/ring.ts";
import { COMPACT, encode } from "../../actors/_shm/codec.ts";

const MAX_FRAME_BYTES = 1 << 20;

/** A frame (length prefix, then payload) whose payload is `length` bytes of `id`. */
function frameOf(id: number, length = 1000): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER + length).fill(id, FRAME_HEADER);
  new DataView(frame.buffer).setUint32(0, length, true);
  return frame;
}

function takeAll(ring: Ring): Uint8Array[] {
  const taken: Uint8Array[] = [];
  for (let payload = takeFrame(ring); payload !== null; payload = takeFrame(ring)) {
    taken.push(payload);
  }
  return taken;
}

Deno.test("outbox: a run of frames fills the ring without growing it, then waits in order", () => {
  const channel = newChannel(MAX_FRAME_BYTES);
  const outbox = new Outbox(channel.requests);
  const reader = new Ring(channel.requests);
  let put = 0;
  while (outbox.put(frameOf(put))) put++;
  assert.ok(put > 0 && put < RING_BYTES / 1000, `${put} frames went in`);
  assert.equal(reader.capacity, RING_BYTES, "a run of small frames grew the ring");
  outbox.put(frameOf(put + 1));
  assert.equal(outbox.waiting, true);
  assert.equal(outbox.mayMove, false, "room before the consumer took anything");
  assert.equal(outbox.move(), 0);
  assert.deepEqual(takeFrame(reader), frameOf(0).subarray(FRAME_HEADER));
  assert.equal(outbox.mayMove, true, "the consumer took a frame");
  assert.equal(outbox.move(), 1000, "one frame's room, one frame moved");
  const taken = takeAll(reader);
  assert.equal(outbox.move(), 1000);
  taken.push(...takeAll(reader));
  assert.equal(outbox.waiting, false);
  assert.equal(outbox.mayMove, false);
  const expected = Array.from({ length: put + 1 }, (_, i) => i + 1);
  assert.deepEqual(taken.map((payload) => payload[0]), expected);
});

Deno.test("outbox: a frame larger than the ring's room grows it, behind the frames that wait", () => {
  const channel = newChannel(MAX_FRAME_BYTES);
  const outbox = new Outbox(channel.requests);
  const reader = new Ring(channel.requests);
  while (outbox.put(frameOf(1))) { /* fill the ring */ }
  outbox.put(frameOf(2, MAX_FRAME_BYTES));
  assert.equal(reader.capacity, RING_BYTES, "it grew before the frames ahead went in");
  const taken = takeAll(reader);
  while (outbox.waiting) {
    outbox.move();
    taken.push(...takeAll(reader));
  }
  assert.ok(reader.capacity > MAX_FRAME_BYTES, "it did not grow for the frame");
  assert.deepEqual(taken.at(-1), frameOf(2, MAX_FRAME_BYTES).subarray(FRAME_HEADER));
  assert.ok(taken.slice(0, -1).every((payload) => payload[0] === 1));
});

Deno.test("takeFrame refuses a record that is not bytes; isChannel checks the frame limit", () => {
  const channel = newChannel(MAX_FRAME_BYTES);
  const ring = new Ring(channel.requests);
  const { tag, bytes, length } = encode(5, "put a value");
  assert.equal(tag, COMPACT);
  ring.tryPut(tag, bytes, length);
  assert.throws(() => takeFrame(ring), FrameError);
  assert.equal(isChannel(channel, MAX_FRAME_BYTES), true);
  assert.equal(isChannel(channel, 16 * MAX_FRAME_BYTES), false, "rings too small for its frames");
  assert.equal(isChannel({ ...channel, replies: channel.words }, MAX_FRAME_BYTES), false);
  assert.equal(isChannel(new SharedArrayBuffer(64), MAX_FRAME_BYTES), false);
});
