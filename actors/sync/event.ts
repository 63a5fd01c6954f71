import {
  FIRST_STATE_WORD,
  sharedWords,
  SLEEPERS,
  waitUntil,
  waitUntilSync,
  wake,
} from "../_shm/futex.ts";
import { repairHandle } from "../_kernel/handles.ts";
import { runtime } from "../_kernel/runtime.ts";
import { registerSharedKind, type Revival, SharedHandle } from "../_kernel/shared_handle.ts";
import { waitOptionsOf } from "../_shm/time.ts";
import type { WaitOptions } from "../wait_options.ts";

const FLAG = FIRST_STATE_WORD;

/**
 * A flag shared between actors, as Python's `multiprocessing.Event`: `wait()` blocks while it is
 * clear, `set()` wakes every waiter, `clear()` resets it. `isSet()` is a read of shared memory.
 *
 * @example The seeds' traffic light
 * ```ts
 * import assert from "node:assert/strict";
 * import { Event, Process } from "../../mod.ts";
 * import { car } from "../../examples/doc_targets.ts";
 *
 * const green = new Event();
 * const cars = [1, 2].map((i) => new Process({ target: car, args: [i, green] }));
 * for (const p of cars) await p.start();
 * green.set();
 * for (const p of cars) await p.join();
 * assert.equal(green.isSet(), true);
 * ```
 */
export class Event extends SharedHandle<Int32Array> {
  /** Creates a clear event. */
  constructor();
  /** @ignore Revives an event another actor described (see `registerSharedKind`). */
  constructor(revival?: Revival);
  constructor(revival?: Revival) {
    super("Event", () => sharedWords(FIRST_STATE_WORD + 1), revival);
  }

  /** Whether it is set, and the actors asleep waiting for it. */
  protected override inspectState(): Record<string, unknown> {
    return {
      set: Atomics.load(this.state, FLAG) === 1,
      waiters: Atomics.load(this.state, SLEEPERS),
    };
  }

  /**
   * Whether the flag is set.
   *
   * @returns The flag.
   */
  isSet(): boolean {
    return Atomics.load(this.state, FLAG) === 1;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    runtime.haltIfReaped();
    Atomics.store(this.state, FLAG, 1);
    wake(this.state);
  }

  /** Clears the flag: later waits block again. */
  clear(): void {
    runtime.haltIfReaped();
    Atomics.store(this.state, FLAG, 0);
  }

  /**
   * Waits until the flag is set, or until the timeout passes, as Python's `wait(timeout)`.
   *
   * @param options A `timeout` in milliseconds (forever when omitted, `null` or `Infinity`),
   * `blocking: false` to look once, and a `signal` that cancels the wait; or the timeout alone,
   * as Python passes it (`wait(1500)`).
   * @returns The flag: true if it was set, false on timeout. It rejects with a `TypeError` or
   * `RangeError` for a timeout that is not a number, negative or NaN, and with the signal's
   * reason when it aborts.
   */
  wait(options?: number | null | WaitOptions): Promise<boolean> {
    return waitUntil(this.state, () => this.isSet(), this.#options(options), "wait for event");
  }

  /**
   * The blocking form of {@linkcode Event.prototype.wait}, for workers.
   *
   * @param options As for {@linkcode Event.prototype.wait}; a signal is checked only before the
   * wait starts.
   * @returns The flag.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   * @throws {TypeError | RangeError} For a timeout that is not a number, negative or NaN.
   */
  waitSync(options?: number | null | WaitOptions): boolean {
    return waitUntilSync(this.state, () => this.isSet(), this.#options(options), "wait for event");
  }

  /** Nothing to repair: an event is not held. */
  [repairHandle](): void {}

  #options(options: number | null | WaitOptions | undefined): WaitOptions {
    return waitOptionsOf(options) ?? {};
  }
}

registerSharedKind(import.meta, "Event", (revival) => new Event(revival));
