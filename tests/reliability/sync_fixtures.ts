/** Worker targets for the synchronization reliability suite, registered so any worker finds them. */
import {
  type Barrier,
  type BoundedSemaphore,
  type Condition,
  type Event,
  type Lock,
  parentProcess,
  type RLock,
  type Semaphore,
  type SharedArray,
  task,
  type Value,
} from "../../mod.ts";
import { Random } from "./_random.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Busy-waits `ms` without touching shared memory. */
function spin(ms: number): number {
  const until = performance.now() + ms;
  let steps = 0;
  while (performance.now() < until) steps++;
  return steps;
}

/** The shared bookkeeping of an exclusion run. */
export interface ExclusionBoard {
  /** Bit `i` is set while worker `i` is inside: set and cleared by atomic adds. */
  inside: Value<"i32">;
  /**
   * Kills whose victim's bit the parent has not cleared yet: a worker that took over a dead
   * holder's permit waits for 0 before it enters, so that no permit is counted twice.
   */
  pending: Value<"i32">;
  /** How many times a worker entered with as many others inside as there are permits. */
  violations: Value<"i32">;
  /** How many acquires took over a dead holder's permit. */
  ownerDied: Value<"i32">;
  /** Set to 1 to make the workers stop. */
  stop: Value<"i32">;
}

/** The number of bits set. */
export function popcount(bits: number): number {
  let count = 0;
  for (let rest = bits; rest !== 0; rest &= rest - 1) count++;
  return count;
}

/**
 * Takes `primitive` and gives it back, forever (until `stop`), holding it for random times, in
 * both synchronous and awaited forms; it enters by setting its bit in `inside`, and finding as
 * many bits already set as there are permits is a violation of mutual exclusion.
 */
export const exclusionWorker = task(
  import.meta,
  async function exclusionWorker(
    primitive: Lock | RLock | Semaphore | BoundedSemaphore,
    reentrant: boolean,
    permits: number,
    index: number,
    board: ExclusionBoard,
    seed: number,
  ) {
    const random = new Random(seed);
    const { inside, pending, violations, ownerDied, stop } = board;
    const bit = 1 << index;
    parentProcess()!.send("running");
    while (stop.value === 0) {
      if (random.chance(0.3)) primitive.acquireSync();
      else await primitive.acquire();
      if (primitive.ownerDied) {
        ownerDied.add(1);
        while (pending.value !== 0) await delay(1);
      }
      if (reentrant) await primitive.acquire();
      if (popcount(inside.add(bit)) >= permits) violations.add(1);
      if (random.chance(0.5)) spin(random.next() * 0.3);
      else await delay(random.int(0, 2));
      inside.sub(bit);
      if (reentrant) primitive.release();
      primitive.release();
      if (random.chance(0.3)) await delay(0);
    }
  },
);

/** The shared bookkeeping of a Condition run. */
export interface ConditionBoard {
  /** The round the parent runs now; a waiter joins rounds from its first on. */
  round: Value<"i32">;
  /** How many waiters registered in this round; `order[k]` is the index of the k-th. */
  arrived: Value<"i32">;
  order: SharedArray<"i32">;
  /** How many waits of this round were notified, and how many timed out. */
  woken: Value<"i32">;
  timeouts: Value<"i32">;
}

/** Waits on `condition` once per round, from round `firstRound` on, and counts the outcome. */
export const conditionWaiter = task(
  import.meta,
  async function conditionWaiter(
    condition: Condition,
    index: number,
    firstRound: number,
    board: ConditionBoard,
  ) {
    const { round, arrived, order, woken, timeouts } = board;
    for (let current = firstRound;; current++) {
      while (round.value < current) await delay(1);
      await condition.acquire();
      order.set(arrived.add(1), index);
      const notified = await condition.wait(20_000);
      (notified ? woken : timeouts).add(1);
      condition.release();
    }
  },
);

/** Waits at `barrier` forever, counting passes by index, and errors. */
export const barrierParty = task(
  import.meta,
  async function barrierParty(
    barrier: Barrier,
    counts: SharedArray<"i32">,
    errors: Value<"i32">,
    seed: number,
  ) {
    const random = new Random(seed);
    parentProcess()!.send("running");
    while (true) {
      try {
        counts.add(await barrier.wait(), 1);
      } catch {
        errors.add(1);
        await delay(5);
      }
      if (random.chance(0.3)) await delay(random.int(0, 3));
    }
  },
);

/** What a stuck actor writes once its loop ends: see {@linkcode stuckThenWrite}. */
export type ZombieWrite =
  | "lock.release"
  | "rlock.release"
  | "semaphore.release"
  | "event.set"
  | "event.clear"
  | "value.value"
  | "value.add"
  | "value.sub"
  | "value.compareExchange"
  | "string.value"
  | "array.set"
  | "array.add"
  | "array.compareExchange"
  | "barrier.abort"
  | "barrier.reset";

/**
 * Blocks the thread for `ms` in synchronous code that touches no shared state of the library
 * (an `Atomics.wait` on memory of its own): what neither `terminate()` nor a halt message can
 * interrupt, without keeping a core busy.
 */
function stuck(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes `target` if it is held (a lock, a semaphore), tells the parent it is stuck, stays stuck
 * in synchronous code for `ms`, then writes `target` as `write` says: the parent terminates it
 * meanwhile, so that it is reaped while its thread still runs.
 */
export const stuckThenWrite = task(
  import.meta,
  function stuckThenWrite(write: ZombieWrite, target: unknown, ms: number) {
    const held = target as Lock;
    if (write.endsWith("release")) held.acquireSync();
    parentProcess()!.send("stuck");
    stuck(ms);
    switch (write) {
      case "lock.release":
      case "rlock.release":
      case "semaphore.release":
        held.release();
        break;
      case "event.set":
        (target as Event).set();
        break;
      case "event.clear":
        (target as Event).clear();
        break;
      case "value.value":
        (target as Value<"i32">).value = 42;
        break;
      case "value.add":
        (target as Value<"i32">).add(42);
        break;
      case "value.sub":
        (target as Value<"i32">).sub(42);
        break;
      case "value.compareExchange":
        (target as Value<"i32">).compareExchange(0, 42);
        break;
      case "string.value":
        (target as Value<"string">).value = "zombie";
        break;
      case "array.set":
        (target as SharedArray<"i32">).set(0, 42);
        break;
      case "array.add":
        (target as SharedArray<"i32">).add(0, 42);
        break;
      case "array.compareExchange":
        (target as SharedArray<"i32">).compareExchange(0, 0, 42);
        break;
      case "barrier.abort":
        (target as Barrier).abort();
        break;
      case "barrier.reset":
        (target as Barrier).reset();
        break;
    }
    parentProcess()!.send("wrote");
  },
);

/** Adds 1 to `counter` about every millisecond, in a synchronous loop that never yields. */
export const busyTicker = task(import.meta, function busyTicker(counter: Value<"i32">) {
  parentProcess()!.send("ticking");
  while (true) {
    counter.add(1);
    spin(1);
  }
});

/**
 * The waiter of the lost-notification test: each round it publishes `ready = round` with the
 * lock held, then waits; a wait that times out lost its notification.
 */
export const roundWaiter = task(
  import.meta,
  async function roundWaiter(
    condition: Condition,
    ready: Value<"i32">,
    lost: Value<"i32">,
    rounds: number,
  ) {
    for (let round = 1; round <= rounds; round++) {
      await condition.acquire();
      ready.value = round;
      if (!await condition.wait(2000)) lost.add(1);
      condition.release();
    }
  },
);

/**
 * The notifier of the lost-notification test: it takes the lock as soon as the waiter of the
 * round released it inside `wait()`, and notifies.
 */
export const fastNotifier = task(
  import.meta,
  function fastNotifier(condition: Condition, lock: Lock, ready: Value<"i32">, rounds: number) {
    for (let round = 1; round <= rounds; round++) {
      while (ready.value !== round) { /* spin: the waiter is about to wait */ }
      lock.acquireSync();
      condition.notify();
      lock.release();
    }
  },
);

/**
 * One side of a Condition ping-pong with plain `wait()`: `side` 0 passes the turn to 1 and
 * waits for it back, `side` 1 the reverse.
 */
export const pingPong = task(
  import.meta,
  async function pingPong(condition: Condition, turn: Value<"i32">, side: number, rounds: number) {
    for (let round = 0; round < rounds; round++) {
      await condition.acquire();
      if (side === 0) {
        turn.value = 1;
        condition.notify();
        while (turn.value !== 0) await condition.wait();
      } else {
        while (turn.value !== 1) await condition.wait();
        turn.value = 0;
        condition.notify();
      }
      condition.release();
    }
  },
);

/** Writes `value` in a tight loop, three strings of different lengths, until `stop`. */
export const stringWriter = task(
  import.meta,
  function stringWriter(value: Value<"string">, stop: Value<"i32">) {
    const strings = ["A".repeat(60), "bb", "é".repeat(30)];
    for (let i = 0; stop.value === 0; i++) value.value = strings[i % 3];
  },
);

/** Takes `lock`, says so, and throws `ms` later, holding it. */
export const holdThenCrash = task(
  import.meta,
  async function holdThenCrash(lock: Lock, ms: number) {
    await lock.acquire();
    parentProcess()!.send("holding");
    await delay(ms);
    throw new Error("the holder crashes on purpose");
  },
);
