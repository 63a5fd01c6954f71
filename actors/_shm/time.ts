/**
 * Timeouts and sizes, validated the same way by every public API, and timers that take any
 * duration. `setTimeout` clamps a delay above 2^31-1 ms (24.8 days) to 1 ms, so a timeout of
 * `3e9` or `Infinity` passed straight to it fires at once; here `Infinity` means "no limit" and a
 * long delay is re-armed in slices.
 *
 * The rule, written once: a timeout is `undefined`, `null` or `Infinity` for no limit, else a
 * number of milliseconds `>= 0`; anything else is refused before any state changes, with a
 * `TypeError` (not a number) or a `RangeError` (negative or NaN). A size is an integer within
 * the bounds the API names, else a `TypeError` or `RangeError` the same way.
 *
 * @module
 */
import type { WaitOptions } from "../wait_options.ts";

/** The longest delay `setTimeout` takes as it is. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Validates a timeout option.
 *
 * @param value What the caller passed.
 * @param action What was being done, for the message ("acquire lock").
 * @param name The option's name, for the message.
 * @returns The timeout in milliseconds, or `undefined` for no limit.
 * @throws {TypeError} If `value` is not a number (nor undefined or null).
 * @throws {RangeError} If `value` is negative or NaN.
 */
export function checkTimeout(
  value: unknown,
  action: string,
  name = "timeout",
): number | undefined {
  if (value === undefined || value === null || value === Infinity) return undefined;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be a number of milliseconds (or Infinity for no limit), ` +
        `got ${describeValue(value)}`,
    );
  }
  if (!(value >= 0)) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a number of milliseconds >= 0 (or Infinity for no ` +
        `limit), got ${value}`,
    );
  }
  return value;
}

/**
 * Validates an abort signal option.
 *
 * @throws {TypeError} If `signal` is neither undefined nor an `AbortSignal`.
 */
export function checkSignal(signal: unknown, action: string): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new TypeError(
    `Cannot ${action}: signal must be an AbortSignal, got ${describeValue(signal)}`,
  );
}

/**
 * Reads the alias of a wait's options: a number of milliseconds (or null, Python's `None`) is
 * `{ timeout }`; options objects and undefined are returned as they are.
 */
export function waitOptionsOf(
  options: number | null | WaitOptions | undefined,
): WaitOptions | undefined {
  return typeof options === "number" || options === null ? { timeout: options } : options;
}

/**
 * Checks the options of a wait that takes a timeout and a signal: an options object, or the
 * timeout alone (Python's positional form), or undefined.
 *
 * @throws {TypeError} For options that are neither, a timeout that is not a number, or a signal
 * that is not an `AbortSignal`.
 * @throws {RangeError} For a negative or NaN timeout.
 */
export function checkWaitOptions(
  options: number | null | Pick<WaitOptions, "timeout" | "signal"> | undefined,
  action: string,
): { timeout: number | undefined; signal: AbortSignal | undefined } {
  const checked = waitOptionsOf(options) ?? {};
  if (typeof checked !== "object" || checked === null || Array.isArray(checked)) {
    throw new TypeError(
      `Cannot ${action}: options must be a timeout in milliseconds or an object such as ` +
        `{ timeout: 100, signal }, got ${describeValue(checked)}`,
    );
  }
  return {
    timeout: checkTimeout(checked.timeout, action),
    signal: checkSignal(checked.signal, action),
  };
}

/**
 * Resolves to true once `settled` settles, to false once `timeout` milliseconds pass first
 * (never, when undefined), and rejects with the signal's reason when it aborts first (at once,
 * if it has). `settled` must not reject.
 */
export function settledWithin(
  settled: Promise<unknown>,
  timeout: number | undefined,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (timeout === undefined && signal === undefined) return settled.then(() => true);
  const { promise, resolve, reject } = Promise.withResolvers<boolean>();
  let timer: Timer | undefined;
  const onAbort = () => reject(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (timeout !== undefined) timer = startTimer(timeout, () => resolve(false));
  void settled.then(() => resolve(true));
  return promise.finally(() => {
    stopTimer(timer);
    signal?.removeEventListener("abort", onAbort);
  });
}

/** Bounds of {@linkcode checkInteger}. */
export interface IntegerBounds {
  /** @default {0} */
  min?: number;
  /** @default {Number.MAX_SAFE_INTEGER} */
  max?: number;
}

/**
 * Validates a count or size: an integer within `bounds`.
 *
 * @param value What the caller passed.
 * @param action What was being done, for the message ("create semaphore").
 * @param name The parameter's name, for the message.
 * @param bounds The smallest and largest value allowed.
 * @returns `value`, as a number.
 * @throws {TypeError} If `value` is not a number.
 * @throws {RangeError} If `value` is not an integer within `bounds`.
 */
export function checkInteger(
  value: unknown,
  action: string,
  name: string,
  bounds: IntegerBounds = {},
): number {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be an integer, got ${describeValue(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`Cannot ${action}: ${name} must be an integer ${range}, got ${value}`);
  }
  return value;
}

/** A short description of a value for an error message: its type, and the value if small. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value.length <= 40 ? `the string ${JSON.stringify(value)}` : "a string";
    case "bigint":
      return `the bigint ${value}n`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "object":
      return value === null ? "null" : Array.isArray(value) ? "an array" : "an object";
    default:
      return String(value);
  }
}

/** A timer from {@linkcode startTimer}. */
export interface Timer {
  /** The current `setTimeout` id; replaced each time a long delay is re-armed. */
  id: ReturnType<typeof setTimeout> | undefined;
  /** Whether it keeps the program alive. */
  readonly ref: boolean;
}

/**
 * Calls `callback` once after `ms` milliseconds, any `ms`: a delay above
 * {@linkcode MAX_TIMER_MS} is re-armed in slices, and `Infinity` never fires (and holds no
 * timer, so it keeps nothing alive).
 *
 * @param ms The delay; `Infinity` for never.
 * @param callback What to run.
 * @param options `ref: false` for a timer that does not keep the program alive.
 * @returns The timer, for {@linkcode stopTimer}.
 */
export function startTimer(
  ms: number,
  callback: () => void,
  options: { ref?: boolean } = {},
): Timer {
  const timer: Timer = { id: undefined, ref: options.ref !== false };
  if (ms === Infinity) return timer;
  const deadline = Date.now() + ms;
  const arm = (delay: number) => {
    timer.id = setTimeout(() => {
      const remaining = deadline - Date.now();
      if (remaining > 0) arm(remaining);
      else callback();
    }, Math.min(Math.max(delay, 0), MAX_TIMER_MS));
    if (!timer.ref) Deno.unrefTimer(timer.id as unknown as number);
  };
  arm(ms);
  return timer;
}

/** Cancels a timer from {@linkcode startTimer}; does nothing for `undefined` or a fired one. */
export function stopTimer(timer: Timer | undefined): void {
  if (timer === undefined) return;
  clearTimeout(timer.id);
  timer.id = undefined;
}

/**
 * Resolves after `ms` milliseconds (never for `Infinity`).
 *
 * @param ms The delay.
 * @param options `ref: false` for a delay that does not keep the program alive.
 * @returns A promise of the delay.
 */
export function delay(ms: number, options: { ref?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => void startTimer(ms, resolve, options));
}
