/**
 * How long a wait may last, whether it waits at all, and what cancels it: the one options shape
 * of every wait in the library (acquiring a lock, waiting on an event, a condition or a barrier,
 * a queue's put and get, joining a process, a pool result). Where Python takes a positional
 * timeout (`event.wait(1.5)`, `p.join(2)`), the positional milliseconds are kept as an alias:
 * `event.wait(1500)` is `event.wait({ timeout: 1500 })`.
 *
 * What a wait that runs out of time gives is the wait's own: `false` from `acquire` and
 * `Event.wait`, `Full`/`Empty` from a queue, a `TimeoutError` from a pool result, as in Python.
 * A wait cancelled by its signal rejects with the signal's reason and changes nothing, like
 * `fetch`.
 *
 * @example Give up waiting when the caller does
 * ```ts
 * import assert from "node:assert/strict";
 * import { Event } from "../mod.ts";
 *
 * const ready = new Event();
 * const controller = new AbortController();
 * const waiting = ready.wait({ signal: controller.signal });
 * controller.abort(new Error("no longer needed"));
 * await assert.rejects(waiting, { message: "no longer needed" });
 * ```
 */
export interface WaitOptions {
  /**
   * When false, try once and answer at once, as Python's `block=False`/`blocking=False`.
   *
   * @default {true}
   */
  blocking?: boolean;
  /**
   * The same as `blocking`, under the name Python's queues use (`put(item, block=False)`).
   * Queues read either; when both are given, `block` counts.
   */
  block?: boolean;
  /**
   * Milliseconds to wait before giving up; forever when omitted, `null` or `Infinity`. Any
   * length works: a wait longer than `setTimeout`'s 24.8 days is re-armed. Negative or NaN is a
   * `RangeError`, before anything changes.
   */
  timeout?: number | null;
  /**
   * Cancels the wait: it rejects with the signal's reason and takes nothing. An async wait
   * notices the abort at once; a synchronous one (`acquireSync`, `getSync`) only checks the
   * signal before it starts, since nothing can abort it while it blocks its thread.
   */
  signal?: AbortSignal;
}
