/**
 * The manager's session rings on one thread: frames of every size pass in order through rings
 * of a fixed size, in pieces when they are long, with the backlog keeping what does not fit; and
 * what a frame reader refuses (a frame above its limit, a record that is not a frame).
 */
import assert from "node:assert/strict";
import {
  isChannel,
  newChannel,
  RING_BYTES,
  RingFrameReader,
  RingFrameWriter,
} from "../../actors/manager/_wire/session_ring.ts";
import { frame, FrameError } from "../../actors/_shm/frames.ts";
import { BYTES, COMPACT } from "../../actors/_shm/codec.ts";
import { Ring } from "../../actors/_shm/ring.ts";
import { scale, withSeed } from "../reliability/_random.ts";

const LIMIT = 1 << 20;

function payloadOf(id: number, length: number): Uint8Array {
  const payload = new Uint8Array(length);
  for (let index = 0; index < length; index++) payload[index] = (id * 31 + index) & 0xff;
  return payload;
}

Deno.test("session ring: frames from empty to 6 ring lengths come out whole and in order", async () => {
  await withSeed(1207, (random) => {
    const channel = newChannel();
    const writer = new RingFrameWriter(channel.requests);
    const reader = new RingFrameReader(channel.requests, LIMIT);
    const sent: Uint8Array[] = [];
    let received = 0;
    const steps = Math.round(3000 * scale());
    for (let step = 0; step < steps; step++) {
      if (random.chance(0.5)) {
        const length = random.chance(0.05)
          ? random.int(RING_BYTES, 6 * RING_BYTES)
          : random.int(0, 3000);
        const payload = payloadOf(step, length);
        const framed = frame(payload);
        writer.write(framed);
        framed.fill(0); // the writer copied what it kept
        if (random.chance(0.7)) writer.publish();
        sent.push(payload);
      } else {
        for (let reads = random.int(1, 8); reads > 0; reads--) {
          const payload = reader.next();
          if (payload === null) break;
          assert.deepEqual(payload, sent[received], `frame ${received} at step ${step}`);
          received++;
        }
        writer.flush();
        writer.publish();
      }
      assert.equal(writer.canFlush, false, `step ${step}: a piece that fits was kept back`);
    }
    while (received < sent.length) {
      writer.flush();
      writer.publish();
      const payload = reader.next();
      if (payload === null) {
        assert.equal(writer.pending, true, `frame ${received} is lost`);
        assert.equal(writer.canFlush, true, "a drained ring has room for the next piece");
        continue;
      }
      assert.deepEqual(payload, sent[received], `frame ${received}`);
      received++;
    }
    assert.equal(reader.readable, false);
    assert.equal(writer.pending, false);
  });
});

Deno.test("session ring: puts are seen at publish, together; publish counts their bytes", () => {
  const channel = newChannel();
  const writer = new RingFrameWriter(channel.replies);
  const reader = new RingFrameReader(channel.replies, LIMIT);
  assert.equal(writer.publish(), 0);
  writer.write(frame(payloadOf(1, 10)));
  writer.write(frame(payloadOf(2, 3 * RING_BYTES)));
  assert.equal(writer.pending, true, "three ring lengths do not fit at once");
  assert.equal(reader.readable, false, "nothing is seen before publish");
  assert.equal(reader.next(), null);
  const published = writer.publish();
  assert.ok(published > 14 && published < RING_BYTES, `${published} bytes`);
  assert.equal(writer.publish(), 0);
  assert.equal(reader.readable, true);
  assert.equal(reader.takeFreed(), false);
  assert.deepEqual(reader.next(), payloadOf(1, 10));
  assert.equal(reader.takeFreed(), true);
  assert.equal(reader.takeFreed(), false);
  writer.clear();
  assert.equal(writer.pending, false);
});

Deno.test("session ring: a frame above the limit, or a record that is not one frame, is refused", () => {
  const channel = newChannel();
  const ring = new Ring(channel.requests);
  const reader = new RingFrameReader(channel.requests, 100);
  const big = frame(new Uint8Array(101));
  ring.tryPut(BYTES, big, big.length);
  ring.publish();
  assert.throws(() => reader.next(), FrameError);

  const other = newChannel();
  const otherRing = new Ring(other.requests);
  otherRing.tryPut(COMPACT, new Uint8Array(8), 8);
  otherRing.publish();
  assert.throws(() => new RingFrameReader(other.requests, 100).next(), /tag/);

  const third = newChannel();
  const two = new Uint8Array([...frame(new Uint8Array([1])), ...frame(new Uint8Array([2]))]);
  const thirdRing = new Ring(third.requests);
  thirdRing.tryPut(BYTES, two, two.length);
  thirdRing.publish();
  assert.throws(() => new RingFrameReader(third.requests, 100).next(), /more than one frame/);
});

Deno.test("session ring: isChannel accepts a channel, also a clone, and nothing else", () => {
  const channel = newChannel();
  assert.equal(isChannel(channel), true);
  assert.equal(isChannel(structuredClone(channel)), true);
  for (
    const bad of [
      null,
      new SharedArrayBuffer(32 * 4 + 2 * RING_BYTES),
      { ...channel, words: new Int32Array(new SharedArrayBuffer(16)) },
      { ...channel, requests: undefined },
      { ...channel, replies: newChannel().replies, requests: { words: channel.words } },
    ]
  ) {
    assert.equal(isChannel(bad), false, `accepted ${Deno.inspect(bad, { depth: 1 })}`);
  }
});
