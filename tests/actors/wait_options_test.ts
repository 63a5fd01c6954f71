/**
 * The one options shape of every wait: `{ timeout, signal, blocking }`, with the positional
 * timeout kept where Python has it. A cancelled wait rejects with the signal's reason and takes
 * nothing; a signal aborted before the call rejects at once; a bad signal is a TypeError.
 */
import assert from "node:assert/strict";
import {
  Barrier,
  BrokenBarrierError,
  Condition,
  Event,
  JoinableQueue,
  Lock,
  Manager,
  Pipe,
  Pool,
  Process,
  Queue,
  Semaphore,
} from "../../mod.ts";
import { sleepFor } from "../fixtures/process_targets.ts";
import { later } from "../fixtures/pool_targets.ts";

const stop = new Error("no longer needed");

/** A signal that aborts with `stop` after `ms`. */
function abortAfter(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(stop), ms);
  return controller.signal;
}

const aborted = () => AbortSignal.abort(stop);
const isStop = (error: unknown) => error === stop;

Deno.test("a cancelled acquire takes nothing: the next acquirer gets the lock", async () => {
  const lock = new Lock();
  await lock.acquire();
  await assert.rejects(lock.acquire({ signal: abortAfter(30) }), isStop);
  lock.release();
  assert.equal(await lock.acquire({ blocking: false }), true);
  lock.release();
  const permits = new Semaphore(0);
  await assert.rejects(permits.acquire({ signal: abortAfter(30), timeout: 5000 }), isStop);
  permits.release();
  assert.equal(await permits.acquire({ blocking: false }), true, "the permit was not taken");
});

Deno.test("a signal aborted before the call rejects at once, even when nothing would wait", async () => {
  const lock = new Lock();
  await assert.rejects(lock.acquire({ signal: aborted() }), isStop);
  assert.equal(lock.locked(), false);
  const event = new Event();
  event.set();
  await assert.rejects(event.wait({ signal: aborted() }), isStop);
  const queue = new Queue<number>();
  await assert.rejects(queue.put(1, { signal: aborted() }), isStop);
  assert.equal(queue.qsize(), 0, "the item was not put");
  queue.close();
});

Deno.test("Event.wait: positional timeout, options, blocking: false and a signal", async () => {
  const event = new Event();
  assert.equal(await event.wait(10), false);
  assert.equal(await event.wait({ timeout: 10 }), false);
  assert.equal(await event.wait({ blocking: false }), false);
  await assert.rejects(event.wait({ signal: abortAfter(20) }), isStop);
  setTimeout(() => event.set(), 10);
  assert.equal(await event.wait({ signal: abortAfter(5000), timeout: 5000 }), true);
  await assert.rejects(
    event.wait({ signal: "no" as unknown as AbortSignal }),
    (error) => error instanceof TypeError && /AbortSignal/.test(error.message),
  );
});

Deno.test("Condition.wait: a cancelled wait holds the lock again before it rejects", async () => {
  const condition = new Condition();
  await condition.acquire();
  await assert.rejects(condition.wait({ signal: abortAfter(20) }), isStop);
  // The lock is held again: releasing it works, and a second release is refused.
  condition.release();
  assert.throws(() => condition.release());
  await condition.acquire();
  assert.equal(await condition.wait(10), false, "the positional timeout still works");
  await assert.rejects(condition.waitFor(() => false, { signal: abortAfter(20) }), isStop);
  condition.release();
});

Deno.test("Barrier.wait: a party cancelled after it arrived breaks the barrier for the others", async () => {
  const barrier = new Barrier(3);
  const other = barrier.wait();
  await assert.rejects(barrier.wait({ signal: abortAfter(30) }), isStop);
  await assert.rejects(other, BrokenBarrierError);
  assert.equal(barrier.broken, true);
  barrier.reset();
  await assert.rejects(barrier.wait({ signal: aborted() }), isStop);
  assert.equal(barrier.broken, false, "a party cancelled before it arrived changes nothing");
  assert.equal(barrier.nWaiting, 0);
});

Deno.test("Queue: a cancelled get takes nothing, a cancelled put puts nothing", async () => {
  const queue = new Queue<string>(1);
  await assert.rejects(queue.get({ signal: abortAfter(20) }), isStop);
  await queue.put("first");
  assert.equal(await queue.get({ timeout: 1000 }), "first", "the next get takes the item");
  await queue.put("fills it");
  await assert.rejects(queue.put("never", { signal: abortAfter(20) }), isStop);
  assert.equal(queue.qsize(), 1);
  // Un-awaited puts behind a cancelled one go on in order.
  const cancelled = new AbortController();
  const blocked = queue.put("cancelled", { signal: cancelled.signal });
  const after = queue.put("after");
  cancelled.abort(stop);
  await assert.rejects(blocked, isStop);
  assert.equal(await queue.get(), "fills it");
  await after;
  assert.equal(await queue.get(), "after");
  queue.close();
});

Deno.test("JoinableQueue.join and Connection.poll take a signal", async () => {
  const queue = new JoinableQueue<number>();
  await queue.put(1);
  await assert.rejects(queue.join({ signal: abortAfter(20) }), isStop);
  assert.equal(await queue.join(10), false);
  await queue.get();
  queue.taskDone();
  assert.equal(await queue.join({ timeout: 1000 }), true);
  queue.close();
  const [reader, writer] = Pipe<number>(false);
  await assert.rejects(reader.poll({ signal: abortAfter(20) }), isStop);
  assert.equal(await reader.poll(), false, "poll() only looks");
  writer.send(1);
  assert.equal(await reader.poll({ timeout: 1000 }), true);
  assert.equal(await reader.recv(), 1);
  reader.close();
  writer.close();
});

Deno.test("Process.join and AsyncResult.get/wait take a signal; the work goes on", async () => {
  const p = new Process({ target: sleepFor, args: [300] });
  await p.start();
  await assert.rejects(p.join({ signal: abortAfter(20) }), isStop);
  assert.equal(p.exitcode, null, "the process runs on");
  await p.join({ timeout: 10 });
  await p.join();
  assert.equal(p.exitcode, 0);
  await using pool = new Pool({ processes: 1 });
  const result = pool.applyAsync(later, ["done", 200]);
  await assert.rejects(result.get({ signal: abortAfter(20) }), isStop);
  await assert.rejects(result.wait({ signal: aborted() }), isStop);
  assert.equal(await result.get({ timeout: 5000 }), "done", "the task was not cancelled");
});

Deno.test("block and blocking are one option: block: false never waits, on any wait", async () => {
  const lock = new Lock();
  await lock.acquire();
  assert.equal(await lock.acquire({ block: false }), false, "Python's queue name on a lock");
  assert.equal(await new Event().wait({ block: false }), false);
  await assert.rejects(
    lock.acquire({ block: "no" as never }),
    (error) => error instanceof TypeError && /block must be true or false/.test(error.message),
  );
  lock.release();
  const queue = new Queue<number>();
  await assert.rejects(queue.get({ blocking: false }), { name: "Empty" });
  queue.close();
});

Deno.test("a manager's waits take block as its queues do, and refuse a signal they cannot honour", async () => {
  await using manager = new Manager();
  const queue = await manager.queue<number>();
  await assert.rejects(queue.get({ block: false }), { name: "Empty" });
  await assert.rejects(
    queue.get({ signal: new AbortController().signal }),
    (error) => error instanceof TypeError && /take no signal/.test(error.message),
  );
  const lock = await manager.lock();
  assert.equal(await lock.acquire({ block: false }), true);
  assert.equal(await lock.acquire({ block: false }), false);
});
