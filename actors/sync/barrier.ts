import { checkOptions, FIRST_STATE_WORD, sharedWords, waitUntil, wake } from "../_shm/futex.ts";
import type { TargetRef } from "../_kernel/protocol.ts";
import { repairHandle } from "../_kernel/handles.ts";
import { exitcodeOf } from "../_kernel/protocol.ts";
import { runtime } from "../_kernel/runtime.ts";
import { registerSharedKind, type Revival, SharedHandle } from "../_kernel/shared_handle.ts";
import { loadRef, refFor } from "../_kernel/targets.ts";
import {
  checkInteger,
  checkSignal,
  checkTimeout,
  describeValue,
  waitOptionsOf,
} from "../_shm/time.ts";
import type { WaitOptions } from "../wait_options.ts";
import { BrokenBarrierError } from "./errors.ts";

/*
 * One state word: a bit per occupied place (the low MAX_PARTIES bits) and three flags. A pass
 * or a break ends the round: DRAINING is set (with PASSED for a pass) and the parties of the
 * round leave one by one, each clearing its own place; the last to leave clears DRAINING, and
 * only then may parties of the next round arrive (Python's Barrier drains the same way). So a
 * party reads its outcome from the state while its place is still its own, however late it
 * wakes: there is no generation counter to wrap around, nor an old round's mark to outlive a
 * reset. BROKEN refuses arrivals until `reset()`.
 */
const STATE = FIRST_STATE_WORD;
/** Requests that the creating actor run the action: a count of requests. */
const REQUEST = FIRST_STATE_WORD + 1;
/** The last request the creating actor completed, and how (ACTION_OK or ACTION_FAILED). */
const DONE = FIRST_STATE_WORD + 2;
const RESULT = FIRST_STATE_WORD + 3;
/** The byte length of the message of the action's error, in `errorText`. */
const ERROR_LENGTH = FIRST_STATE_WORD + 4;
/** The pid of the party at each place, so that the supervisor can free a dead party's place. */
const FIRST_SLOT = FIRST_STATE_WORD + 5;
const MAX_PARTIES = 16;
const PLACES = (1 << MAX_PARTIES) - 1;
const DRAINING = 1 << MAX_PARTIES;
const PASSED = 1 << (MAX_PARTIES + 1);
const BROKEN = 1 << (MAX_PARTIES + 2);
const ACTION_OK = 1;
const ACTION_FAILED = 2;
const ERROR_TEXT_BYTES = 1024;

const placesOf = (state: number) => state & PLACES;

function popcount(bits: number): number {
  let count = 0;
  for (let rest = bits; rest !== 0; rest &= rest - 1) count++;
  return count;
}

/** Options of {@linkcode Barrier}. */
export interface BarrierOptions {
  /**
   * Run once per pass, before any party is released. A function registered with `task()` runs
   * in the party that arrives last, as in Python; any other function (an arrow, a closure) runs
   * in the actor that created the barrier, which must still be running: if it has exited, the
   * pass breaks the barrier with a `BrokenBarrierError`. If the action throws, the barrier
   * breaks: the last party's `wait()` rejects with the error (or, for an action run by the
   * creating actor, a `BrokenBarrierError` carrying its message), the others' with
   * `BrokenBarrierError`.
   */
  action?: () => unknown;
  /**
   * Default timeout of `wait()` in milliseconds; forever when omitted, `null` or `Infinity`.
   */
  timeout?: number | null;
}

/** Where the action runs: a task the last party imports, or a closure of the creating actor. */
type ActionRef =
  | { kind: "task"; ref: TargetRef }
  | { kind: "creator"; pid: number; status: SharedArrayBuffer; id: number };

/** @ignore Internal: not part of the public API. */
interface BarrierState {
  words: Int32Array;
  parties: number;
  action: ActionRef | null;
  timeout: number | null;
  /** The message of an action's error in the creating actor, UTF-8. */
  errorText: SharedArrayBuffer;
}

/** The closure actions of barriers created by this actor, by id. */
const closureActions = new Map<number, () => unknown>();
let nextActionId = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A barrier for a fixed number of parties, as Python's `multiprocessing.Barrier`: each `wait()`
 * blocks until `parties` actors have called it, then all are released together and each gets a
 * distinct index in `0..parties-1`. As in Python, parties that arrive for the next pass wait
 * until every party of the last one has left `wait()`. A party that dies while waiting gives its
 * place back (the supervisor repairs it), so the others are not stuck counting a corpse.
 *
 * @example A start line for three runners
 * ```ts
 * import assert from "node:assert/strict";
 * import { Barrier, Process } from "../../mod.ts";
 * import { runner } from "../../examples/doc_targets.ts";
 *
 * const startLine = new Barrier(3);
 * const runners = [1, 2].map((i) => new Process({ target: runner, args: [i, startLine] }));
 * for (const p of runners) p.start();
 * const index = await startLine.wait();
 * for (const p of runners) await p.join();
 * assert.ok(index >= 0 && index < 3);
 * ```
 *
 * @example An action that is a closure runs in the creating actor
 * ```ts
 * import assert from "node:assert/strict";
 * import { Barrier } from "../../mod.ts";
 *
 * let passes = 0;
 * const barrier = new Barrier(2, { action: () => passes++ });
 * await Promise.all([barrier.wait(), barrier.wait()]);
 * assert.equal(passes, 1);
 * ```
 */
export class Barrier extends SharedHandle<BarrierState> {
  /**
   * Creates a barrier.
   *
   * @param parties How many actors must wait before all are released, 1 to 16.
   * @param options An `action` run once per pass, and a default `timeout`.
   * @throws {TypeError} If `parties` is not a number, `action` not a function, or `timeout` not
   * a number.
   * @throws {RangeError} If `parties` is not an integer from 1 to 16, or `timeout` is negative
   * or NaN.
   */
  constructor(parties?: number, options?: BarrierOptions);
  /** @ignore Revives a barrier another actor described (see `registerSharedKind`). */
  constructor(parties?: number, options?: BarrierOptions, revival?: Revival);
  constructor(parties = 1, options: BarrierOptions = {}, revival?: Revival) {
    checkInteger(parties, "create barrier", "parties", { min: 1, max: MAX_PARTIES });
    checkOptions(options, "create barrier");
    const { action } = options;
    if (action !== undefined && typeof action !== "function") {
      throw new TypeError(
        `Cannot create barrier: action must be a function, got ${describeValue(action)}`,
      );
    }
    const timeout = checkTimeout(options.timeout, "create barrier", "timeout") ?? null;
    super("Barrier", () => ({
      words: sharedWords(FIRST_SLOT + parties),
      parties,
      action: action === undefined ? null : actionRef(action),
      timeout,
      errorText: new SharedArrayBuffer(ERROR_TEXT_BYTES),
    }), revival);
    // A closure action of a barrier made here (not revived) is served from here.
    if (action !== undefined && this.state.action?.kind === "creator") {
      void serveActions(this.state, action);
    }
  }

  /** The number of parties needed to pass. */
  get parties(): number {
    return this.state.parties;
  }

  /** The number of parties waiting now (0 while the parties of a pass are leaving). */
  get nWaiting(): number {
    const state = Atomics.load(this.state.words, STATE);
    return (state & DRAINING) !== 0 ? 0 : popcount(placesOf(state));
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    return (Atomics.load(this.state.words, STATE) & BROKEN) !== 0;
  }

  /**
   * Waits until every party has arrived.
   *
   * @param options A `timeout` that overrides the barrier's default (when omitted or `null`;
   * `Infinity` for none), and a `signal` that cancels the wait; or the timeout alone, as Python
   * passes it (`wait(1500)`). A timeout breaks the barrier, and so does a cancelled wait once
   * the party has arrived (the others would wait for it forever).
   * @returns This party's index, distinct among the parties of one pass. It rejects with
   * `BrokenBarrierError` if the barrier is or becomes broken, or the wait times out; with the
   * signal's reason when cancelled; with a `TypeError` or `RangeError`, changing nothing, for
   * bad options.
   */
  async wait(options?: number | null | Pick<WaitOptions, "timeout" | "signal">): Promise<number> {
    runtime.haltIfReaped();
    const checked = waitOptionsOf(options) ?? {};
    checkOptions(checked, "wait at barrier");
    const timeout = checked.timeout === undefined || checked.timeout === null
      ? this.state.timeout ?? undefined
      : checkTimeout(checked.timeout, "wait at barrier");
    const signal = checkSignal(checked.signal, "wait at barrier");
    signal?.throwIfAborted();
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    const place = await this.#arrive(deadline, timeout, signal);
    if (place.last) return await this.#pass(place.index);
    const words = this.state.words;
    let ended: boolean;
    try {
      ended = await waitUntil(
        words,
        () => (Atomics.load(words, STATE) & DRAINING) !== 0,
        { timeout: remainingOf(deadline), signal },
        "wait at barrier",
      );
    } catch (reason) {
      // Cancelled: unless the barrier passed or broke meanwhile, this party breaks it.
      return this.#leave(place.index, this.#end("break") ? reason : undefined);
    }
    const timedOut = !ended && this.#end("break");
    return this.#leave(place.index, timedOut ? this.#timeoutError(timeout) : undefined);
  }

  /** Breaks the barrier: every waiting and later `wait()` rejects until `reset()`. */
  abort(): void {
    runtime.haltIfReaped();
    this.#end("abort");
  }

  /**
   * Returns the barrier to its empty, unbroken state; parties waiting now reject with
   * BrokenBarrierError (and parties arriving meanwhile wait until they have left).
   */
  reset(): void {
    runtime.haltIfReaped();
    const words = this.state.words;
    let state = Atomics.load(words, STATE);
    while (true) {
      let next = state & ~BROKEN;
      if (placesOf(state) !== 0 && (state & DRAINING) === 0) next |= DRAINING;
      const seen = Atomics.compareExchange(words, STATE, state, next);
      if (seen === state) break;
      state = seen;
    }
    wake(words);
  }

  /** Gives back the places of parties that died while waiting. */
  [repairHandle](isDead: (pid: number) => boolean): void {
    const words = this.state.words;
    for (let index = 0; index < this.state.parties; index++) {
      const holder = Atomics.load(words, FIRST_SLOT + index);
      if (holder <= 0 || !isDead(holder)) continue;
      if (Atomics.compareExchange(words, FIRST_SLOT + index, holder, 0) !== holder) continue;
      this.#clearPlace(index);
      wake(words);
    }
  }

  /**
   * Claims a place with one compare-exchange of the state word; waits while the parties of the
   * previous pass leave, or while the last party runs the action.
   */
  async #arrive(
    deadline: number,
    timeout: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ index: number; last: boolean }> {
    const words = this.state.words;
    const full = (1 << this.state.parties) - 1;
    while (true) {
      const state = Atomics.load(words, STATE);
      if ((state & BROKEN) !== 0) {
        throw new BrokenBarrierError("Cannot wait at the barrier: it is broken; reset() it first");
      }
      const places = placesOf(state);
      if ((state & DRAINING) !== 0 || places === full) {
        const changed = await waitUntil(
          words,
          () => Atomics.load(words, STATE) !== state,
          { timeout: remainingOf(deadline), signal },
          "wait at barrier",
        );
        if (!changed) {
          this.#end("abort");
          throw this.#timeoutError(timeout);
        }
        continue;
      }
      const index = 31 - Math.clz32(~places & (places + 1));
      if (Atomics.compareExchange(words, FIRST_SLOT + index, 0, runtime.pid) !== 0) continue;
      const claimed = state | (1 << index);
      if (Atomics.compareExchange(words, STATE, state, claimed) !== state) {
        Atomics.store(words, FIRST_SLOT + index, 0);
        continue;
      }
      return { index, last: placesOf(claimed) === full };
    }
  }

  /** The last party runs the action, then ends the round: a pass, or a break if it failed. */
  async #pass(index: number): Promise<number> {
    let failure: unknown = undefined;
    try {
      await this.#runAction();
    } catch (error) {
      failure = error;
    }
    // A party reaped while its action ran (stuck in synchronous code) must not end the round.
    runtime.haltIfReaped();
    this.#end(failure === undefined ? "pass" : "break");
    return this.#leave(index, failure);
  }

  async #runAction(): Promise<void> {
    const action = this.state.action;
    if (action === null) return;
    if (action.kind === "task") {
      await (await loadRef(action.ref))();
      return;
    }
    if (action.pid === runtime.pid) {
      await closureActions.get(action.id)!();
      return;
    }
    await this.#askCreator(action);
  }

  /** Has the creating actor run the action, and waits for it. */
  async #askCreator(action: ActionRef & { kind: "creator" }): Promise<void> {
    const words = this.state.words;
    const creator = new Int32Array(action.status);
    const request = (Atomics.add(words, REQUEST, 1) + 1) | 0;
    Atomics.notify(words, REQUEST);
    await waitUntil(
      words,
      (sleeping) => {
        if (Atomics.load(words, DONE) === request || exitcodeOf(creator) !== null) return true;
        // In case a wake was missed while the creator's event loop was idle.
        if (sleeping) Atomics.notify(words, REQUEST);
        return false;
      },
      {},
      "wait for the barrier action",
    );
    if (Atomics.load(words, DONE) !== request) {
      throw new BrokenBarrierError(
        `Cannot pass the barrier: its action runs in the actor that created it (pid ` +
          `${action.pid}), which has exited`,
      );
    }
    if (Atomics.load(words, RESULT) === ACTION_FAILED) {
      const length = Atomics.load(words, ERROR_LENGTH);
      const message = decoder.decode(new Uint8Array(this.state.errorText).slice(0, length));
      throw new BrokenBarrierError(
        `Cannot pass the barrier: its action threw in the actor that created it (pid ` +
          `${action.pid}): ${message}`,
      );
    }
  }

  /**
   * Ends the round in progress, unless it already ended: with a pass, or with a break ("break":
   * a timeout or a failed action) that also refuses later arrivals until `reset()`. "abort"
   * breaks the round in progress if there is one, and refuses later arrivals in any case. True
   * when this call ended a round.
   */
  #end(how: "pass" | "break" | "abort"): boolean {
    const words = this.state.words;
    let state = Atomics.load(words, STATE);
    while (true) {
      const open = placesOf(state) !== 0 && (state & DRAINING) === 0;
      if (!open && how !== "abort") return false;
      let next = open ? state | DRAINING | (how === "pass" ? PASSED : 0) : state;
      if (how !== "pass") next |= BROKEN;
      const seen = Atomics.compareExchange(words, STATE, state, next);
      if (seen === state) {
        wake(words);
        return open;
      }
      state = seen;
    }
  }

  /**
   * Reads this party's outcome, then leaves its place; the last to leave opens the next round.
   * `failure` is this party's own reason to reject, if it has one.
   */
  #leave(index: number, failure: unknown): number {
    const passed = (Atomics.load(this.state.words, STATE) & PASSED) !== 0;
    Atomics.store(this.state.words, FIRST_SLOT + index, 0);
    this.#clearPlace(index);
    wake(this.state.words);
    if (failure !== undefined) throw failure;
    if (!passed) {
      throw new BrokenBarrierError(
        "Cannot pass the barrier: it was aborted, reset, or broken by another party's timeout " +
          "or action while this party waited",
      );
    }
    return index;
  }

  /** Clears a place; clearing the last of a round that ended opens the next one. */
  #clearPlace(index: number): void {
    const words = this.state.words;
    let state = Atomics.load(words, STATE);
    while ((state & (1 << index)) !== 0) {
      let next = state & ~(1 << index);
      if (placesOf(next) === 0) next &= ~(DRAINING | PASSED);
      const seen = Atomics.compareExchange(words, STATE, state, next);
      if (seen === state) return;
      state = seen;
    }
  }

  #timeoutError(timeout: number | undefined): BrokenBarrierError {
    return new BrokenBarrierError(
      `Cannot pass the barrier: ${timeout} ms passed before all ${this.state.parties} parties ` +
        "arrived; the barrier is now broken",
    );
  }
}

/** The time left until `deadline`, as a timeout option (undefined for none). */
function remainingOf(deadline: number): number | undefined {
  return deadline === Infinity ? undefined : Math.max(0, deadline - performance.now());
}

/**
 * Where `action` runs: a registered task in the last party; any other function in this actor,
 * which serves the requests of the other parties for as long as it runs.
 */
function actionRef(action: () => unknown): ActionRef {
  if (action.name !== "") {
    const ref = refFor(action, runtime.mainModule, "barrier action");
    if (ref.via === "task") return { kind: "task", ref };
  }
  const id = nextActionId++;
  closureActions.set(id, action);
  return {
    kind: "creator",
    pid: runtime.pid,
    status: runtime.status.buffer as SharedArrayBuffer,
    id,
  };
}

/**
 * Runs the closure action of a barrier this actor created whenever another party asks. It
 * sleeps on `Atomics.waitAsync`, which neither keeps the program alive nor holds a timer: the
 * party that asks re-notifies while it waits, in case a wake was missed.
 */
async function serveActions(barrier: BarrierState, action: () => unknown): Promise<void> {
  const words = barrier.words;
  while (true) {
    const request = Atomics.load(words, REQUEST);
    if (request === Atomics.load(words, DONE)) {
      const sleep = Atomics.waitAsync(words, REQUEST, request);
      if (sleep.async) await sleep.value;
      continue;
    }
    let result = ACTION_OK;
    try {
      await action();
    } catch (error) {
      result = ACTION_FAILED;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const { written } = encoder.encodeInto(message, new Uint8Array(barrier.errorText));
      Atomics.store(words, ERROR_LENGTH, written);
    }
    runtime.haltIfReaped();
    Atomics.store(words, RESULT, result);
    Atomics.store(words, DONE, request);
    wake(words);
  }
}

registerSharedKind(
  import.meta,
  "Barrier",
  (revival) => new Barrier(undefined, undefined, revival),
);
