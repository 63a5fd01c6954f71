import assert from "node:assert/strict";
import { Process, ShutDown, SimpleQueue } from "../../mod.ts";
import * as targets from "../fixtures/channel_targets.ts";

Deno.test("a SimpleQueue carries items from a child in order, up to its sentinel", async () => {
  const q = new SimpleQueue<number | null>();
  const producer = new Process({ target: targets.fillSimple, args: [q, 100] });
  await producer.start();
  const received: number[] = [];
  for (let item = await q.get(); item !== null; item = await q.get()) received.push(item);
  assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => i));
  await producer.join();
  assert.equal(q.empty(), true);
});

Deno.test("a SimpleQueue is unbounded and shuts down like a Queue", async () => {
  const q = new SimpleQueue<string>({ bufferBytes: 64 });
  for (let i = 0; i < 1000; i++) q.putNowait(`item ${i}`);
  assert.equal(q.qsize(), 1000);
  assert.equal(q.full(), false);
  q.shutdown();
  const drained: string[] = [];
  for await (const item of q) drained.push(item);
  assert.equal(drained.length, 1000);
  await assert.rejects(q.get(), ShutDown);
});
