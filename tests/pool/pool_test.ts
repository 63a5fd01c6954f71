import assert from "node:assert/strict";
import {
  CloneError,
  Pool,
  PoolQueueFullError,
  PoolStateError,
  PoolTerminatedError,
  type Process,
  TargetNotFoundError,
  TaskTimeoutError,
  Value,
  WorkerDiedError,
} from "../../mod.ts";
import * as targets from "../fixtures/pool_targets.ts";
import { receiveMany, until } from "../_helpers.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Waits until a `forever` task runs, and returns the worker running it. */
async function workerRunningForever(pool: Pool): Promise<Process> {
  const [{ running }] = await receiveMany<{ running: number }>(1);
  return pool.workers.find((worker) => worker.pid === running)!;
}

Deno.test("apply and applyAsync run typed tasks in worker processes", async () => {
  await using pool = new Pool({ processes: 2 });
  assert.equal(pool.processes, 2);
  assert.equal(pool.workers.length, 2);
  const sum: number = await pool.apply(targets.add, [2, 3]);
  assert.equal(sum, 5);
  const results = range(20).map((i) => pool.applyAsync(targets.square, [i]));
  const values = [];
  for (const result of results) values.push(await result.get());
  assert.deepEqual(values, range(20).map((i) => i * i));
  assert.ok(results.every((result) => result.ready() && result.successful()));
  const pid = await pool.apply(targets.workerPid, []);
  assert.ok(pool.workers.some((worker) => worker.pid === pid));
  assert.equal(await pool.apply(targets.later, ["late", 5]), "late");
});

Deno.test("awaited applies, un-awaited applies and maps mixed on one worker each get their own result", async () => {
  await using pool = new Pool({ processes: 1 });
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 5; i++) assert.equal(await pool.apply(targets.add, [round, i]), round + i);
    const pending = range(7).map((i) => pool.applyAsync(targets.square, [round * 7 + i]));
    assert.deepEqual(
      await pool.map(targets.square, range(9), { chunksize: 2 }),
      range(9).map((i) => i * i),
    );
    assert.deepEqual(
      await Promise.all(pending.map((result) => result.get())),
      range(7).map((i) => (round * 7 + i) ** 2),
    );
    if (round % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 3));
  }
  pool.close();
  await pool.join();
});

Deno.test("callbacks run in the submitting actor with the result or the error", async () => {
  await using pool = new Pool({ processes: 2 });
  const seen: number[] = [];
  const errors: Error[] = [];
  const results = [
    pool.applyAsync(targets.square, [3], { callback: (value) => seen.push(value) }),
    pool.applyAsync(targets.fail, ["nope"], { errorCallback: (error) => errors.push(error) }),
    pool.mapAsync(targets.square, [1, 2], { callback: (values) => seen.push(...values) }),
    pool.starmapAsync(targets.add, [[1, 1]], { callback: (values) => seen.push(...values) }),
  ];
  for (const result of results) await result.wait();
  assert.deepEqual(seen.sort((a, b) => a - b), [1, 2, 4, 9]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].name, "RangeError");
});

Deno.test("map, starmap and their async forms keep input order for every chunksize", async () => {
  await using pool = new Pool({ processes: 2 });
  const items = range(1000);
  const squares = items.map((i) => i * i);
  assert.deepEqual(await pool.map(targets.square, items), squares);
  for (const chunksize of [1, 3, 1000, 5000]) {
    assert.deepEqual(await pool.map(targets.square, items, { chunksize }), squares);
  }
  assert.deepEqual(await pool.map(targets.square, new Set([2, 3])), [4, 9]);
  assert.deepEqual(await pool.map(targets.square, []), []);
  const pairs = items.map((i): [number, number] => [i, i]);
  assert.deepEqual(
    await pool.starmap(targets.add, pairs, { chunksize: 7 }),
    items.map((i) => 2 * i),
  );
  assert.deepEqual(await pool.mapAsync(targets.square, [4]).get(), [16]);
  assert.deepEqual(await pool.starmapAsync(targets.add, [[2, 2]]).get(), [4]);
});

Deno.test("values keep structured-clone fidelity, on the packed number path too", async () => {
  await using pool = new Pool({ processes: 1 });
  const value = {
    big: 2n ** 70n,
    date: new Date(0),
    map: new Map([[1, "one"]]),
    set: new Set(["x"]),
    bytes: new Uint8Array([1, 2, 3]),
    text: "héllo 🌍",
    nested: [null, undefined, { deep: true }],
  };
  assert.deepEqual(await pool.apply(targets.echo, [value]), value);
  const numbers = [-0, NaN, Infinity, 1.5, 2 ** 60, ...range(40)];
  assert.deepEqual(await pool.map(targets.echo, numbers), numbers);
  assert.ok(Object.is((await pool.map(targets.echo, numbers))[0], -0));
  const mixed = [...range(30), "thirty", 31];
  assert.deepEqual(await pool.map(targets.echo, mixed, { chunksize: 32 }), mixed);
});

Deno.test("imap streams in order, imapUnordered as results come", async () => {
  await using pool = new Pool({ processes: 2 });
  const ordered: number[] = [];
  for await (const value of pool.imap(targets.square, range(50))) ordered.push(value);
  assert.deepEqual(ordered, range(50).map((i) => i * i));
  const unordered: number[] = [];
  for await (const value of pool.imapUnordered(targets.square, range(50), { chunksize: 4 })) {
    unordered.push(value);
  }
  assert.deepEqual(unordered.sort((a, b) => a - b), range(50).map((i) => i * i));
  const empty = [];
  for await (const value of pool.imap(targets.square, [])) empty.push(value);
  assert.deepEqual(empty, []);
});

Deno.test("imap reads an infinite input lazily, bounded by maxQueue, and stops on break", async () => {
  await using pool = new Pool({ processes: 2, maxQueue: 8 });
  let pulled = 0;
  function* naturals() {
    for (let n = 0;; n++) {
      pulled++;
      yield n;
    }
  }
  const firsts: number[] = [];
  for await (const value of pool.imap(targets.square, naturals(), { chunksize: 2 })) {
    if (firsts.push(value) === 20) break;
  }
  assert.deepEqual(firsts, range(20).map((i) => i * i));
  assert.ok(pulled <= 20 + 8 * 2 + 2, `read ${pulled} items ahead of a consumer at 20`);
  const after = pulled;
  assert.equal(await pool.apply(targets.square, [3]), 9);
  assert.equal(pulled, after);
});

Deno.test("imap ends when the input runs out while the only worker is busy with another task", async () => {
  await using pool = new Pool({ processes: 1, maxQueue: 1 });
  // A slow first task keeps one unit in flight per worker, so the worker, busy with `slow`,
  // has no room to read the end of the input until after the consumer waits for more.
  await pool.apply(targets.later, ["warm", 50]);
  const stream = pool.imap(targets.square, [3])[Symbol.asyncIterator]();
  const first = stream.next();
  const slow = pool.apply(targets.later, ["slow", 100]);
  assert.deepEqual(await first, { done: false, value: 9 });
  let guard: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise((resolve) => guard = setTimeout(resolve, 10_000, "still waiting"));
  try {
    assert.deepEqual(await Promise.race([stream.next(), hung]), { done: true, value: undefined });
  } finally {
    clearTimeout(guard);
  }
  assert.equal(await slow, "slow");
});

Deno.test("a failing item ends imap with its error, after the values before it", async () => {
  await using pool = new Pool({ processes: 2 });
  const streamed: number[] = [];
  await assert.rejects(
    async () => {
      for await (const value of pool.imap(targets.squareNot6, range(10))) streamed.push(value);
    },
    (error: Error) => error.name === "TypeError" && error.message === "refusing 6",
  );
  assert.deepEqual(streamed, range(6).map((i) => i * i));
  assert.equal(await pool.apply(targets.square, [2]), 4);
});

Deno.test("a throwing task rejects only its own result, with the worker's error", async () => {
  await using pool = new Pool({ processes: 2 });
  const good = range(10).map((i) => pool.applyAsync(targets.square, [i]));
  const bad = pool.applyAsync(targets.fail, ["bad input"]);
  const error = await bad.get().catch((error: Error) => error);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "RangeError");
  assert.equal(error.message, "bad input");
  assert.match(error.stack ?? "", /pool_targets\.ts/);
  assert.equal((error.cause as Error).message, "root cause");
  assert.equal(bad.successful(), false);
  for (const [i, result] of good.entries()) assert.equal(await result.get(), i * i);
  await assert.rejects(
    pool.map(targets.squareNot6, range(10), { chunksize: 1 }),
    (error: Error) => error.name === "TypeError" && error.message === "refusing 6",
  );
  assert.equal(await pool.apply(targets.square, [7]), 49);
});

Deno.test("what cannot cross fails with a named error, and nothing hangs", async () => {
  await using pool = new Pool({ processes: 1 });
  assert.throws(() => pool.applyAsync(targets.echo, [() => 1]), CloneError);
  await assert.rejects(pool.map(targets.echo, [1, Symbol("s")]), CloneError);
  assert.throws(() =>
    pool.applyAsync(function (x: number) {
      return x;
    }, [1]), TargetNotFoundError);
  await assert.rejects(pool.apply(targets.returnFunction, []), (error: Error) => {
    return error.name === "CloneError" && /result is a function/.test(error.message);
  });
  await assert.rejects(pool.map(targets.square, [1], { chunksize: 0 }), RangeError);
  assert.throws(() => new Pool({ processes: 0 }), RangeError);
  assert.equal(await pool.apply(targets.square, [5]), 25);
});

Deno.test("handles cross as task arguments", async () => {
  await using pool = new Pool({ processes: 2 });
  const total = new Value("i32", 0);
  const results = range(10).map((i) => pool.applyAsync(targets.addTo, [total, i]));
  for (const result of results) await result.get();
  assert.equal(total.value, 45);
});

Deno.test("submitting after close throws PoolStateError; close lets queued work finish", async () => {
  const pool = new Pool({ processes: 2 });
  await assert.rejects(pool.join(), PoolStateError);
  const results = range(10).map((i) => pool.applyAsync(targets.later, [i, 5]));
  pool.close();
  assert.throws(() => pool.applyAsync(targets.square, [1]), PoolStateError);
  await assert.rejects(pool.map(targets.square, [1]), PoolStateError);
  assert.throws(() => pool.imap(targets.square, [1]), PoolStateError);
  await pool.join();
  assert.deepEqual(results.map((result) => result.ready()), range(10).map(() => true));
  assert.equal(pool.workers.length, 0);
});

Deno.test("terminate rejects queued and running work with PoolTerminatedError", async () => {
  const pool = new Pool({ processes: 1 });
  const running = pool.applyAsync(targets.forever, []);
  const queued = range(3).map((i) => pool.applyAsync(targets.square, [i]));
  const mapped = assert.rejects(pool.map(targets.square, range(5)), PoolTerminatedError);
  const worker = await workerRunningForever(pool);
  await pool.terminate();
  for (const result of [running, ...queued]) {
    await assert.rejects(result.get(), PoolTerminatedError);
  }
  await mapped;
  assert.equal(worker.exitcode, -15);
  assert.equal(pool.workers.length, 0);
  await pool.join();
  await assert.rejects(pool.apply(targets.square, [1]), PoolStateError);
});

Deno.test("a killed worker is replaced and exactly its task fails", async () => {
  await using pool = new Pool({ processes: 2 });
  const doomed = pool.applyAsync(targets.forever, []);
  const worker = await workerRunningForever(pool);
  const others = range(20).map((i) => pool.applyAsync(targets.later, [i, 2]));
  await worker.kill();
  const error = await doomed.get().catch((error: Error) => error);
  assert.ok(error instanceof WorkerDiedError, String(error));
  assert.match(error.message, new RegExp(`"${worker.name}".*exitcode -9`));
  for (const [i, result] of others.entries()) assert.equal(await result.get(), i);
  await until(() => pool.workers.length === 2);
  assert.ok(!pool.workers.includes(worker));
  assert.equal(await pool.apply(targets.square, [4]), 16);
});

Deno.test("a task calling exit() fails with WorkerDiedError and the pool goes on", async () => {
  await using pool = new Pool({ processes: 1 });
  const error = await pool.apply(targets.exitWith, [3]).catch((error: Error) => error);
  assert.ok(error instanceof WorkerDiedError);
  assert.match(error.message, /exitcode 3/);
  assert.equal(await pool.apply(targets.square, [3]), 9);
});

Deno.test("maxTasksPerChild recycles workers", async () => {
  await using pool = new Pool({ processes: 1, maxTasksPerChild: 2 });
  const pids = [];
  for (let i = 0; i < 6; i++) pids.push(await pool.apply(targets.workerPid, []));
  assert.equal(new Set(pids).size, 3);
  assert.equal(pids[0], pids[1]);
  assert.notEqual(pids[1], pids[2]);
});

Deno.test("the initializer runs in every worker with initargs", async () => {
  await using pool = new Pool({
    processes: 2,
    initializer: targets.setGreeting,
    initargs: ["hello"],
  });
  assert.deepEqual(await pool.map(targets.greet, ["a", "b"]), ["hello, a", "hello, b"]);
});

Deno.test("a failing initializer breaks the pool instead of restarting workers forever", async () => {
  const pool = new Pool({ processes: 2, initializer: targets.failingInit });
  const error = await pool.apply(targets.square, [1]).catch((error: Error) => error);
  assert.ok(error instanceof WorkerDiedError);
  assert.match(error.message, /cannot initialize/);
  assert.throws(() => pool.applyAsync(targets.square, [1]), PoolStateError);
  await pool.join();
  assert.equal(pool.workers.length, 0);
});

Deno.test("an abort signal cancels pending work", async () => {
  await using pool = new Pool({ processes: 1 });
  const reason = new Error("stop");
  await assert.rejects(
    pool.apply(targets.square, [1], { signal: AbortSignal.abort(reason) }),
    reason,
  );
  const controller = new AbortController();
  const blocker = pool.applyAsync(targets.forever, []);
  const queued = pool.applyAsync(targets.square, [2], { signal: controller.signal });
  const mapped = assert.rejects(
    pool.map(targets.square, range(10), { signal: controller.signal }),
    reason,
  );
  await workerRunningForever(pool);
  controller.abort(reason);
  await assert.rejects(queued.get(), reason);
  await mapped;
  assert.equal(blocker.ready(), false);
});

Deno.test("a task over its timeout fails with TaskTimeoutError and its worker is replaced", async () => {
  await using pool = new Pool({ processes: 1 });
  // Long enough for a loaded machine to start the task, so that it is seen running.
  const slow = assert.rejects(pool.apply(targets.forever, [], { timeout: 500 }), TaskTimeoutError);
  const worker = await workerRunningForever(pool);
  await slow;
  await worker.join();
  assert.equal(worker.exitcode, -9);
  assert.equal(await pool.apply(targets.square, [6], { timeout: 10_000 }), 36);
});

Deno.test("maxQueue bounds applyAsync and makes apply and map wait for room", async () => {
  await using pool = new Pool({ processes: 1, maxQueue: 2 });
  const blocker = pool.applyAsync(targets.forever, []);
  await workerRunningForever(pool);
  const queued = [pool.applyAsync(targets.square, [1]), pool.applyAsync(targets.square, [2])];
  assert.throws(() => pool.applyAsync(targets.square, [3]), PoolQueueFullError);
  const waiting = assert.rejects(pool.apply(targets.square, [4]), PoolTerminatedError);
  const mapped = assert.rejects(
    pool.map(targets.square, range(10), { chunksize: 1 }),
    PoolTerminatedError,
  );
  await pool.terminate();
  for (const result of [blocker, ...queued]) {
    await assert.rejects(result.get(), PoolTerminatedError);
  }
  await waiting;
  await mapped;
});

Deno.test("onProgress reports items done and the total after each chunk", async () => {
  await using pool = new Pool({ processes: 2 });
  const reports: [number, number | undefined][] = [];
  await pool.map(targets.square, range(100), {
    chunksize: 10,
    onProgress: (done, total) => reports.push([done, total]),
  });
  assert.equal(reports.length, 10);
  assert.deepEqual(reports.at(-1), [100, 100]);
  assert.ok(reports.every(([done], i) => i === 0 || done > reports[i - 1][0]));
  const streamed: (number | undefined)[] = [];
  function* items() {
    yield* range(5);
  }
  for await (
    const _ of pool.imap(targets.square, items(), { onProgress: (_, t) => streamed.push(t) })
  ) {
    // consume
  }
  assert.equal(streamed.length, 5);
  assert.equal(streamed.at(-1), 5);
});

Deno.test("await using terminates the pool and its workers", async () => {
  let workers: readonly Process[] = [];
  {
    await using pool = new Pool({ processes: 2 });
    workers = pool.workers;
    await pool.apply(targets.square, [1]);
  }
  assert.equal(workers.length, 2);
  assert.ok(workers.every((worker) => worker.exitcode === -15));
});
