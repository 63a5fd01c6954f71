/**
 * The futex layer on the main thread: `waitUntil` and its wakes, `waitUntilSync`'s refusal to
 * block there, and the option checks that run before anything else. There is no `AbortSignal`
 * at this layer: a wait ends on success, on its timeout, or not at all.
 */
import assert from "node:assert/strict";
import {
  type AcquireOptions,
  type Attempt,
  checkOptions,
  FIRST_STATE_WORD,
  SEQUENCE,
  sharedWords,
  SLEEPERS,
  waitUntil,
  waitUntilSync,
  wake,
} from "../../actors/_shm/futex.ts";
import { BlockingError } from "../../mod.ts";

const FLAG = FIRST_STATE_WORD;

/** An attempt that succeeds once `words[FLAG]` is set, counting its calls. */
function flagAttempt(words: Int32Array) {
  const calls = { count: 0, sleeping: [] as number[] };
  const attempt: Attempt = (sleeping) => {
    calls.count++;
    // The last try before sleeping must come after the waiter counts itself a sleeper.
    if (sleeping === true) calls.sleeping.push(Atomics.load(words, SLEEPERS));
    return Atomics.load(words, FLAG) === 1;
  };
  return { attempt, calls };
}

/** Sets the flag and wakes, as a primitive's release does. */
function release(words: Int32Array): void {
  Atomics.store(words, FLAG, 1);
  wake(words);
}

/** Resolves on a later turn of the event loop, after pending timers of 0 ms. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("futex: an attempt that succeeds at once resolves true without registering a sleeper", async () => {
  const words = sharedWords(4);
  Atomics.store(words, FLAG, 1);
  const { attempt, calls } = flagAttempt(words);
  assert.equal(await waitUntil(words, attempt, {}, "acquire lock"), true);
  assert.equal(waitUntilSync(words, attempt, {}, "acquire lock"), true);
  assert.equal(calls.count, 2);
  assert.equal(Atomics.load(words, SLEEPERS), 0);
});

Deno.test("futex: blocking: false and timeout: 0 try exactly once", async () => {
  const words = sharedWords(4);
  const forms = [
    (attempt: Attempt, options: AcquireOptions) => waitUntil(words, attempt, options, "acquire"),
    (attempt: Attempt, options: AcquireOptions) =>
      Promise.resolve(waitUntilSync(words, attempt, options, "acquire")),
  ];
  for (const wait of forms) {
    for (const options of [{ blocking: false }, { timeout: 0 }, { blocking: false, timeout: 50 }]) {
      const { attempt, calls } = flagAttempt(words);
      assert.equal(await wait(attempt, options), false, JSON.stringify(options));
      assert.equal(calls.count, 1, JSON.stringify(options));
    }
  }
  assert.equal(Atomics.load(words, SLEEPERS), 0);
});

Deno.test("futex: bad options are refused before the first attempt", async () => {
  const words = sharedWords(4);
  const bad: [unknown, ErrorConstructor, RegExp][] = [
    [{ timeout: -1 }, RangeError, /timeout must be a number of milliseconds >= 0.*got -1/],
    [{ timeout: NaN }, RangeError, /got NaN/],
    [{ timeout: -Infinity }, RangeError, /got -Infinity/],
    [{ timeout: "10" }, TypeError, /timeout must be a number.*the string "10"/],
    [{ blocking: "no" }, TypeError, /blocking must be true or false, got the string "no"/],
    [false, TypeError, /options must be an object.*got false/],
    [null, TypeError, /options must be an object.*got null/],
    [[1], TypeError, /options must be an object.*got an array/],
  ];
  for (const [options, kind, message] of bad) {
    const { attempt, calls } = flagAttempt(words);
    const expected = (error: unknown) => {
      assert.ok(error instanceof kind, String(error));
      assert.match((error as Error).message, /^Cannot acquire lock: /);
      assert.match((error as Error).message, message);
      return true;
    };
    await assert.rejects(
      waitUntil(words, attempt, options as AcquireOptions, "acquire lock"),
      expected,
    );
    assert.throws(
      () => waitUntilSync(words, attempt, options as AcquireOptions, "acquire lock"),
      expected,
    );
    assert.equal(calls.count, 0, `${JSON.stringify(options)}: no attempt was made`);
  }
  assert.deepEqual(words, sharedWords(4), "no word changed");
});

Deno.test("futex: checkOptions takes undefined or an object, and nothing else", () => {
  checkOptions(undefined, "create semaphore");
  checkOptions({}, "create semaphore");
  for (const options of [0, "x", null, [], true]) {
    assert.throws(() => checkOptions(options, "create semaphore"), TypeError);
  }
});

Deno.test("futex: wake with nobody sleeping changes nothing; with a sleeper it bumps the sequence", () => {
  const words = sharedWords(4);
  wake(words);
  assert.equal(Atomics.load(words, SEQUENCE), 0);
  Atomics.store(words, SLEEPERS, 1);
  wake(words);
  wake(words);
  assert.equal(Atomics.load(words, SEQUENCE), 2);
});

Deno.test("futex: a wait with no limit ends when a timer on the same thread releases it", async () => {
  for (const timeout of [undefined, null, Infinity]) {
    const words = sharedWords(4);
    const { attempt, calls } = flagAttempt(words);
    let sleepersWhenReleased = -1;
    const timer = setTimeout(() => {
      sleepersWhenReleased = Atomics.load(words, SLEEPERS);
      release(words);
    }, 5);
    try {
      assert.equal(await waitUntil(words, attempt, { timeout }, "acquire"), true);
    } finally {
      clearTimeout(timer);
    }
    assert.equal(sleepersWhenReleased, 1, `timeout ${timeout}: the waiter slept`);
    assert.equal(Atomics.load(words, SLEEPERS), 0, `timeout ${timeout}: and left`);
    assert.ok(calls.sleeping.length >= 1, "it tried once more after registering");
    assert.deepEqual(new Set(calls.sleeping), new Set([1]));
  }
});

Deno.test("futex: a release queued as a microtask ends the wait", async () => {
  const words = sharedWords(4);
  const { attempt } = flagAttempt(words);
  queueMicrotask(() => release(words));
  assert.equal(await waitUntil(words, attempt, { timeout: 10_000 }, "acquire"), true);
  assert.equal(Atomics.load(words, SLEEPERS), 0);
});

Deno.test("futex: a wake that changes nothing does not end the wait; the later release does", async () => {
  const words = sharedWords(4);
  const { attempt } = flagAttempt(words);
  const events: string[] = [];
  const wait = waitUntil(words, attempt, {}, "acquire").then((acquired) => {
    events.push(`resolved ${acquired}`);
  });
  await nextTurn();
  wake(words);
  events.push("spurious wake");
  await nextTurn();
  await nextTurn();
  events.push("release");
  release(words);
  await wait;
  assert.deepEqual(events, ["spurious wake", "release", "resolved true"]);
});

Deno.test("futex: one wake releases every waiter on the words", async () => {
  const words = sharedWords(4);
  const waits = [1, 2, 3].map(() => waitUntil(words, flagAttempt(words).attempt, {}, "acquire"));
  await nextTurn();
  assert.equal(Atomics.load(words, SLEEPERS), 3);
  release(words);
  assert.deepEqual(await Promise.all(waits), [true, true, true]);
  assert.equal(Atomics.load(words, SLEEPERS), 0);
});

Deno.test("futex: a timed wait nobody releases resolves false and unregisters", async () => {
  const words = sharedWords(4);
  const { attempt, calls } = flagAttempt(words);
  assert.equal(await waitUntil(words, attempt, { timeout: 20 }, "acquire"), false);
  assert.ok(calls.count > 1, "it re-checked while it waited");
  assert.equal(Atomics.load(words, SLEEPERS), 0);
  // Released after the timeout: the wait already said no.
  release(words);
  assert.equal(Atomics.load(words, SEQUENCE), 0, "nobody was left to wake");
});

Deno.test("futex: waitUntilSync on the main thread succeeds while spinning, else refuses to block", () => {
  const words = sharedWords(4);
  let tries = 0;
  assert.equal(waitUntilSync(words, () => ++tries === 3, {}, "acquire lock"), true);
  assert.equal(tries, 3);
  for (const timeout of [undefined, 1000, Infinity]) {
    const { attempt } = flagAttempt(words);
    assert.throws(
      () => waitUntilSync(words, attempt, { timeout }, "acquire lock"),
      (error: unknown) => {
        assert.ok(error instanceof BlockingError, String(error));
        assert.match(
          (error as Error).message,
          /^Cannot acquire lock synchronously on the main thread: .*use the async form/,
        );
        return true;
      },
    );
    assert.equal(Atomics.load(words, SLEEPERS), 0, "the refusal leaves no sleeper behind");
  }
});
