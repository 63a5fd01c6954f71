import { FIRST_STATE_WORD, sharedWords, waitUntil, wake } from "./_futex.ts";
import type { TargetRef } from "./_protocol.ts";
import { repairHandle } from "./_portable.ts";
import { runtime } from "./_runtime.ts";
import { registerSharedKind, SharedHandle } from "./_shared_handle.ts";
import { loadRef, refFor } from "./_target.ts";
import { BrokenBarrierError } from "./errors.ts";

/** Generation in the high bits, one bit per occupied place in the low MAX_PARTIES bits. */
const STATE = FIRST_STATE_WORD;
/** The generation that broke, or -1. */
const BROKEN_GENERATION = FIRST_STATE_WORD + 1;
const FIRST_SLOT = FIRST_STATE_WORD + 2;
const MAX_PARTIES = 16;
const PLACES = (1 << MAX_PARTIES) - 1;

const generationOf = (state: number) => state >>> MAX_PARTIES;
const placesOf = (state: number) => state & PLACES;

function popcount(bits: number): number {
  let count = 0;
  for (let rest = bits; rest !== 0; rest &= rest - 1) count++;
  return count;
}

/** Options of {@linkcode Barrier}. */
export interface BarrierOptions {
  /**
   * Run once per pass by the last party to arrive, before any party is released. A function
   * exported from the main module or registered with `task()`, like a process target.
   */
  action?: () => unknown;
  /** Default timeout of `wait()` in milliseconds; forever when omitted. */
  timeout?: number;
}

/** @ignore Internal: not part of the public API. */
interface BarrierState {
  words: Int32Array;
  parties: number;
  action: TargetRef | null;
  timeout: number | null;
}

/**
 * A barrier for a fixed number of parties, as Python's `multiprocessing.Barrier`: each `wait()`
 * blocks until `parties` actors have called it, then all are released together and each gets a
 * distinct index in `0..parties-1`. A party that dies while waiting gives its place back
 * (the supervisor repairs it), so the others are not stuck counting a corpse.
 *
 * @example A start line for three runners
 * ```ts
 * import { Barrier, Process } from "../mod.ts";
 * import { runner } from "../examples/doc_targets.ts";
 *
 * const startLine = new Barrier(3);
 * const runners = [1, 2].map((i) => new Process({ target: runner, args: [i, startLine] }));
 * for (const p of runners) p.start();
 * const index = await startLine.wait();
 * for (const p of runners) await p.join();
 * console.assert(index >= 0 && index < 3);
 * ```
 */
export class Barrier extends SharedHandle<BarrierState> {
  /**
   * Creates a barrier.
   *
   * @param parties How many actors must wait before all are released, 1 to 16.
   * @param options An `action` run by the last arriver, and a default `timeout`.
   * @throws {RangeError} If `parties` is not an integer from 1 to 16.
   */
  constructor(parties = 1, options: BarrierOptions = {}) {
    if (!Number.isInteger(parties) || parties < 1 || parties > MAX_PARTIES) {
      throw new RangeError(
        `Cannot create barrier: parties must be an integer from 1 to ${MAX_PARTIES}, got ${parties}`,
      );
    }
    super("Barrier", import.meta.url, () => {
      const words = sharedWords(FIRST_SLOT + parties);
      words[BROKEN_GENERATION] = -1;
      return {
        words,
        parties,
        action: options.action === undefined
          ? null
          : refFor(options.action, runtime.mainModule, "barrier action"),
        timeout: options.timeout ?? null,
      };
    });
  }

  /** The number of parties needed to pass. */
  get parties(): number {
    return this.state.parties;
  }

  /** The number of parties waiting now. */
  get nWaiting(): number {
    return popcount(placesOf(Atomics.load(this.state.words, STATE)));
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    const words = this.state.words;
    return Atomics.load(words, BROKEN_GENERATION) === generationOf(Atomics.load(words, STATE));
  }

  /**
   * Waits until every party has arrived.
   *
   * @param timeoutMs Overrides the barrier's default timeout; a timeout breaks the barrier.
   * @returns This party's index, distinct among the parties of one pass.
   * @throws {BrokenBarrierError} If the barrier is or becomes broken, or the wait times out.
   */
  async wait(timeoutMs?: number): Promise<number> {
    const words = this.state.words;
    const { generation, place, last } = await this.#arrive();
    if (last) {
      await this.#pass(generation);
      return place;
    }
    const timeout = timeoutMs ?? this.state.timeout ?? undefined;
    const released = await waitUntil(
      words,
      () => generationOf(Atomics.load(words, STATE)) !== generation || this.#brokenIn(generation),
      { timeout },
      "wait at barrier",
    );
    if (!this.#brokenIn(generation) && generationOf(Atomics.load(words, STATE)) !== generation) {
      return place;
    }
    if (!released) this.#breakGeneration(generation);
    throw new BrokenBarrierError(
      released
        ? "Cannot pass the barrier: it was aborted or reset while this party waited"
        : `Cannot pass the barrier: ${timeout} ms passed before all ${this.state.parties} parties arrived`,
    );
  }

  /** Breaks the barrier: every waiting and later `wait()` rejects until `reset()`. */
  abort(): void {
    this.#breakGeneration(generationOf(Atomics.load(this.state.words, STATE)));
  }

  /** Returns the barrier to its empty state; parties waiting now reject with BrokenBarrierError. */
  reset(): void {
    const words = this.state.words;
    const state = Atomics.load(words, STATE);
    const generation = generationOf(state);
    if (placesOf(state) !== 0) Atomics.store(words, BROKEN_GENERATION, generation);
    this.#clearSlots();
    Atomics.store(words, STATE, this.#nextGeneration(generation));
    wake(words);
  }

  /** Gives back the places of parties that died while waiting. */
  [repairHandle](isDead: (pid: number) => boolean): void {
    const words = this.state.words;
    for (let place = 0; place < this.state.parties; place++) {
      const holder = Atomics.load(words, FIRST_SLOT + place);
      if (holder <= 0 || !isDead(holder)) continue;
      let state = Atomics.load(words, STATE);
      while ((state & (1 << place)) !== 0) {
        const seen = Atomics.compareExchange(words, STATE, state, state & ~(1 << place));
        if (seen === state) break;
        state = seen;
      }
      Atomics.compareExchange(words, FIRST_SLOT + place, holder, 0);
      wake(words);
    }
  }

  /** Claims a place with one compare-exchange of the state word; waits out a pass in progress. */
  async #arrive(): Promise<{ generation: number; place: number; last: boolean }> {
    const words = this.state.words;
    const full = (1 << this.state.parties) - 1;
    while (true) {
      const state = Atomics.load(words, STATE);
      const generation = generationOf(state);
      if (this.#brokenIn(generation)) {
        throw new BrokenBarrierError("Cannot wait at the barrier: it is broken; reset() it first");
      }
      const places = placesOf(state);
      if (places === full) {
        await waitUntil(
          words,
          () => Atomics.load(words, STATE) !== state,
          {},
          "wait at barrier",
        );
        continue;
      }
      const place = 31 - Math.clz32(~places & (places + 1));
      if (Atomics.compareExchange(words, FIRST_SLOT + place, 0, runtime.pid) !== 0) continue;
      const claimed = state | (1 << place);
      if (Atomics.compareExchange(words, STATE, state, claimed) !== state) {
        Atomics.store(words, FIRST_SLOT + place, 0);
        continue;
      }
      wake(words);
      return { generation, place, last: claimed === (state & ~PLACES | full) };
    }
  }

  /** The last arriver runs the action, then releases everyone into the next generation. */
  async #pass(generation: number): Promise<void> {
    const words = this.state.words;
    try {
      if (this.state.action !== null) await (await loadRef(this.state.action))();
    } catch (error) {
      this.#breakGeneration(generation);
      throw error;
    }
    this.#clearSlots();
    Atomics.store(words, STATE, this.#nextGeneration(generation));
    wake(words);
  }

  #nextGeneration(generation: number): number {
    return ((generation + 1) & 0x7fff) << MAX_PARTIES;
  }

  #clearSlots(): void {
    const words = this.state.words;
    for (let place = 0; place < this.state.parties; place++) {
      Atomics.store(words, FIRST_SLOT + place, 0);
    }
  }

  #brokenIn(generation: number): boolean {
    return Atomics.load(this.state.words, BROKEN_GENERATION) === generation;
  }

  #breakGeneration(generation: number): void {
    Atomics.store(this.state.words, BROKEN_GENERATION, generation);
    wake(this.state.words);
  }
}

registerSharedKind(import.meta, "Barrier", () => new Barrier());
