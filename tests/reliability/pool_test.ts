/**
 * The pool under attack: seeded mixes of tiny, failing and dying tasks (exit() sync and async,
 * errors nobody catches, timeouts of spinning and hanging tasks) with random external kills,
 * through every submission form; a worker out of memory (in a subprocess); bad input for every
 * method; timeouts of any size; values that cannot cross; pipe ends handed to tasks.
 *
 * The oracle: every task gets exactly its own value or the error its kind allows, once, with
 * one callback; a worker death fails at most the one task it was running; join() returns.
 */
import assert from "node:assert/strict";
import {
  activeChildren,
  CloneError,
  Pipe,
  Pool,
  PoolStateError,
  TargetNotFoundError,
  TaskTimeoutError,
  TimeoutError,
  WorkerDiedError,
} from "../../mod.ts";
import { echo } from "../fixtures/pool_targets.ts";
import { type Random, scale, withSeed } from "./_random.ts";
import { cloneDifference, randomValue } from "./_values.ts";
import * as tasks from "./pool_fixtures.ts";
import { expected, Point } from "./pool_fixtures.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Kills a random live worker of `pool` every few milliseconds (seeded intervals and picks). */
function startKiller(pool: Pool, random: Random, everyMs: [number, number]) {
  let kills = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await delay(random.int(...everyMs));
      const alive = pool.workers.filter((worker) => worker.isAlive());
      if (stopped || alive.length === 0) continue;
      kills++;
      random.pick(alive).kill().catch(() => {});
    }
  })();
  return {
    async stop(): Promise<number> {
      stopped = true;
      await loop;
      return kills;
    },
  };
}

/** Which workers' deaths failed a task "while running it": at most one task each. */
class DeathLedger {
  readonly #running = new Map<string, number>();
  readonly problems: string[] = [];

  /** Records a WorkerDiedError and checks what it says. */
  note(index: number, error: WorkerDiedError): void {
    const pid = /\(pid (\d+)\)/.exec(error.message)?.[1];
    if (pid === undefined) return void this.problems.push(`task ${index}: ${error.message}`);
    if (!/while running it$/.test(error.message)) {
      // Results lost in a dead worker's heap, or tasks pinned to it: neither happens here.
      return void this.problems.push(`task ${index}: ${error.message}`);
    }
    const earlier = this.#running.get(pid);
    if (earlier !== undefined) {
      this.problems.push(`tasks ${earlier} and ${index} both failed as running in pid ${pid}`);
    }
    this.#running.set(pid, index);
  }
}

type Kind =
  | "ident"
  | "identText"
  | "slowIdent"
  | "rejectLater"
  | "exitSync"
  | "exitAsync"
  | "throwLater"
  | "throwWhileRunning"
  | "rejectUnhandled"
  | "spin"
  | "hang";

/** Mostly tiny tasks, so that every death finds results waiting in the worker and units queued. */
const MIX: [Kind, number][] = [
  ["ident", 60],
  ["identText", 25],
  ["slowIdent", 5],
  ["rejectLater", 5],
  ["exitSync", 0.8],
  ["exitAsync", 0.6],
  ["throwLater", 0.6],
  ["throwWhileRunning", 0.4],
  ["rejectUnhandled", 0.4],
  ["spin", 0.3],
  ["hang", 0.3],
];

function pickKind(random: Random): Kind {
  let roll = random.next() * MIX.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [kind, weight] of MIX) {
    if ((roll -= weight) < 0) return kind;
  }
  return "ident";
}

/** Checks one task's outcome against what its kind allows; returns a problem or undefined. */
function judge(kind: Kind, index: number, ok: boolean, outcome: unknown): string | undefined {
  const died = outcome instanceof WorkerDiedError;
  const timedOut = outcome instanceof TaskTimeoutError;
  const own = kind === "identText" ? `v${index}` : expected(index);
  switch (kind) {
    case "ident":
    case "identText":
    case "slowIdent":
    case "throwLater":
      // Each may be the task running when another's error, or a kill, ends its worker.
      if (ok ? outcome === own : died) return;
      break;
    case "rejectLater":
      if (died) return;
      if (!ok && outcome instanceof RangeError && outcome.message === `rejected ${index}`) return;
      break;
    case "exitSync":
    case "exitAsync":
    case "throwWhileRunning":
    case "rejectUnhandled":
      if (!ok && died) return;
      break;
    case "spin":
    case "hang":
      if (!ok && (timedOut || died)) return;
      break;
  }
  const shown = outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : outcome;
  return `task ${index} (${kind}) ${ok ? "returned" : "failed with"} ${String(shown)}`;
}

async function closeAndJoin(pool: Pool): Promise<void> {
  pool.close();
  await pool.join();
  assert.equal(pool.workers.length, 0);
  assert.equal(activeChildren().length, 0);
}

for (const maxTasksPerChild of [Infinity, 4]) {
  Deno.test(`a seeded mix of tiny, failing and dying tasks under kills (maxTasksPerChild ${maxTasksPerChild}): each gets its own value or its error, once`, async () => {
    await withSeed(maxTasksPerChild === Infinity ? 1101 : 1102, async (random) => {
      const count = Math.round((maxTasksPerChild === Infinity ? 2000 : 400) * scale());
      const pool = new Pool({ processes: 2, maxTasksPerChild });
      const killer = startKiller(pool, random, [40, 250]);
      const callbacks = new Array<number>(count).fill(0);
      const ledger = new DeathLedger();
      const problems: string[] = [];
      const settled: Promise<void>[] = [];
      for (let index = 0; index < count; index++) {
        const kind = pickKind(random);
        const note = () => callbacks[index]++;
        const options = { callback: note, errorCallback: note };
        const result = kind === "spin"
          ? pool.applyAsync(tasks.spin, [index, 150], { ...options, timeout: 30 })
          : kind === "hang"
          ? pool.applyAsync(tasks.hang, [index], { ...options, timeout: 30 })
          : pool.applyAsync(tasks[kind] as (i: number) => unknown, [index], options);
        settled.push(
          result.get().then(
            (value) => void problems.push(judge(kind, index, true, value) ?? ""),
            (error) => {
              if (error instanceof WorkerDiedError) ledger.note(index, error);
              problems.push(judge(kind, index, false, error) ?? "");
            },
          ),
        );
      }
      await Promise.all(settled);
      await killer.stop();
      await delay(20); // a second callback would show here
      await closeAndJoin(pool);
      assert.deepEqual(problems.filter((problem) => problem !== ""), []);
      assert.deepEqual(ledger.problems, []);
      const wrongCallbacks = callbacks.flatMap((calls, index) => calls === 1 ? [] : [index]);
      assert.deepEqual(wrongCallbacks, [], "tasks whose callbacks did not fire exactly once");
    });
  });
}

type MapForm = "map" | "starmap" | "mapAsync" | "starmapAsync" | "imap" | "imapUnordered";
const MAP_FORMS: MapForm[] = [
  "map",
  "starmap",
  "mapAsync",
  "starmapAsync",
  "imap",
  "imapUnordered",
];

/** Runs one map form over `items` (an item -1 ends its worker); returns values and the error. */
async function runMap(pool: Pool, form: MapForm, items: number[], chunksize: number) {
  const options = { chunksize };
  let callbacks = 0;
  const values: number[] = [];
  const withCallbacks = {
    ...options,
    callback: () => void callbacks++,
    errorCallback: () => void callbacks++,
  };
  const pairs = items.map((item): [number, number] => [item, -2]);
  try {
    switch (form) {
      case "map":
        values.push(...await pool.map(tasks.identOrExit, items, options));
        break;
      case "starmap":
        values.push(...await pool.starmap(tasks.identOrExit, pairs, options));
        break;
      case "mapAsync":
        values.push(...await pool.mapAsync(tasks.identOrExit, items, withCallbacks).get());
        break;
      case "starmapAsync":
        values.push(...await pool.starmapAsync(tasks.identOrExit, pairs, withCallbacks).get());
        break;
      case "imap":
        for await (const value of pool.imap(tasks.identOrExit, items, options)) values.push(value);
        break;
      case "imapUnordered":
        for await (const value of pool.imapUnordered(tasks.identOrExit, items, options)) {
          values.push(value);
        }
        break;
    }
    return { values, error: undefined, callbacks };
  } catch (error) {
    return { values, error, callbacks };
  }
}

Deno.test("every map form under kills and exit(): values exact and in place, or WorkerDiedError", async () => {
  await withSeed(1103, async (random) => {
    const problems: string[] = [];
    for (const maxTasksPerChild of [Infinity, 8]) {
      const pool = new Pool({ processes: 2, maxTasksPerChild });
      const killer = startKiller(pool, random, [50, 300]);
      for (let round = 0; round < Math.round(scale()); round++) {
        for (const form of MAP_FORMS) {
          const length = random.int(30, 150);
          const dieAt = random.chance(0.5) ? random.int(0, length - 1) : -1;
          const items = Array.from({ length }, (_, i) => i === dieAt ? -1 : i);
          const chunksize = random.int(1, 8);
          const label = `${form} of ${length}, chunksize ${chunksize}, item ${dieAt} exits`;
          const { values, error, callbacks } = await runMap(pool, form, items, chunksize);
          if (error !== undefined && !(error instanceof WorkerDiedError)) {
            problems.push(`${label}: ${error}`);
          }
          if (dieAt !== -1 && error === undefined) problems.push(`${label}: did not fail`);
          if (form.endsWith("Async") && callbacks !== 1) {
            problems.push(`${label}: ${callbacks} callbacks`);
          }
          const want = items.map(expected);
          if (form === "imapUnordered") {
            const seen = new Set<number>();
            for (const value of values) {
              if (!want.includes(value) || value === expected(-1) || seen.has(value)) {
                problems.push(`${label}: unexpected or repeated ${value}`);
              }
              seen.add(value);
            }
            if (error === undefined && seen.size !== length) problems.push(`${label}: incomplete`);
          } else if (error === undefined || form === "imap") {
            // A map gives all its values or none; an ordered stream a prefix, then the error.
            const prefix = want.slice(0, values.length);
            if (values.join() !== prefix.join()) problems.push(`${label}: wrong values`);
            if (error === undefined && values.length !== length) {
              problems.push(`${label}: ${values.length} values`);
            }
            if (dieAt !== -1 && values.length > dieAt) problems.push(`${label}: past the exit`);
          } else if (values.length !== 0) {
            problems.push(`${label}: values and an error`);
          }
        }
      }
      await killer.stop();
      await closeAndJoin(pool);
    }
    assert.deepEqual(problems, []);
  });
});

Deno.test("a worker out of memory fails only its task, and the program goes on (subprocess)", async () => {
  const program = new URL("./pool_oom_program.ts", import.meta.url).pathname;
  for (const flags of [["--v8-flags=--max-old-space-size=64"], []]) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", ...flags, program, flags.length === 0 ? "48" : ""],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = new TextDecoder().decode(stdout);
    assert.equal(code, 0, `${flags}: exit code ${code}\n${new TextDecoder().decode(stderr)}`);
    assert.deepEqual(JSON.parse(output), {
      before: [1, 4, 9],
      apply: "WorkerDiedError",
      map: "WorkerDiedError",
      after: [16, 25, 36],
    });
  }
});

Deno.test("imap over an array defaults to chunksize 1: every value before a failing item comes", async () => {
  await using pool = new Pool({ processes: 2 });
  const items = Array.from({ length: 100 }, (_, i) => i === 37 ? -1 : i);
  const values: number[] = [];
  await assert.rejects(async () => {
    for await (const value of pool.imap(tasks.identOrExit, items)) values.push(value);
  }, WorkerDiedError);
  assert.deepEqual(values, items.slice(0, 37).map(expected));
});

Deno.test("timeouts: Infinity and values past 2^31-1 ms never fire; negative and NaN are refused before submitting", async () => {
  await using pool = new Pool({ processes: 1 });
  for (const timeout of [-1, NaN, -Infinity]) {
    await assert.rejects(pool.apply(tasks.countCalls, [], { timeout }), RangeError);
    assert.throws(() => pool.applyAsync(tasks.countCalls, [], { timeout }), RangeError);
    const result = pool.applyAsync(tasks.ident, [1]);
    await assert.rejects(result.get(timeout), RangeError);
    await assert.rejects(result.wait(timeout), RangeError);
  }
  await assert.rejects(pool.apply(tasks.countCalls, [], { timeout: "1" as never }), TypeError);
  assert.equal(await pool.apply(tasks.countCalls, []), 1, "a refused task ran");
  for (const timeout of [Infinity, 2 ** 31, 2 ** 40]) {
    assert.equal(await pool.apply(tasks.resolveAfter, ["done", 40], { timeout }), "done");
    const result = pool.applyAsync(tasks.resolveAfter, ["done", 40]);
    assert.equal(await result.wait(timeout), true);
    assert.equal(await result.get(timeout), "done");
  }
  const hanging = pool.applyAsync(tasks.hang, [0], { timeout: 50 });
  await assert.rejects(hanging.get(5), TimeoutError);
  await assert.rejects(hanging.get(), TaskTimeoutError);
});

/** Asserts that `call` returns a promise that rejects with `errorClass`, without throwing. */
async function rejects(
  call: () => Promise<unknown>,
  errorClass: ErrorConstructor | typeof CloneError,
  label: string,
) {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    throw new Error(`${label} threw instead of rejecting: ${error}`);
  }
  await assert.rejects(promise, errorClass, label);
}

Deno.test("bad input: promise-returning methods reject with named errors, the others throw them", async () => {
  const pool = new Pool({ processes: 1 });
  const f = tasks.ident;
  function* broken() {
    yield 1;
    throw new SyntaxError("generator broke");
  }
  const bad: [string, () => Promise<unknown>, ErrorConstructor | typeof CloneError][] = [
    ["apply(5, [])", () => pool.apply(5 as never, []), TypeError],
    ["apply(f, 'x')", () => pool.apply(f, "x" as never), TypeError],
    ["apply(f, [fn])", () => pool.apply(f, [(() => 1) as never]), CloneError],
    ["apply(f, [Point])", () => pool.apply(f, [new Point(1, 2) as never]), CloneError],
    ["apply(anonymous)", () => pool.apply((x: number) => x, [1]), TargetNotFoundError],
    ["apply(f, [], null)", () => pool.apply(f, [1], null as never), TypeError],
    [
      "apply(f, [], { signal: 'x' })",
      () => pool.apply(f, [1], { signal: "x" as never }),
      TypeError,
    ],
    ["map(f, 5)", () => pool.map(f, 5 as never), TypeError],
    ["map(f, broken())", () => pool.map(f, broken()), SyntaxError],
    ["map(f, [Point])", () => pool.map(f, [1, new Point(1, 2) as never]), CloneError],
    ["map(f, [1], { chunksize: 0 })", () => pool.map(f, [1], { chunksize: 0 }), RangeError],
    ["map(f, [1], { chunksize: -1 })", () => pool.map(f, [1], { chunksize: -1 }), RangeError],
    ["map(f, [1], { chunksize: NaN })", () => pool.map(f, [1], { chunksize: NaN }), RangeError],
    [
      "map(f, [1], { chunksize: Infinity })",
      () => pool.map(f, [1], { chunksize: Infinity }),
      RangeError,
    ],
    [
      "map(f, [1], { chunksize: 'x' })",
      () => pool.map(f, [1], { chunksize: "x" as never }),
      TypeError,
    ],
    [
      "map(f, [1], { onProgress: 1 })",
      () => pool.map(f, [1], { onProgress: 1 as never }),
      TypeError,
    ],
    ["map(f, [1], { signal: {} })", () => pool.map(f, [1], { signal: {} as never }), TypeError],
    ["starmap(f, [5])", () => pool.starmap(tasks.identOrExit, [5 as never]), TypeError],
    ["starmap(f, 5)", () => pool.starmap(tasks.identOrExit, 5 as never), TypeError],
    ["join() while running", () => pool.join(), PoolStateError],
    ["get(-1)", () => pool.applyAsync(f, [1]).get(-1), RangeError],
    ["wait('x')", () => pool.applyAsync(f, [1]).wait("x" as never), TypeError],
  ];
  for (const [label, call, errorClass] of bad) await rejects(call, errorClass, label);
  // The forms that return at once (an AsyncResult, an iterator) throw, as Python's do.
  assert.throws(() => pool.applyAsync(f, [new Point(1, 2) as never]), CloneError);
  assert.throws(() => pool.applyAsync(f, [1], { callback: 1 as never }), TypeError);
  assert.throws(() => pool.applyAsync(f, [1], { errorCallback: "x" as never }), TypeError);
  assert.throws(() => pool.mapAsync(f, 5 as never), TypeError);
  assert.throws(() => pool.starmapAsync(f, [[1]], { chunksize: 0 }), RangeError);
  assert.throws(() => pool.imap(f, null as never), TypeError);
  assert.throws(() => pool.imapUnordered(f, [1], { chunksize: 2 ** 60 }), RangeError);
  assert.equal(await pool.apply(f, [2]), expected(2), "the pool still works");
  await pool.terminate();
  await rejects(() => pool.apply(f, [1]), PoolStateError, "apply after terminate");
  await rejects(() => pool.map(f, [1]), PoolStateError, "map after terminate");

  const options: [string, unknown, ErrorConstructor][] = [
    ["processes", 0, RangeError],
    ["processes", -1, RangeError],
    ["processes", NaN, RangeError],
    ["processes", Infinity, RangeError],
    ["processes", 2 ** 40, RangeError],
    ["processes", 1.5, RangeError],
    ["processes", "x", TypeError],
    ["maxTasksPerChild", 0, RangeError],
    ["maxTasksPerChild", NaN, RangeError],
    ["maxTasksPerChild", -Infinity, RangeError],
    ["maxTasksPerChild", "x", TypeError],
    ["maxQueue", 0, RangeError],
    ["maxQueue", -1, RangeError],
    ["maxQueue", "x", TypeError],
    ["maxWorkerMemoryMb", 0, RangeError],
    ["maxWorkerMemoryMb", 2 ** 40, RangeError],
    ["maxWorkerMemoryMb", Infinity, RangeError],
    ["maxWorkerMemoryMb", "x", TypeError],
    ["initializer", "x", TypeError],
    ["initargs", "x", TypeError],
  ];
  for (const [name, value, errorClass] of options) {
    assert.throws(() => new Pool({ processes: 1, [name]: value }), errorClass, `${name}: ${value}`);
  }
  assert.throws(() => new Pool(5 as never), TypeError);
  assert.throws(() => new Pool({ initargs: [() => 1] }), CloneError);
  assert.equal(activeChildren().length, 0, "a refused pool started workers");
});

Deno.test("an inline initializer is refused at construction instead of breaking the pool", () => {
  const inline = [
    { initializer: () => 1 },
    { initializer: async () => {} },
    { initializer: function () {} },
    {
      initializer() {},
    },
  ];
  for (const options of inline) {
    assert.throws(() => new Pool({ processes: 1, ...options }), TargetNotFoundError);
  }
  assert.equal(activeChildren().length, 0);
});

Deno.test("class instances are refused as results and as arguments, naming where they are", async () => {
  await using pool = new Pool({ processes: 1 });
  await assert.rejects(pool.apply(tasks.makePoint, ["top"]), (error: Error) => {
    assert.ok(error instanceof CloneError, String(error));
    assert.match(error.message, /the result is an instance of Point/);
    return true;
  });
  await assert.rejects(
    pool.apply(tasks.makePoint, ["object"]),
    /the result\.inner\.point is an instance of Point/,
  );
  await assert.rejects(
    pool.map(tasks.makePoint, ["top", "array"]),
    /the result for items\[0\] is an instance of Point/,
  );
  await assert.rejects(
    pool.map(tasks.makePoint, ["array"]),
    /the result for items\[0\]\[1\] is an instance of Point/,
  );
  await assert.rejects(
    pool.apply(echo, [[1, new Point(1, 2)]]),
    /args\[0\]\[1\] is an instance of Point/,
  );
  await assert.rejects(
    pool.map(echo, [1, 2, new Point(1, 2)], { chunksize: 1 }),
    /items\[2\] is an instance of Point/,
  );
  assert.equal(await pool.apply(tasks.ident, [1]), expected(1), "the worker survived");
});

Deno.test("values cross a pool task both ways exactly as structured clone copies them", async () => {
  await withSeed(1104, async (random) => {
    await using pool = new Pool({ processes: 2 });
    const values = Array.from({ length: Math.round(150 * scale()) }, () => randomValue(random));
    const results = values.map((value) => pool.applyAsync(echo, [value]));
    const problems: string[] = [];
    for (let index = 0; index < values.length; index++) {
      const difference = cloneDifference(
        structuredClone(values[index]),
        await results[index].get(),
      );
      if (difference !== undefined) problems.push(`value ${index}: ${difference}`);
    }
    const mapped = await pool.map(echo, values, { chunksize: 7 });
    for (let index = 0; index < values.length; index++) {
      const difference = cloneDifference(structuredClone(values[index]), mapped[index]);
      if (difference !== undefined) problems.push(`map item ${index}: ${difference}`);
    }
    assert.deepEqual(problems, []);
  });
});

Deno.test("a pipe end closed right after it is handed to a task stays open for the task", async () => {
  await using pool = new Pool({ processes: 2 });
  for (let round = 0; round < 4; round++) {
    const [writer, toTask] = Pipe<number>();
    const reading = pool.applyAsync(tasks.countUntilEof, [toTask]);
    toTask.close();
    for (let i = 0; i < 50; i++) writer.send(i); // the task's copy keeps the pipe open
    writer.close();
    const [fromTask, taskWriter] = Pipe<number>(false);
    const writing = pool.applyAsync(tasks.sendNumbers, [taskWriter, 30]);
    taskWriter.close();
    let received = 0;
    try {
      while (true) {
        await fromTask.recv();
        received++;
      }
    } catch (error) {
      assert.equal((error as Error).name, "EOFError");
    }
    assert.deepEqual([await reading.get(), await writing.get(), received], [50, 30, 30]);
  }
});
