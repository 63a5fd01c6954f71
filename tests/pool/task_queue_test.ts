/**
 * The pool's queue of units on one thread: FIFO order, the bound, units reserved for one
 * worker, requeueing, lazy sources in submission order, and the payload check.
 */
import assert from "node:assert/strict";
import {
  type Job,
  preparePayload,
  runCallback,
  TaskQueue,
  type Unit,
  type UnitOwner,
} from "../../actors/pool/_task_queue.ts";
import { CloneError } from "../../mod.ts";
import { withSeed } from "../reliability/_random.ts";

/** An owner whose `done` the test sets. */
function owner(): UnitOwner & { done: boolean } {
  return { done: false, resolveUnit() {}, rejectUnit() {} };
}

const anyOwner = owner();

/** A unit labelled `label`, for any worker unless `recipient` says otherwise. */
function unit(label: string, recipient?: number, unitOwner: UnitOwner = anyOwner): Unit {
  return {
    fn: 0,
    kind: "apply",
    payload: [],
    handles: recipient !== undefined,
    recipient,
    owner: unitOwner,
    index: 0,
    start: 0,
    timeout: undefined,
    label,
  };
}

const labels = (units: Unit[]) => units.map(({ label }) => label);

/** Shifts every unit worker `recipient` may run, in the order it gets them. */
function shiftAll(queue: TaskQueue, recipient = 1): string[] {
  const taken: string[] = [];
  while (queue.peek(recipient) !== undefined) taken.push(queue.shift(recipient)!.label);
  return taken;
}

/** A job yielding `items` units (owned by itself), or "wait" while `holding` is true. */
function source(name: string, items: number) {
  let given = 0;
  const state = { holding: false, calls: 0, cancelled: null as Error | null };
  const job: Job = {
    label: name,
    done: false,
    settled: Promise.resolve(),
    resolveUnit() {},
    rejectUnit() {},
    next() {
      state.calls++;
      if (state.holding) return "wait";
      if (given === items) return "done";
      return unit(`${name}${given++}`, undefined, job);
    },
    cancel(error) {
      state.cancelled = error;
    },
  };
  return { unitSource: job, state };
}

Deno.test("task queue: units come out first in, first out; peek leaves them queued", () => {
  const queue = new TaskQueue(Infinity);
  assert.equal(queue.idle, true);
  for (const label of ["a", "b", "c"]) queue.push(unit(label));
  assert.equal(queue.size, 3);
  assert.equal(queue.idle, false);
  assert.equal(queue.peek(1)?.label, "a");
  assert.equal(queue.peek(1)?.label, "a");
  assert.equal(queue.size, 3);
  assert.equal(queue.shift(1)?.label, "a");
  assert.deepEqual(shiftAll(queue), ["b", "c"]);
  assert.equal(queue.shift(1), undefined);
  assert.equal(queue.size, 0);
  assert.equal(queue.idle, true);
});

Deno.test("task queue: hasRoom follows the limit", () => {
  const queue = new TaskQueue(2);
  assert.equal(queue.hasRoom(), true);
  queue.push(unit("a"));
  assert.equal(queue.hasRoom(), true);
  queue.push(unit("b"));
  assert.equal(queue.hasRoom(), false);
  queue.shift(1);
  assert.equal(queue.hasRoom(), true);
});

Deno.test("task queue: FIFO holds across any interleaving of pushes and shifts", async () => {
  await withSeed(1206, (random) => {
    const queue = new TaskQueue(Infinity);
    const model: string[] = [];
    for (let step = 0; step < 3000; step++) {
      if (random.chance(0.55)) {
        queue.push(unit(`u${step}`));
        model.push(`u${step}`);
      } else {
        assert.equal(queue.shift(1)?.label, model.shift(), `step ${step}`);
      }
      assert.equal(queue.size, model.length, `step ${step}`);
    }
    assert.deepEqual(shiftAll(queue), model);
  });
});

Deno.test("task queue: units of a settled owner are skipped and dropped", () => {
  const queue = new TaskQueue(Infinity);
  const settled = owner();
  queue.push(unit("gone1", undefined, settled));
  queue.push(unit("a"));
  queue.push(unit("gone2", undefined, settled));
  queue.push(unit("b"));
  settled.done = true;
  assert.equal(queue.peek(1)?.label, "a");
  assert.equal(queue.size, 3, "the settled head was dropped");
  assert.deepEqual(shiftAll(queue), ["a", "b"]);
});

Deno.test("task queue: a unit for one worker is skipped by the others and kept for it", () => {
  const queue = new TaskQueue(Infinity);
  queue.push(unit("for7", 7));
  queue.push(unit("any1"));
  queue.push(unit("for3", 3));
  queue.push(unit("any2"));
  assert.equal(queue.hasFor(7), true);
  assert.equal(queue.hasFor(5), false);
  assert.equal(queue.peek(3, true)?.label, "for3");
  assert.equal(queue.shift(3, true)?.label, "for3");
  assert.equal(queue.hasFor(3), false);
  assert.deepEqual(shiftAll(queue, 5), ["any1", "any2"], "worker 5 does not wait for 7's unit");
  assert.equal(queue.size, 1);
  assert.equal(queue.peek(5), undefined);
  assert.equal(queue.peek(7)?.label, "for7");
  assert.equal(queue.shift(7)?.label, "for7");
});

Deno.test("task queue: takeFor removes one worker's units and keeps the rest in order", () => {
  const queue = new TaskQueue(Infinity);
  queue.push(unit("skip"));
  queue.shift(1);
  for (const [label, recipient] of [["a", 7], ["b", undefined], ["c", 7], ["d", 2]] as const) {
    queue.push(unit(label, recipient));
  }
  assert.deepEqual(labels(queue.takeFor(7)), ["a", "c"]);
  assert.equal(queue.hasFor(7), false);
  assert.deepEqual(shiftAll(queue, 2), ["b", "d"]);
});

Deno.test("task queue: requeued units go back to the front, in their order", () => {
  const queue = new TaskQueue(Infinity);
  for (const label of ["a", "b", "c", "d"]) queue.push(unit(label));
  const started = [queue.shift(1)!, queue.shift(1)!];
  queue.requeue([]);
  assert.equal(queue.size, 2);
  queue.requeue(started);
  assert.deepEqual(shiftAll(queue), ["a", "b", "c", "d"]);
});

Deno.test("task queue: sources fill the room in submission order, and again as it opens", () => {
  const queue = new TaskQueue(3);
  const first = source("x", 2);
  const second = source("y", 4);
  queue.addSource(first.unitSource);
  queue.addSource(second.unitSource);
  assert.equal(queue.size, 3);
  assert.equal(queue.hasRoom(), false);
  assert.equal(queue.shift(1)?.label, "x0");
  // peek refills first: x is exhausted (and forgotten), y gives the next.
  assert.deepEqual(shiftAll(queue), ["x1", "y0", "y1", "y2", "y3"]);
  assert.equal(queue.idle, true);
  assert.equal(first.state.calls, 3, "x was asked once past its end, then forgotten");
});

Deno.test("task queue: a source that holds back lets the next one fill the room", () => {
  const queue = new TaskQueue(2);
  const held = source("held", 3);
  held.state.holding = true;
  const open = source("open", 3);
  queue.addSource(held.unitSource);
  queue.addSource(open.unitSource);
  assert.deepEqual([queue.shift(1)?.label, queue.shift(1)?.label], ["open0", "open1"]);
  held.state.holding = false;
  queue.refill();
  assert.deepEqual(shiftAll(queue), ["held0", "held1", "held2", "open2"]);
  assert.equal(queue.idle, true);
});

Deno.test("task queue: remove drops a job's units and source; clear hands everything back", () => {
  const queue = new TaskQueue(Infinity);
  const job = source("job", 2);
  const other = source("other", 1);
  queue.push(unit("apply"));
  queue.addSource(job.unitSource);
  queue.addSource(other.unitSource);
  queue.remove(job.unitSource);
  assert.deepEqual(shiftAll(queue), ["apply", "other0"]);
  assert.equal(queue.idle, true);

  const kept = source("kept", Infinity);
  kept.state.holding = true;
  queue.push(unit("a"));
  queue.push(unit("b"));
  queue.addSource(kept.unitSource);
  const cleared = queue.clear();
  assert.deepEqual(labels(cleared.units), ["a", "b"]);
  assert.deepEqual(cleared.sources, [kept.unitSource]);
  assert.equal(queue.idle, true);
  assert.equal(kept.state.cancelled, null, "clear forgets sources; cancelling is the caller's");
});

Deno.test("preparePayload: primitives pass untouched; other values are checked and named", () => {
  const noRecipient = () => assert.fail("no handles, so no worker to pick");
  const primitives = [1, "two", null, undefined, true, 3n];
  const prepared = preparePayload(primitives, "args", "submit task", noRecipient);
  assert.equal(prepared.payload, primitives);
  assert.equal(prepared.handles, false);
  assert.equal(prepared.recipient, undefined);

  const plain = [{ a: [1] }, new Map([[1, 2]])];
  assert.equal(preparePayload(plain, "args", "submit task", noRecipient).payload, plain);

  assert.throws(
    () => preparePayload([1, { ok: 1 }, () => 3], "items", "submit task", noRecipient, 10),
    (error: unknown) => {
      assert.ok(error instanceof CloneError, String(error));
      assert.match(error.message, /^Cannot submit task: items\[12\] is a function/);
      return true;
    },
  );
});

Deno.test("runCallback: calls the callback with its arguments and reports what it throws", async () => {
  runCallback(undefined, 1);
  const calls: unknown[][] = [];
  runCallback((...args: unknown[]) => calls.push(args), 1, "two");
  assert.deepEqual(calls, [[1, "two"]]);

  const boom = new Error("callback bug");
  const reported = Promise.withResolvers<unknown>();
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    reported.resolve(event.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    runCallback(() => {
      throw boom;
    });
    assert.equal(await reported.promise, boom);
  } finally {
    globalThis.removeEventListener("error", onError);
  }
});
