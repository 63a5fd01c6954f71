/**
 * Waits of the channels: the futex waits of `actors/_futex.ts`, preceded by a short spin bounded
 * in time. A channel's other side usually makes progress within microseconds (a consumer takes,
 * a producer puts), while a sleep and its wake-up cost tens of microseconds, or a poll interval
 * when an idle event loop misses a `waitAsync` wake; so an actor first keeps retrying for up to
 * {@linkcode SPIN_MICROSECONDS}.
 *
 * @module
 */
import { type AcquireOptions, waitUntil, waitUntilSync } from "../actors/_futex.ts";

/** How long a waiter retries before it sleeps. */
const SPIN_MICROSECONDS = 50;
/** Attempts between two reads of the clock. */
const ATTEMPTS_PER_CHECK = 16;

/** Retries `attempt` for up to {@linkcode SPIN_MICROSECONDS}; true once it succeeds. */
function spin(attempt: () => boolean): boolean {
  const deadline = performance.now() + SPIN_MICROSECONDS / 1000;
  do {
    for (let index = 0; index < ATTEMPTS_PER_CHECK; index++) if (attempt()) return true;
  } while (performance.now() < deadline);
  return false;
}

/**
 * Resolves to true once `attempt()` succeeds, or to false when not blocking or out of time.
 *
 * @param words The channel's control words (the futex words come first).
 * @param attempt Tries the operation; whoever makes it newly succeed wakes the words.
 * @param options `blocking` and `timeout` in milliseconds.
 * @param action What is waited for, for error messages.
 */
export function channelWait(
  words: Int32Array,
  attempt: () => boolean,
  options: AcquireOptions,
  action: string,
): Promise<boolean> {
  if (options.blocking !== false && spin(attempt)) return Promise.resolve(true);
  return waitUntil(words, attempt, options, action);
}

/** The blocking form of {@linkcode channelWait}, for workers. */
export function channelWaitSync(
  words: Int32Array,
  attempt: () => boolean,
  options: AcquireOptions,
  action: string,
): boolean {
  if (options.blocking !== false && spin(attempt)) return true;
  return waitUntilSync(words, attempt, options, action);
}
