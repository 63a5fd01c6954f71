/** Channel workloads shared by the deno bench file and the comparison with Python. */
import { Worker } from "node:worker_threads";
import { type Connection, Event, Pipe, Process, Queue, task } from "../mod.ts";
import { afterStart, type Clock, noClock } from "./_clock.ts";

/** The kinds of small items the Queue workload moves (the same in python_bench.py). */
export type ItemKind = "number" | "string" | "object";

/** The `i`-th item of a kind: a number, a short string, or a small object. */
export function smallItem(kind: ItemKind, i: number): SmallItem {
  switch (kind) {
    case "number":
      return i;
    case "string":
      return `item-${i}`;
    case "object":
      return { id: i, name: "widget", tags: ["a", "b"] };
  }
}

/** What the Queue workload moves. */
export type SmallItem = number | string | { id: number; name: string; tags: string[] };

/** Puts `count` small items of `kind` after `go`. */
export const producer = task(
  import.meta,
  async function producer(q: Queue<SmallItem>, kind: ItemKind, count: number, go: Event) {
    await go.wait();
    for (let i = 0; i < count; i++) q.putSync(smallItem(kind, i));
  },
);

/** Takes `count` items. */
export const consumer = task(import.meta, function consumer(q: Queue<SmallItem>, count: number) {
  for (let i = 0; i < count; i++) q.getSync();
});

/** Echoes `count` messages on the pipe. */
export const pipeEcho = task(import.meta, function pipeEcho(end: Connection, count: number) {
  for (let i = 0; i < count; i++) end.send(end.recvSync());
});

/** Receives `count` binary messages, then answers with the count. */
export const bytesSink = task(
  import.meta,
  async function bytesSink(end: Connection, count: number) {
    for (let i = 0; i < count; i++) await end.recvBytes();
    end.send(count);
  },
);

/**
 * Small items per second through one Queue, from a producer actor to a consumer actor, timed
 * from the go signal until both have ended.
 */
export async function queueItemsPerSecond(
  count = 200_000,
  kind: ItemKind = "number",
  clock: Clock = noClock,
): Promise<number> {
  const q = new Queue<SmallItem>(10_000);
  const go = new Event();
  const actors = [
    new Process({ target: producer, args: [q, kind, count, go] }),
    new Process({ target: consumer, args: [q, count] }),
  ];
  for (const p of actors) await p.start();
  await afterStart();
  clock.start();
  const started = performance.now();
  go.set();
  for (const p of actors) await p.join();
  const perSecond = count / ((performance.now() - started) / 1000);
  clock.end();
  return perSecond;
}

/** Microseconds per Pipe round trip, parent -> child -> parent. */
export async function pipeRoundTripUs(count = 5000, clock = noClock): Promise<number> {
  const [mine, theirs] = Pipe();
  const child = new Process({ target: pipeEcho, args: [theirs, count] });
  await child.start();
  theirs.close();
  await afterStart();
  clock.start();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    mine.send(i);
    await mine.recv();
  }
  const elapsed = performance.now() - started;
  clock.end();
  await child.join();
  mine.close();
  return elapsed / count * 1000;
}

/** 64 KiB messages per second through a Pipe with sendBytes, until the reader has them all. */
export async function pipeBytesPerSecond(count = 2000, clock = noClock): Promise<number> {
  const [mine, theirs] = Pipe();
  const child = new Process({ target: bytesSink, args: [theirs, count] });
  await child.start();
  theirs.close();
  await afterStart();
  const payload = new Uint8Array(64 * 1024);
  clock.start();
  const started = performance.now();
  for (let i = 0; i < count; i++) mine.sendBytes(payload);
  await mine.recv();
  const perSecond = count / ((performance.now() - started) / 1000);
  clock.end();
  mine.close();
  await child.join();
  return perSecond;
}

/**
 * 64 KiB messages per second as transferred ArrayBuffers over a bare Worker: the baseline. The
 * clock starts once the worker runs, as it starts once the Pipe's child runs.
 */
export async function rawTransferPerSecond(count = 2000, clock = noClock): Promise<number> {
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads");
     let n = 0;
     parentPort.on("message", () => { if (++n === ${count}) parentPort.postMessage("done"); });
     parentPort.postMessage("ready");`,
    { eval: true },
  );
  await new Promise((resolve) => worker.once("message", resolve));
  const done = new Promise((resolve) => worker.once("message", resolve));
  clock.start();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const buffer = new ArrayBuffer(64 * 1024);
    worker.postMessage(buffer, [buffer]);
  }
  await done;
  const perSecond = count / ((performance.now() - started) / 1000);
  clock.end();
  await worker.terminate();
  return perSecond;
}
