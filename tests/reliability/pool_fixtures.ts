/**
 * Pool tasks for the pool's reliability suite, registered so any pool worker can import them.
 * Every task that can succeed returns a value computed from its input, so a result that lands
 * on the wrong task shows.
 */
import { type Connection, EOFError, exit, task } from "../../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What every succeeding task returns for input `i`. */
export function expected(i: number): number {
  return i * 3 + 1;
}

/** The tiny task. */
export const ident = task(import.meta, function ident(i: number) {
  return expected(i);
});

/** A tiny task with a string result. */
export const identText = task(import.meta, function identText(i: number) {
  return `v${i}`;
});

/** An async task: resolves after a few milliseconds. */
export const slowIdent = task(import.meta, async function slowIdent(i: number) {
  await delay(2);
  return expected(i);
});

/** Rejects with a RangeError naming its input. */
export const rejectLater = task(import.meta, async function rejectLater(i: number) {
  await delay(1);
  throw new RangeError(`rejected ${i}`);
});

/** Ends its worker with `exit(3)` while running. */
export const exitSync = task(import.meta, function exitSync(_i: number): never {
  return exit(3);
});

/** Ends its worker with `exit(4)` after an await. */
export const exitAsync = task(import.meta, async function exitAsync(_i: number) {
  await delay(1);
  exit(4);
});

/**
 * Returns at once, and leaves a timer that throws: the worker dies a little later, while it
 * runs something else or nothing.
 */
export const throwLater = task(import.meta, function throwLater(i: number) {
  setTimeout(() => {
    throw new Error(`uncaught ${i}`);
  }, 0);
  return expected(i);
});

/** An error nobody catches ends the worker while this task still waits: it is the one running. */
export const throwWhileRunning = task(import.meta, async function throwWhileRunning(i: number) {
  setTimeout(() => {
    throw new Error(`uncaught while running ${i}`);
  }, 1);
  await delay(200);
  return expected(i);
});

/** A rejection nobody handles ends the worker while this task still waits. */
export const rejectUnhandled = task(import.meta, async function rejectUnhandled(i: number) {
  void Promise.reject(new Error(`unhandled ${i}`));
  await delay(200);
  return expected(i);
});

/**
 * Spins for `ms` milliseconds (longer than its timeout), then returns. Bounded, so that the
 * thread a timeout cannot stop does not keep a core after the test.
 */
export const spin = task(import.meta, function spin(i: number, ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
  return expected(i);
});

/** Never settles: only its timeout or its worker's death ends it. */
export const hang = task(import.meta, function hang(_i: number): Promise<never> {
  return new Promise(() => {});
});

/** Fills the heap until the worker runs out of memory, synchronously. */
export const exhaustHeap = task(import.meta, function exhaustHeap(_i: number) {
  const keep: number[][] = [];
  for (let i = 0; i < 1e9; i++) keep.push(new Array(1e5).fill(i));
  return keep.length;
});

/** A class whose instances cannot cross between actors as what they are. */
export class Point {
  constructor(readonly x: number, readonly y: number) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

/** Returns a class instance, nested at `path`: "top", "array" or "object". */
export const makePoint = task(import.meta, function makePoint(where: string) {
  const point = new Point(3, 4);
  return where === "top" ? point : where === "array" ? [1, point] : { inner: { point } };
});

/** Receives numbers on `end` until EOF; returns how many. */
export const countUntilEof = task(
  import.meta,
  async function countUntilEof(end: Connection<number>) {
    let count = 0;
    try {
      while (true) {
        await end.recv();
        count++;
      }
    } catch (error) {
      if (!(error instanceof EOFError)) throw error;
    }
    end.close();
    return count;
  },
);

/** Sends `0..count-1` on `end`, then closes it; returns `count`. */
export const sendNumbers = task(
  import.meta,
  function sendNumbers(end: Connection<number>, count: number) {
    for (let i = 0; i < count; i++) end.send(i);
    end.close();
    return count;
  },
);

/** Returns `value` after `ms` milliseconds. */
export const resolveAfter = task(
  import.meta,
  async function resolveAfter<T>(value: T, ms: number): Promise<T> {
    await delay(ms);
    return value;
  },
);

/** For maps: `expected(i)`, but -1 ends the worker with `exit(5)`. */
export const identOrExit = task(import.meta, function identOrExit(i: number, _unused?: number) {
  if (i === -1) exit(5);
  return expected(i);
});

let calls = 0;

/** Counts its calls in this worker: shows whether a refused submission ran anyway. */
export const countCalls = task(import.meta, function countCalls() {
  return ++calls;
});
