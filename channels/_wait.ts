/**
 * The line ({@linkcode Turns}) in which one actor's pending operations on a channel wait, so
 * that they complete in the order they were called. Channels wait with the futex waits of
 * `actors/_shm/futex.ts` and their {@linkcode CHANNEL_SPIN}.
 *
 * @module
 */
import { CHANNEL_SPIN, waitUntil, wake } from "../actors/_shm/futex.ts";
import { runtime } from "../actors/_kernel/runtime.ts";
import { startTimer, stopTimer, type Timer } from "../actors/_shm/time.ts";

/** One pending operation in a {@linkcode Turns} line. */
interface Turn {
  /** Tries the operation; true once it is over (done, or it can never be done). */
  attempt: () => boolean;
  /** The operation's result, from whether `attempt` ended it (false: its time ran out). */
  finish: (served: boolean) => unknown;
  deadline: number;
  timer: Timer | undefined;
  /** Stops listening to the operation's abort signal, if it has one. */
  unlisten: (() => void) | undefined;
  settled: boolean;
  promise: PromiseWithResolvers<unknown>;
  whenSettled: PromiseWithResolvers<void> | undefined;
}

/** What a {@linkcode Turns} line tells its owner. */
export interface TurnsHooks {
  /** The line was empty and has a pending operation now. */
  onBusy?: () => void;
  /** The line has no pending operation any more. */
  onIdle?: () => void;
}

const RESOLVED: Promise<void> = Promise.resolve();
const ignore = () => {};

/**
 * The pending operations of one actor on one side of a channel (its puts, or its gets), served
 * in call order, as asyncio serves its putters and getters: two un-awaited puts of one actor
 * complete in the order they were called, so a sentinel never overtakes the items before it.
 * Only the operation at the head tries; the ones behind it wait for their turn or their
 * deadline, whichever comes first. An operation that finds the line empty and succeeds at once
 * never enters it (the fast path allocates nothing); one that finds it busy queues behind it.
 *
 * The synchronous forms of a worker call {@linkcode Turns.serve} in their own attempt: while
 * they block, the event loop cannot serve the line, so they serve the operations ahead of them
 * first, in order.
 */
export class Turns {
  readonly #words: Int32Array;
  readonly #action: string;
  readonly #hooks: TurnsHooks;
  #line: (Turn | undefined)[] = [];
  #head = 0;
  #live = 0;
  #pumping = false;

  /**
   * @param words The channel's control words, whose wakes signal progress.
   * @param action What is waited for, for error messages.
   * @param hooks Told when the line becomes busy or idle.
   */
  constructor(words: Int32Array, action: string, hooks: TurnsHooks = {}) {
    this.#words = words;
    this.#action = action;
    this.#hooks = hooks;
  }

  /** Whether no operation is pending. */
  get idle(): boolean {
    return this.#live === 0;
  }

  /** The operations pending in this actor. */
  get pending(): number {
    return this.#live;
  }

  /**
   * Queues an operation behind the pending ones.
   *
   * @param attempt Tries it; true once it is over.
   * @param timeout Milliseconds it may wait in all (validated), or undefined for no limit.
   * @param finish Its result from whether `attempt` ended it; may throw to reject.
   * @param signal Cancels it while it waits: it then rejects with the signal's reason, and its
   * attempt is not tried again (the operation did not happen).
   * @returns The result of `finish`.
   */
  enqueue<R>(
    attempt: () => boolean,
    timeout: number | undefined,
    finish: (served: boolean) => R,
    signal?: AbortSignal,
  ): Promise<R> {
    const turn: Turn = {
      attempt,
      finish,
      deadline: timeout === undefined ? Infinity : performance.now() + timeout,
      timer: undefined,
      unlisten: undefined,
      settled: false,
      promise: Promise.withResolvers<unknown>(),
      whenSettled: undefined,
    };
    this.#line.push(turn);
    if (this.#live++ === 0) this.#hooks.onBusy?.();
    if (timeout !== undefined) turn.timer = startTimer(timeout, () => this.#expire(turn));
    if (signal !== undefined) {
      const onAbort = () => this.#cancel(turn, signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      turn.unlisten = () => signal.removeEventListener("abort", onAbort);
    }
    if (!this.serve()) void this.#pump();
    return turn.promise.promise as Promise<R>;
  }

  /**
   * Serves the pending operations in order, as far as they can go now; an operation whose
   * deadline passed and that still cannot go ends (its time ran out).
   *
   * @returns True when none is left pending.
   */
  serve(): boolean {
    while (this.#head < this.#line.length) {
      const turn = this.#line[this.#head]!;
      if (turn.settled) this.#advance();
      else if (!this.#try(turn, turn.deadline !== Infinity && performance.now() >= turn.deadline)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Ends every pending operation with `error`. `quietly`: as handled rejections, so one
   * nobody awaits is dropped without an unhandled rejection (Python's `cancel_join_thread()`).
   */
  abandon(error: Error, quietly: boolean): void {
    for (let index = this.#head; index < this.#line.length; index++) {
      const turn = this.#line[index]!;
      if (turn.settled) continue;
      if (quietly) turn.promise.promise.catch(ignore);
      this.#settle(turn, () => Promise.reject(error));
    }
  }

  /** Resolves once every operation pending now is over (it never rejects). */
  settled(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (let index = this.#head; index < this.#line.length; index++) {
      const turn = this.#line[index]!;
      if (!turn.settled) pending.push((turn.whenSettled ??= Promise.withResolvers()).promise);
    }
    return pending.length === 0 ? RESOLVED : Promise.all(pending).then(ignore);
  }

  /** Settles `turn` with what `outcome` returns or throws. */
  #settle(turn: Turn, outcome: () => unknown): void {
    turn.settled = true;
    stopTimer(turn.timer);
    turn.unlisten?.();
    try {
      turn.promise.resolve(outcome());
    } catch (error) {
      turn.promise.reject(error);
    }
    turn.whenSettled?.resolve();
    if (--this.#live === 0) {
      this.#line = [];
      this.#head = 0;
      this.#hooks.onIdle?.();
    }
  }

  /** Drops the settled head; compacts the line now and then, so it never only grows. */
  #advance(): void {
    this.#line[this.#head++] = undefined;
    if (this.#head >= 1024 && this.#head * 2 >= this.#line.length) {
      this.#line.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /**
   * Runs the attempt of `turn`; settles it if that ends it, or if `late` (its time ran out).
   * True if it is settled.
   */
  #try(turn: Turn, late: boolean): boolean {
    let over: boolean;
    try {
      over = turn.attempt();
    } catch (error) {
      this.#settle(turn, () => Promise.reject(error));
      return true;
    }
    if (!over && !late) return false;
    this.#settle(turn, () => turn.finish(over));
    return true;
  }

  /** The signal of `turn` aborted: it rejects with `reason`, and the next head tries. */
  #cancel(turn: Turn, reason: unknown): void {
    if (turn.settled) return;
    this.#settle(turn, () => Promise.reject(reason));
    if (this.serve() && this.#pumping) {
      runtime.haltIfReaped();
      wake(this.#words);
    }
  }

  /** The timer of `turn` fired: it ends, and the next head tries. */
  #expire(turn: Turn): void {
    if (turn.settled) return;
    turn.timer = undefined;
    if (this.#line[this.#head] === turn) this.#try(turn, true);
    else this.#settle(turn, () => turn.finish(false));
    // The pump sleeps on the words until a wake: when nothing is left, wake it to end.
    if (this.serve() && this.#pumping) {
      runtime.haltIfReaped();
      wake(this.#words);
    }
  }

  /** Waits on the channel until the line is served, one pump at a time. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.serve()) {
        await waitUntil(this.#words, () => this.serve(), {}, this.#action, CHANNEL_SPIN);
      }
    } catch (error) {
      this.abandon(error instanceof Error ? error : new Error(String(error)), false);
    } finally {
      this.#pumping = false;
    }
  }
}
