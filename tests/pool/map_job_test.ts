/**
 * A map job on one thread, driven as the engine drives it: the test takes its units, computes
 * each chunk's values and hands them back in whatever order it likes, then checks what `map`,
 * `imap` and `imapUnordered` deliver: chunking, order, progress, the window, and failures.
 */
import assert from "node:assert/strict";
import { MapJob, type MapMode, type MapRequest } from "../../actors/pool/_map_job.ts";
import type { Unit } from "../../actors/pool/_task_queue.ts";
import { unpackValues } from "../../actors/pool/_protocol.ts";

const double = (x: number) => x * 2;

/** A job over `items`, counting the engine wakes it asks for and recording its progress. */
function mapJob(
  items: Iterable<unknown>,
  overrides: Partial<Omit<MapRequest, "chunksize">> & { mode: MapMode; chunksize?: number },
) {
  const log = { wakes: 0, progress: [] as [number, number | undefined][] };
  const results: unknown[][] = [];
  const errors: Error[] = [];
  const host = {
    functionId: () => 0,
    recipientFor: () => assert.fail("no handles, so no worker to pick"),
    wake: () => log.wakes++,
  };
  const job = MapJob.create<unknown>(host, {
    fn: double,
    label: "double",
    kind: "map",
    items,
    chunksize: 1,
    processes: 2,
    window: overrides.mode === "all" ? Infinity : 2,
    onProgress: (done, total) => log.progress.push([done, total]),
    ...overrides,
  }, {
    callback: (values) => results.push(values),
    errorCallback: (error) => errors.push(error),
  });
  return { job, log, results, errors };
}

/** Takes units until the job says "wait" or "done"; returns them and that word. */
function takeUnits(job: MapJob<unknown>): { units: Unit[]; last: "wait" | "done" } {
  const units: Unit[] = [];
  while (true) {
    const next = job.next();
    if (next === "wait" || next === "done") return { units, last: next };
    units.push(next);
  }
}

/** What a worker returns for a chunk: each item doubled. */
function complete(job: MapJob<unknown>, unit: Unit): void {
  job.resolveUnit(unit, Array.from(unpackValues(unit.payload), (item) => (item as number) * 2));
}

const range = (length: number) => Array.from({ length }, (_, index) => index);

/** Reads an iterator to its end, or to its error (returned last). */
async function readAll(iterator: AsyncIterableIterator<unknown>): Promise<unknown[]> {
  const values: unknown[] = [];
  try {
    for await (const value of iterator) values.push(value);
  } catch (error) {
    values.push(error);
  }
  return values;
}

Deno.test("map job: the input is cut into chunks of chunksize, each knowing its place", () => {
  const { job } = mapJob(range(10), { mode: "all", chunksize: 3 });
  const { units, last } = takeUnits(job);
  assert.equal(last, "done");
  assert.deepEqual(units.map((unit) => Array.from(unpackValues(unit.payload))), [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7, 8],
    [9],
  ]);
  assert.deepEqual(units.map(({ index }) => index), [0, 1, 2, 3]);
  assert.deepEqual(units.map(({ start }) => start), [0, 3, 6, 9]);
  assert.ok(units.every((unit) => unit.owner === job && unit.kind === "map" && !unit.handles));
  assert.equal(job.done, false, "taking every chunk is not finishing them");
});

Deno.test("map job: long runs of numbers travel packed; other chunks as arrays", () => {
  const { job } = mapJob([...range(16), "x"], { mode: "all", chunksize: 16 });
  const [numbers, rest] = takeUnits(job).units;
  assert.ok(!Array.isArray(numbers.payload), "16 numbers are packed");
  assert.deepEqual(Array.from(unpackValues(numbers.payload)), range(16));
  assert.deepEqual(rest.payload, ["x"]);
});

Deno.test("map (all): values come back in input order whatever order the chunks finish in", async () => {
  const { job, log, results, errors } = mapJob(range(10), { mode: "all", chunksize: 3 });
  const { units } = takeUnits(job);
  for (const unit of [...units].reverse()) complete(job, unit);
  const doubled = range(10).map((item) => item * 2);
  assert.deepEqual(await job.promise, doubled);
  assert.equal(job.done, true);
  assert.deepEqual(results, [doubled]);
  assert.deepEqual(errors, []);
  assert.deepEqual(log.progress, [[1, 10], [4, 10], [7, 10], [10, 10]]);
});

Deno.test("map (all): an iterator is read at once, so the total is known from the start", async () => {
  function* items() {
    yield* [1, 2, 3, 4, 5];
  }
  const { job, log } = mapJob(items(), { mode: "all", chunksize: 2 });
  const first = job.next() as Unit;
  complete(job, first);
  const { units, last } = takeUnits(job);
  assert.equal(last, "done");
  for (const unit of units) complete(job, unit);
  assert.deepEqual(await job.promise, [2, 4, 6, 8, 10]);
  assert.deepEqual(log.progress, [[2, 5], [4, 5], [5, 5]]);
});

Deno.test("map (all): an empty input resolves to [] with no unit", async () => {
  const { job, results } = mapJob([], { mode: "all", chunksize: 4 });
  assert.equal(job.next(), "done");
  assert.deepEqual(await job.promise, []);
  assert.deepEqual(results, [[]]);
});

Deno.test("map (all): one failed chunk fails the whole map, once; later outcomes are ignored", async () => {
  const { job, log, results, errors } = mapJob(range(6), { mode: "all", chunksize: 2 });
  const { units } = takeUnits(job);
  complete(job, units[0]);
  const failure = new Error("chunk 1 failed");
  job.rejectUnit(units[1], failure);
  assert.equal(job.done, true);
  complete(job, units[2]);
  job.rejectUnit(units[2], new Error("too late"));
  await assert.rejects(job.promise, (error) => error === failure);
  assert.deepEqual(errors, [failure]);
  assert.deepEqual(results, []);
  assert.deepEqual(log.progress, [[2, 6]], "nothing counted after the failure");
  assert.equal(job.next(), "done");
});

Deno.test("imap (ordered): values stream in input order; the window holds the input back", async () => {
  const { job, log } = mapJob(range(5), { mode: "ordered", window: 2 });
  const iterator = job.iterate();
  const first = takeUnits(job);
  assert.equal(first.units.length, 2);
  assert.equal(first.last, "wait", "two chunks out and none consumed: the window is full");
  complete(job, first.units[1]);
  const next = iterator.next();
  complete(job, first.units[0]);
  assert.deepEqual(await next, { done: false, value: 0 });
  assert.equal(log.wakes, 1, "consuming chunk 0 opened the window");
  assert.deepEqual(await iterator.next(), { done: false, value: 2 });
  assert.equal(log.wakes, 2);
  const rest = takeUnits(job);
  assert.deepEqual(rest.units.map(({ index }) => index), [2, 3]);
  assert.equal(rest.last, "wait");
  for (const unit of rest.units.reverse()) complete(job, unit);
  assert.deepEqual(await iterator.next(), { done: false, value: 4 });
  assert.deepEqual(await iterator.next(), { done: false, value: 6 });
  const last = takeUnits(job);
  assert.deepEqual(last.units.map(({ index }) => index), [4]);
  assert.equal(last.last, "done", "the window had room to find the end of the input");
  complete(job, last.units[0]);
  assert.deepEqual(await readAll(iterator), [8]);
  assert.equal(job.done, true);
});

Deno.test("imap: the end of the input, found while the consumer waits, ends the stream", async () => {
  const { job } = mapJob([1], { mode: "ordered", window: 1 });
  const iterator = job.iterate();
  const { units, last } = takeUnits(job);
  assert.equal(last, "wait", "the window is full before the end of the input is seen");
  complete(job, units[0]);
  assert.deepEqual(await iterator.next(), { done: false, value: 2 });
  const end = iterator.next();
  // The engine reads on only later (once a worker has room), and finds the input exhausted.
  assert.equal(job.next(), "done");
  assert.equal(job.done, true);
  assert.deepEqual(await end, { done: true, value: undefined });
});

Deno.test("imapUnordered: values stream in the order their chunks finish", async () => {
  const { job } = mapJob(range(6), { mode: "unordered", chunksize: 2, window: Infinity });
  const { units } = takeUnits(job);
  for (const index of [2, 0, 1]) complete(job, units[index]);
  assert.deepEqual(await readAll(job.iterate()), [8, 10, 0, 2, 4, 6]);
});

Deno.test("imap (ordered): a failed chunk raises at its place, after the values before it", async () => {
  const { job, errors } = mapJob(range(8), { mode: "ordered", chunksize: 2, window: Infinity });
  const { units } = takeUnits(job);
  const late = new Error("chunk 2 failed");
  const early = new Error("chunk 1 failed");
  complete(job, units[3]);
  job.rejectUnit(units[2], late);
  complete(job, units[0]);
  job.rejectUnit(units[1], early);
  job.rejectUnit(units[2], late); // a later failure does not replace the earliest
  assert.equal(job.next(), "done", "no more input is read after a failure");
  assert.deepEqual(await readAll(job.iterate()), [0, 2, early]);
  assert.deepEqual(errors, [early]);
  await assert.rejects(job.settled, (error) => error === early);
});

Deno.test("imapUnordered: a failed chunk raises after the values that arrived before it", async () => {
  const { job } = mapJob(range(6), { mode: "unordered", chunksize: 2, window: Infinity });
  const { units } = takeUnits(job);
  complete(job, units[1]);
  const failure = new Error("chunk 0 failed");
  job.rejectUnit(units[0], failure);
  complete(job, units[2]);
  assert.deepEqual(await readAll(job.iterate()), [4, 6, failure]);
});

Deno.test("imap: leaving the loop early stops the job and reads no more input", async () => {
  let read = 0;
  function* items() {
    while (true) yield read++;
  }
  const { job, log } = mapJob(items(), { mode: "ordered", window: 2 });
  const { units } = takeUnits(job);
  for (const unit of units) complete(job, unit);
  for await (const value of job.iterate()) {
    assert.equal(value, 0);
    break;
  }
  assert.equal(job.done, true);
  assert.equal(job.next(), "done");
  assert.equal(read, 2, "only the two chunks of the window were read");
  assert.deepEqual(await job.settled, []);
  assert.ok(log.wakes >= 1, "the engine was told to drop what is queued");
});

Deno.test("starmap: an item that is not an argument list fails the job, naming it", async () => {
  const { job, errors } = mapJob([[1], [2], [3], 4], {
    mode: "all",
    kind: "starmap",
    chunksize: 2,
  });
  assert.notEqual(job.next(), "done");
  assert.equal(job.next(), "done");
  await assert.rejects(job.promise, (error) => {
    assert.ok(error instanceof TypeError, String(error));
    assert.match(
      error.message,
      /^Cannot submit task "double" to the pool: items\[3\] must be an array of the task's arguments for starmap, got 4$/,
    );
    return true;
  });
  assert.equal(errors.length, 1);
});

Deno.test("map job: an input that throws fails the map at once, and a stream with its error", async () => {
  const broken = new Error("input broke");
  function* items() {
    yield 1;
    throw broken;
  }
  assert.throws(() => mapJob(items(), { mode: "all", chunksize: 1 }), (error) => error === broken);
  const { job } = mapJob(items(), { mode: "ordered", chunksize: 1, window: Infinity });
  const { units } = takeUnits(job);
  for (const unit of units) complete(job, unit);
  assert.equal((await readAll(job.iterate())).at(-1), broken);
});
