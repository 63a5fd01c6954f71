/**
 * The synchronization primitives under kills, zombies, races and bad input: holders, waiters
 * and parties killed at seeded random points; actors reaped while stuck in synchronous code,
 * which must then change nothing; the Condition and Barrier races the chaos report found; huge
 * and infinite timeouts; and every constructor and method fed what users get wrong.
 */
import assert from "node:assert/strict";
import {
  Barrier,
  BlockingError,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  Process,
  ReleaseError,
  RLock,
  Semaphore,
  SharedArray,
  Value,
} from "../../mod.ts";
import { delay, receiveMany, until } from "../_helpers.ts";
import { type Random, scale, withSeed } from "./_random.ts";
import {
  barrierParty,
  busyTicker,
  type ConditionBoard,
  conditionWaiter,
  type ExclusionBoard,
  exclusionWorker,
  fastNotifier,
  holdThenCrash,
  pingPong,
  roundWaiter,
  stringWriter,
  stuckThenWrite,
  type ZombieWrite,
} from "./sync_fixtures.ts";

type AnyProcess = Process<never[]>;

/** Ends every process in `processes` that is still alive. */
async function killAll(processes: AnyProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => p.exitcode === null ? p.kill() : undefined));
}

const seedOf = (random: Random) => random.int(0, 2 ** 31 - 1);

// --- Random kill schedules -------------------------------------------------------------------

const exclusionCases: [string, () => Lock | RLock | Semaphore, number, boolean][] = [
  ["Lock", () => new Lock(), 1, false],
  ["RLock (re-entered)", () => new RLock(), 1, true],
  ["Semaphore(2)", () => new Semaphore(2), 2, false],
  ["BoundedSemaphore(2)", () => new BoundedSemaphore(2), 2, false],
];

for (const [name, make, permits, reentrant] of exclusionCases) {
  Deno.test(`${name}: holders killed at random points never break exclusion or lose a permit`, async () => {
    await withSeed(11 + permits + Number(reentrant), async (random) => {
      const primitive = make();
      const parties = 4;
      const board: ExclusionBoard = {
        inside: new Value("i32", 0),
        pending: new Value("i32", 0),
        violations: new Value("i32", 0),
        ownerDied: new Value("i32", 0),
        stop: new Value("i32", 0),
      };
      const start = (index: number) => {
        const p = new Process({
          target: exclusionWorker,
          args: [primitive, reentrant, permits, index, board, seedOf(random)],
        });
        p.start();
        return p as AnyProcess;
      };
      const workers = Array.from({ length: parties }, (_, index) => start(index));
      try {
        await receiveMany(parties);
        for (let kill = 0; kill < Math.round(8 * scale()); kill++) {
          await delay(random.int(2, 30));
          const victim = random.int(0, parties - 1);
          board.pending.add(1);
          await (random.chance(0.5) ? workers[victim].kill() : workers[victim].terminate());
          // It died inside, or not: either way it is not inside any more.
          if ((board.inside.value & (1 << victim)) !== 0) board.inside.sub(1 << victim);
          board.pending.sub(1);
          workers[victim] = start(victim);
          await receiveMany(1);
        }
        board.stop.value = 1;
        for (const p of workers) await p.join(20_000);
        assert.deepEqual(workers.map((p) => p.exitcode), Array(parties).fill(0), "a worker hung");
        assert.equal(board.violations.value, 0, "two actors held more permits than there are");
        if (primitive instanceof Semaphore) assert.equal(primitive.getValue(), permits);
        else if (primitive instanceof Lock) assert.equal(primitive.locked(), false);
        else assert.equal(await primitive.acquire({ blocking: false }), true);
      } finally {
        await killAll(workers);
      }
    });
  });
}

Deno.test("Condition: waiters killed before or after their notify never swallow it: live waiters are always woken", async () => {
  await withSeed(23, async (random) => {
    const condition = new Condition(new Lock());
    const waiters = 4;
    const board: ConditionBoard = {
      round: new Value("i32", 0),
      arrived: new Value("i32", 0),
      order: new SharedArray("i32", waiters),
      woken: new Value("i32", 0),
      timeouts: new Value("i32", 0),
    };
    const start = (index: number, firstRound: number) => {
      const p = new Process({
        target: conditionWaiter,
        args: [condition, index, firstRound, board],
      });
      p.start();
      return p as AnyProcess;
    };
    const processes = Array.from({ length: waiters }, (_, index) => start(index, 1));
    try {
      for (let round = 1; round <= Math.round(8 * scale()); round++) {
        board.arrived.value = 0;
        board.woken.value = 0;
        board.timeouts.value = 0;
        board.round.value = round;
        await until(() => board.arrived.value === waiters);
        // Every waiter registered before it released the lock: once held here, all wait.
        await condition.acquire();
        const mode = random.pick(["none", "killWaiting", "killNotified"] as const);
        let victim = -1;
        if (mode === "none") {
          if (random.chance(0.5)) condition.notifyAll();
          else for (let n = 0; n < waiters; n++) condition.notify();
        } else if (mode === "killWaiting") {
          victim = random.int(0, waiters - 1);
          await processes[victim].kill();
          // One notify per live waiter: the dead one's place must not take one of them.
          for (let n = 0; n < waiters - 1; n++) condition.notify(1);
        } else {
          // The oldest waiters are notified; one of them dies before it can act on it, and its
          // notification must pass to the waiter left out.
          condition.notify(waiters - 1);
          victim = board.order.get(random.int(0, waiters - 2));
          await processes[victim].terminate();
        }
        condition.release();
        const expected = victim === -1 ? waiters : waiters - 1;
        await until(() => board.woken.value + board.timeouts.value >= expected, 15_000).catch(
          () => {
            throw new Error(
              `round ${round} (${mode}): ${board.woken.value} of ${expected} live waiters woken`,
            );
          },
        );
        assert.equal(board.timeouts.value, 0, `round ${round} (${mode}): a waiter timed out`);
        assert.equal(board.woken.value, expected, `round ${round} (${mode})`);
        if (victim !== -1) processes[victim] = start(victim, round + 1);
      }
    } finally {
      await killAll(processes);
    }
  });
});

Deno.test("Barrier: parties killed at random points cost no pass, no index twice, no break; the closure action runs here", async () => {
  await withSeed(31, async (random) => {
    let passes = 0;
    const parties = 3;
    const barrier = new Barrier(parties, { action: () => void passes++ });
    const counts = new SharedArray("i32", parties);
    const errors = new Value("i32", 0);
    const start = () => {
      const p = new Process({
        target: barrierParty,
        args: [barrier, counts, errors, seedOf(random)],
      });
      p.start();
      return p as AnyProcess;
    };
    const processes = Array.from({ length: parties }, start);
    try {
      await receiveMany(parties);
      for (let kill = 0; kill < Math.round(6 * scale()); kill++) {
        const before = passes;
        await until(() => passes >= before + random.int(1, 4), 15_000);
        const victim = random.int(0, parties - 1);
        await (random.chance(0.5) ? processes[victim].kill() : processes[victim].terminate());
        processes[victim] = start();
        await receiveMany(1);
      }
      const before = passes;
      await until(() => passes >= before + 3, 15_000);
      await killAll(processes);
      assert.equal(errors.value, 0, "a party saw the barrier broken");
      for (let index = 0; index < parties; index++) {
        assert.ok(counts.get(index) <= passes, `index ${index} handed out more than once a pass`);
      }
      assert.ok(counts.toArray().reduce((a, b) => a + b, 0) <= parties * passes);
    } finally {
      await killAll(processes);
    }
  });
});

// --- Zombies: reaped while stuck in synchronous code ----------------------------------------

interface ZombieCase {
  write: ZombieWrite;
  target: () => unknown;
  /** After the zombie was reaped, before it wakes: take over what it held. */
  takeOver?: (target: never) => Promise<void> | void;
  /** After it woke: what must still hold. */
  check: (target: never) => void | Promise<void>;
}

const zombieCases: ZombieCase[] = [
  {
    write: "lock.release",
    target: () => new Lock(),
    takeOver: async (lock: Lock) => {
      assert.equal(await lock.acquire({ timeout: 5000 }), true);
      assert.equal(lock.ownerDied, true);
    },
    check: async (lock: Lock) => {
      assert.equal(lock.locked(), true, "the zombie released the new owner's lock");
      assert.equal(await lock.acquire({ blocking: false }), false);
      lock.release();
    },
  },
  {
    write: "rlock.release",
    target: () => new RLock(),
    takeOver: async (lock: RLock) => void assert.equal(await lock.acquire({ timeout: 5000 }), true),
    check: (lock: RLock) => {
      assert.equal(lock.count, 1, "the zombie released the new owner's rlock");
      lock.release();
    },
  },
  {
    write: "semaphore.release",
    target: () => new Semaphore(1),
    takeOver: async (s: Semaphore) => void assert.equal(await s.acquire({ timeout: 5000 }), true),
    check: (s: Semaphore) => assert.equal(s.getValue(), 0, "the zombie released a permit"),
  },
  {
    write: "event.set",
    target: () => new Event(),
    check: (event: Event) => assert.equal(event.isSet(), false),
  },
  {
    write: "event.clear",
    target: () => {
      const event = new Event();
      event.set();
      return event;
    },
    check: (event: Event) => assert.equal(event.isSet(), true),
  },
  ...(["value.value", "value.add", "value.sub", "value.compareExchange"] as const).map((
    write,
  ) => ({
    write,
    target: () => new Value("i32", 0),
    check: (value: Value<"i32">) => assert.equal(value.value, 0, `${write} by a zombie`),
  })),
  {
    write: "string.value",
    target: () => new Value("string", "alive"),
    check: (value: Value<"string">) => assert.equal(value.value, "alive"),
  },
  ...(["array.set", "array.add", "array.compareExchange"] as const).map((write) => ({
    write,
    target: () => new SharedArray("i32", 1),
    check: (array: SharedArray<"i32">) => assert.equal(array.get(0), 0, `${write} by a zombie`),
  })),
  {
    write: "barrier.abort",
    target: () => new Barrier(2),
    check: (barrier: Barrier) => assert.equal(barrier.broken, false),
  },
];

const ZOMBIE_STUCK_MS = 1800;
const ZOMBIE_BATCH = 5;

for (let first = 0; first < zombieCases.length; first += ZOMBIE_BATCH) {
  const batch = zombieCases.slice(first, first + ZOMBIE_BATCH);
  Deno.test(
    `an actor reaped while stuck in synchronous code changes nothing when it wakes: ${
      batch.map((c) => c.write).join(", ")
    }`,
    async () => {
      const targets = batch.map((c) => c.target());
      const zombies = batch.map((c, index) =>
        new Process({ target: stuckThenWrite, args: [c.write, targets[index], ZOMBIE_STUCK_MS] })
      ) as AnyProcess[];
      for (const p of zombies) await p.start();
      assert.deepEqual(await receiveMany(batch.length), Array(batch.length).fill("stuck"));
      const stuckSince = performance.now();
      // Reaped after the grace period, while still stuck: what they held is released.
      await Promise.all(zombies.map((p) => p.terminate()));
      assert.ok(performance.now() - stuckSince < ZOMBIE_STUCK_MS, "the machine is too slow");
      for (const [index, c] of batch.entries()) await c.takeOver?.(targets[index] as never);
      await delay(ZOMBIE_STUCK_MS - (performance.now() - stuckSince) + 300);
      for (const [index, c] of batch.entries()) await c.check(targets[index] as never);
      await assert.rejects(receiveMany(1, 50), "a zombie reported it wrote");
    },
  );
}

Deno.test("a killed actor in a busy loop that keeps adding to a Value stops at its next add", async () => {
  const counter = new Value("i32", 0);
  const ticker = new Process({ target: busyTicker, args: [counter] });
  await ticker.start();
  await receiveMany(1);
  await until(() => counter.value > 10);
  await ticker.kill();
  const after = counter.value;
  await delay(300);
  assert.ok(counter.value - after <= 1, `${counter.value - after} adds after the kill resolved`);
});

// --- Races the chaos report found ----------------------------------------------------------

Deno.test("Condition: a notifier that takes the lock the moment the waiter releases it never loses a notification", async () => {
  const rounds = Math.round(8000 * scale());
  const lock = new Lock();
  const condition = new Condition(lock);
  const ready = new Value("i32", 0);
  const lost = new Value("i32", 0);
  const waiter = new Process({ target: roundWaiter, args: [condition, ready, lost, rounds] });
  const notifier = new Process({
    target: fastNotifier,
    args: [condition, lock, ready, rounds],
  });
  try {
    await waiter.start();
    await notifier.start();
    await waiter.join(60_000);
    await notifier.join(5000);
    assert.deepEqual([waiter.exitcode, notifier.exitcode], [0, 0]);
    assert.equal(lost.value, 0, `${lost.value} of ${rounds} notifications lost`);
  } finally {
    await killAll([waiter, notifier] as AnyProcess[]);
  }
});

Deno.test("Condition: a ping-pong between two workers with plain wait() does not hang", async () => {
  const rounds = 2000;
  const condition = new Condition(new Lock());
  const turn = new Value("i32", 0);
  const sides = [1, 0].map((side) =>
    new Process({ target: pingPong, args: [condition, turn, side, rounds] })
  ) as AnyProcess[];
  try {
    for (const p of sides) await p.start();
    for (const p of sides) await p.join(30_000);
    assert.deepEqual(sides.map((p) => p.exitcode), [0, 0], "the ping-pong hung");
  } finally {
    await killAll(sides);
  }
});

Deno.test("Barrier(1): 40,000 passes after an abort and a reset, never broken by itself", async () => {
  const barrier = new Barrier(1);
  barrier.abort();
  barrier.reset();
  assert.equal(barrier.broken, false);
  for (let pass = 1; pass <= 40_000; pass++) {
    assert.equal(await barrier.wait(), 0);
  }
  assert.equal(barrier.broken, false);
});

Deno.test("Barrier: a late waiter of an aborted round is not mistaken for a passer of a later one", async () => {
  const barrier = new Barrier(2);
  const late = barrier.wait().then(() => "passed", (error) => error.name);
  barrier.reset(); // the waiting party's round is broken
  // Before it wakes, the next rounds go on and one of them is aborted.
  await until(() => barrier.nWaiting === 0);
  barrier.abort();
  assert.equal(await late, "BrokenBarrierError");
  barrier.reset();
  assert.deepEqual((await Promise.all([barrier.wait(), barrier.wait()])).sort(), [0, 1]);
});

// --- Timeouts: Infinity, huge, tiny ------------------------------------------------------------

Deno.test("timeouts of Infinity and beyond 2^31-1 ms wait for the event instead of firing or spinning", async () => {
  for (const timeout of [Infinity, 3e9]) {
    const lock = new Lock();
    await lock.acquire();
    const event = new Event();
    const condition = new Condition();
    const barrier = new Barrier(2);
    setTimeout(() => {
      lock.release();
      event.set();
    }, 30);
    assert.equal(await lock.acquire({ timeout }), true, `lock, ${timeout}`);
    assert.equal(await event.wait(timeout), true, `event, ${timeout}`);
    await condition.acquire();
    setTimeout(async () => {
      await condition.acquire();
      condition.notify();
      condition.release();
    }, 30);
    assert.equal(await condition.wait(timeout), true, `condition, ${timeout}`);
    assert.equal(await condition.waitFor(() => true, timeout), true);
    condition.release();
    const [a, b] = await Promise.all([barrier.wait(timeout), delay(30).then(() => barrier.wait())]);
    assert.deepEqual([a, b].sort(), [0, 1]);
    lock.release();
  }
});

Deno.test("a main-thread wait with a 3e9 ms timeout lets the supervisor repair the lock of a holder that crashed", async () => {
  const lock = new Lock();
  const holder = new Process({ target: holdThenCrash, args: [lock, 100] });
  holder.start();
  await receiveMany(1);
  assert.equal(await lock.acquire({ timeout: 3e9 }), true);
  assert.equal(lock.ownerDied, true);
  lock.release();
  await holder.join();
  assert.equal(holder.exitcode, 1);
});

Deno.test("timed waits that run out print no TimeoutNegativeWarning", async () => {
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const script = `
    import { Barrier, Condition, Event, Lock } from ${JSON.stringify(mod)};
    const lock = new Lock();
    await lock.acquire();
    for (const ms of [0, 0.001, 0.01, 0.2, 1]) {
      await lock.acquire({ timeout: ms });
      await new Event().wait(ms);
      const condition = new Condition();
      await condition.acquire();
      await condition.wait(ms);
      await new Barrier(2).wait(ms).catch(() => {});
    }
    console.log("done");
  `;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, script);
    const { stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-config", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(stdout).trim(), "done");
    assert.equal(new TextDecoder().decode(stderr), "");
  } finally {
    await Deno.remove(file);
  }
});

// --- Bad input -----------------------------------------------------------------------------

/** `call` must return a promise that rejects with `type`, not throw at the call site. */
async function rejects(
  call: () => Promise<unknown>,
  type: new (...args: never[]) => Error,
  pattern?: RegExp,
): Promise<void> {
  let promise: Promise<unknown> | undefined;
  assert.doesNotThrow(() => promise = call(), "threw synchronously instead of rejecting");
  await assert.rejects(promise!, (error: Error) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error.name}: ${error.message}`);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

const badTimeouts: [unknown, new (...args: never[]) => Error][] = [
  [-1, RangeError],
  [NaN, RangeError],
  [-Infinity, RangeError],
  ["5", TypeError],
  [5n, TypeError],
  // An object is the options form of a wait: one with a bad timeout is refused the same way.
  [{ timeout: "5" }, TypeError],
  [true, TypeError],
];

Deno.test("bad options and timeouts: every acquire and wait rejects (never throws) and changes nothing", async () => {
  const primitives = [new Lock(), new RLock(), new Semaphore(1), new BoundedSemaphore(1)];
  for (const primitive of primitives) {
    for (const [timeout, type] of badTimeouts) {
      await rejects(() => primitive.acquire({ timeout } as never), type, /Cannot acquire/);
      assert.throws(() => primitive.acquireSync({ timeout } as never), type);
    }
    await rejects(() => primitive.acquire(false as never), TypeError, /options must be an object/);
    await rejects(() => primitive.acquire({ blocking: "no" } as never), TypeError, /blocking/);
    await rejects(() => primitive.withLock("x" as never), TypeError, /withLock/);
    const held = primitive instanceof Semaphore
      ? primitive.getValue() === 0
      : primitive instanceof Lock
      ? primitive.locked()
      : primitive.count > 0;
    assert.equal(held, false, `${primitive.constructor.name} changed by a refused call`);
  }
  const event = new Event();
  for (const [timeout, type] of badTimeouts) {
    await rejects(() => event.wait(timeout as never), type, /Cannot wait for event/);
    assert.throws(() => event.waitSync(timeout as never), type);
  }

  const lock = new Lock();
  const condition = new Condition(lock);
  await condition.acquire();
  for (const [timeout, type] of badTimeouts) {
    await rejects(() => condition.wait(timeout as never), type, /Cannot wait on condition/);
    await rejects(() => condition.waitFor(() => false, timeout as never), type);
    assert.equal(lock.locked(), true, "a refused wait released the lock");
  }
  await rejects(() => condition.waitFor("x" as never), TypeError, /predicate must be a function/);
  // No refused wait left a ticket behind: the next notify wakes a real waiter.
  const waiting = condition.wait(5000);
  await condition.acquire();
  condition.notify();
  condition.release();
  assert.equal(await waiting, true);
  condition.release();

  const barrier = new Barrier(2);
  for (const [timeout, type] of badTimeouts) {
    await rejects(() => barrier.wait(timeout as never), type, /Cannot wait at barrier/);
    assert.equal(barrier.nWaiting, 0, "a refused wait took a place");
  }
  await rejects(() => new Condition().wait(), ReleaseError, /does not hold its lock/);
});

Deno.test("bad input to the constructors and synchronous methods: named errors saying what to do", async () => {
  const cases: [string, () => unknown, new (...args: never[]) => Error, RegExp][] = [
    ["Semaphore(-1)", () => new Semaphore(-1), RangeError, /value must be an integer from 0/],
    ["Semaphore(NaN)", () => new Semaphore(NaN), RangeError, /got NaN/],
    ["Semaphore(1.5)", () => new Semaphore(1.5), RangeError, /integer/],
    ["Semaphore('3')", () => new Semaphore("3" as never), TypeError, /value must be an integer/],
    ["Semaphore(5e7)", () => new Semaphore(5e7), RangeError, /from 0 to 65536/],
    ["Semaphore capacity", () => new Semaphore(1, { capacity: 0 }), RangeError, /capacity/],
    ["Semaphore capacity 1e9", () => new Semaphore(1, { capacity: 1e9 }), RangeError, /65536/],
    ["Semaphore options", () => new Semaphore(1, null as never), TypeError, /options/],
    ["BoundedSemaphore(-1)", () => new BoundedSemaphore(-1), RangeError, /bounded semaphore/],
    ["Barrier(0)", () => new Barrier(0), RangeError, /parties must be an integer from 1 to 16/],
    ["Barrier(17)", () => new Barrier(17), RangeError, /from 1 to 16/],
    ["Barrier('2')", () => new Barrier("2" as never), TypeError, /parties/],
    ["Barrier action", () => new Barrier(2, { action: 5 as never }), TypeError, /action must/],
    ["Barrier timeout", () => new Barrier(2, { timeout: -1 }), RangeError, /timeout/],
    ["Barrier options", () => new Barrier(2, "x" as never), TypeError, /options/],
    ["Condition lock", () => new Condition("x" as never), TypeError, /Lock or an RLock/],
    ["Value type", () => new Value("nope" as never), TypeError, /unknown type "nope"/],
    ["Value type toString", () => new Value("toString" as never), TypeError, /unknown type/],
    ["Value type 5", () => new Value(5 as never), TypeError, /unknown type 5/],
    ["Value i32 2**40", () => new Value("i32", 2 ** 40), RangeError, /from -2147483648 to/],
    ["Value i32 'abc'", () => new Value("i32", "abc" as never), TypeError, /must be a number/],
    ["Value i32 1.5", () => new Value("i32", 1.5), RangeError, /integer/],
    ["Value u8 256", () => new Value("u8", 256), RangeError, /from 0 to 255/],
    ["Value u64 -1", () => new Value("u64", -1n), RangeError, /from 0 to/],
    ["Value i64 1.5", () => new Value("i64", 1.5 as never), RangeError, /integer/],
    ["Value i64 2**60", () => new Value("i64", 2 ** 60 as never), RangeError, /pass a bigint/],
    ["Value i64 'x'", () => new Value("i64", "x" as never), TypeError, /bigint/],
    ["Value f64 'x'", () => new Value("f64", "x" as never), TypeError, /must be a number/],
    ["Value size -1", () => new Value("string", "x", { size: -1 }), RangeError, /size/],
    ["Value size NaN", () => new Value("string", "x", { size: NaN }), RangeError, /size/],
    ["Value size 2**40", () => new Value("string", "", { size: 2 ** 40 }), RangeError, /size/],
    ["Value string 5", () => new Value("string", 5 as never), TypeError, /expected a string/],
    ["Value string long", () => new Value("string", "é".repeat(40)), RangeError, /80 bytes/],
    ["Value lone surrogate", () => new Value("string", "\ud800"), TypeError, /lone surrogate/],
    ["Value lock 'x'", () => new Value("i32", 0, { lock: "x" as never }), TypeError, /lock must/],
    ["Value options", () => new Value("i32", 0, 5 as never), TypeError, /options/],
    ["Value f64 add", () => new Value("f64", 0).add(1), TypeError, /integer type, or getLock/],
    ["Value string add", () => new Value("string").add("x" as never), TypeError, /integer type/],
    ["Value add 2**40", () => new Value("i32", 0).add(2 ** 40), RangeError, /delta/],
    ["Value add 'x'", () => new Value("i32", 0).add("x" as never), TypeError, /delta/],
    ["Value cas 'x'", () => new Value("i32").compareExchange(0, "x" as never), TypeError, /repl/],
    ["Value set 2**40", () => new Value("i32").value = 2 ** 40, RangeError, /Cannot set value/],
    [
      "Value no lock",
      () => new Value("i32", 0, { lock: false }).getLock(),
      TypeError,
      /lock: false/,
    ],
    ["SharedArray -1", () => new SharedArray("f64", -1), RangeError, /length must be an integer/],
    ["SharedArray NaN", () => new SharedArray("f64", NaN), RangeError, /length/],
    ["SharedArray 2**40", () => new SharedArray("u8", 2 ** 40), RangeError, /length/],
    ["SharedArray null", () => new SharedArray("u8", null as never), TypeError, /length or an/],
    [
      "SharedArray 'ab'",
      () => new SharedArray("u8", "ab" as never),
      TypeError,
      /expected a length/,
    ],
    ["SharedArray [2**40]", () => new SharedArray("i32", [2 ** 40]), RangeError, /element 0/],
    ["SharedArray type", () => new SharedArray("x" as never, 1), TypeError, /unknown type/],
    ["SharedArray lock", () => new SharedArray("u8", 1, { lock: 1 as never }), TypeError, /lock/],
    ["SharedArray get(5)", () => new SharedArray("f64", [1, 2]).get(5), RangeError, /index 5/],
    ["SharedArray set(-1)", () => new SharedArray("f64", [1]).set(-1, 3), RangeError, /index -1/],
    [
      "SharedArray set 'x'",
      () => new SharedArray("i32", 1).set(0, "x" as never),
      TypeError,
      /value/,
    ],
    ["SharedArray add f64", () => new SharedArray("f64", 1).add(0, 1), TypeError, /integer type/],
    ["SharedArray add big", () => new SharedArray("u8", 1).add(0, 300), RangeError, /delta/],
    ["notify(-1)", () => heldCondition().notify(-1), RangeError, /n must be an integer >= 0/],
    ["notify(1.5)", () => heldCondition().notify(1.5), RangeError, /n must be/],
    ["notify('1')", () => heldCondition().notify("1" as never), TypeError, /n must be/],
    ["notify unheld", () => new Condition().notify(), ReleaseError, /does not hold its lock/],
    ["Lock release unheld", () => new Lock().release(), ReleaseError, /not locked/],
    ["RLock release unheld", () => new RLock().release(), ReleaseError, /does not hold it/],
    ["BoundedSemaphore over", () => new BoundedSemaphore(2).release(), ReleaseError, /initial/],
    ["acquireSync would block", () => lockedLock().acquireSync(), BlockingError, /main thread/],
  ];
  for (const [name, call, type, pattern] of cases) {
    assert.throws(call, (error: Error) => {
      assert.ok(error instanceof type, `${name}: expected ${type.name}, got ${error.name}`);
      assert.match(error.message, pattern, name);
      return true;
    }, name);
  }
  // Accepted forms that used to be refused or mangled.
  assert.equal(new Value("i64", 5 as never).value, 5n);
  assert.equal(new Value("u64", 2 ** 53 - 1 as never).value, 2n ** 53n - 1n);
  assert.equal(new Value("i32", -(2 ** 31)).value, -(2 ** 31));
  assert.equal(new SharedArray("i64", [1 as never, 2n]).get(0), 1n);
  assert.equal(new Value("string", "abc", { size: 3 }).value, "abc");
  assert.throws(() => new Value("string", "abcd", { size: 3 }), RangeError);
  assert.equal(new Semaphore(65_536).getValue(), 65_536);
  await Promise.resolve();
});

function heldCondition(): Condition {
  const lock = new Lock();
  lock.acquireSync();
  return new Condition(lock);
}

function lockedLock(): Lock {
  const lock = new Lock();
  lock.acquireSync();
  return lock;
}

Deno.test("Value('string') reads are never torn while two other threads write it", async () => {
  const value = new Value("string", "bb", { size: 64 });
  const stop = new Value("i32", 0);
  const writers = [0, 1].map(() =>
    new Process({ target: stringWriter, args: [value, stop] })
  ) as AnyProcess[];
  try {
    for (const p of writers) await p.start();
    const valid = new Set(["A".repeat(60), "bb", "é".repeat(30)]);
    let torn = 0;
    let reads = 0;
    const until = performance.now() + 500;
    while (performance.now() < until) {
      for (let k = 0; k < 1000; k++, reads++) if (!valid.has(value.value)) torn++;
    }
    stop.value = 1;
    for (const p of writers) await p.join(10_000);
    assert.deepEqual(writers.map((p) => p.exitcode), [0, 0]);
    assert.equal(torn, 0, `${torn} of ${reads} reads torn`);
    assert.ok(valid.has(value.value));
  } finally {
    await killAll(writers);
  }
});
