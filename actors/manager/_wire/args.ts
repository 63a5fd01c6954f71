/**
 * The checks of a request's arguments that both sides apply: a proxy (or the `Manager`) before
 * it sends anything, so a mistake rejects the call at once, and the manager again on arrival,
 * as they come from the network. Plain functions over plain values, so the client side and the
 * server side import them from here rather than from each other.
 *
 * @module
 */
import { checkInteger, checkTimeout, describeValue } from "../../_shm/time.ts";
import type { DictKey } from "./protocol.ts";
import { checkBlocking } from "../../_shm/futex.ts";
import type { WaitOptions as PublicWaitOptions } from "../../wait_options.ts";

function isDictKey(key: unknown): key is DictKey {
  const type = typeof key;
  return type === "string" || type === "number" || type === "bigint" || type === "boolean";
}

/** Checks a dict key, naming the action when it is not a primitive. */
export function checkDictKey(key: unknown, action: string): DictKey {
  if (!isDictKey(key)) {
    throw new TypeError(
      `Cannot ${action}: a key must be a string, number, bigint or boolean, got ${
        describeValue(key)
      }`,
    );
  }
  return key;
}

/**
 * The `[key, value]` pairs of what a dict is created or updated from: pairs (any iterable of
 * them, a Map), or a plain object, as Python's `dict(...)` takes. Checked on the caller's side,
 * so that a mistake rejects the call before anything is sent.
 *
 * @param init What the caller passed.
 * @param action What was being done, for the message ("create managed dict").
 * @param name The parameter's name, for the message.
 * @throws {TypeError} If it is none of those, an entry is not a pair, or a key not a primitive.
 */
export function dictEntries(init: unknown, action: string, name: string): [DictKey, unknown][] {
  const expected = `${name} must be [key, value] pairs, a Map or a plain object`;
  if (typeof init !== "object" || init === null) {
    throw new TypeError(`Cannot ${action}: ${expected}, got ${describeValue(init)}`);
  }
  let entries: unknown[];
  if (Symbol.iterator in init) {
    entries = [...(init as Iterable<unknown>)];
  } else {
    const prototype = Object.getPrototypeOf(init);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new TypeError(
        `Cannot ${action}: ${expected}, got an instance of ${
          prototype?.constructor?.name ?? "object"
        }`,
      );
    }
    entries = Object.entries(init);
  }
  entries.forEach((entry, index) => {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new TypeError(
        `Cannot ${action}: entry ${index} of ${name} must be a [key, value] pair, got ${
          describeValue(entry)
        }`,
      );
    }
    checkDictKey(entry[0], action);
  });
  return entries as [DictKey, unknown][];
}

/**
 * The items of what a list is created or extended from: any iterable, as Python's `list(...)`
 * takes.
 *
 * @throws {TypeError} If it is not iterable.
 */
export function listItems(items: unknown, action: string, name: string): unknown[] {
  if (
    typeof items === "string" ||
    typeof items === "object" && items !== null && Symbol.iterator in items
  ) {
    return [...(items as Iterable<unknown>)];
  }
  throw new TypeError(
    `Cannot ${action}: ${name} must be iterable (an array, a Set, ...), got ${
      describeValue(items)
    }`,
  );
}

/** The most permits a managed semaphore starts with. */
export const MAX_PERMITS = 2 ** 31 - 1;

/**
 * Checks the `maxsize` of a managed queue: an integer >= 0, 0 for no limit.
 *
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is not an integer >= 0.
 */
export function checkMaxsize(maxsize: unknown): number {
  return checkInteger(maxsize, "create managed queue", "maxsize");
}

/**
 * Checks the initial value of a managed semaphore: an integer from 0 to {@linkcode MAX_PERMITS}.
 *
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is not an integer in that range.
 */
export function checkPermits(value: unknown): number {
  return checkInteger(value, "create managed semaphore", "value", { max: MAX_PERMITS });
}

/** The options of a wait, as {@linkcode waitOptions} checked them. */
export interface WaitOptions {
  blocking: boolean;
  /** Milliseconds; undefined for no limit. */
  timeout: number | undefined;
}

/**
 * Checks the `{ blocking, timeout }` options of a wait, by the rule of every timeout of the
 * project (`_shm/time.ts`): `Infinity`, `null` or no timeout waits for ever, and one above
 * 2^31-1 ms neither fires at once nor hangs. Proxies check them before they send the request;
 * the manager checks them again, as they come from the network.
 *
 * @throws {TypeError} If the options are not an object, `blocking` not a boolean, or the timeout
 * not a number.
 * @throws {RangeError} If the timeout is negative or NaN.
 */
export function waitOptions(value: unknown, action: string): WaitOptions {
  if (value === undefined || value === null) return { blocking: true, timeout: undefined };
  if (typeof value !== "object") {
    throw new TypeError(
      `Cannot ${action}: the options must be an object like { timeout: 100 }, got ${
        describeValue(value)
      }`,
    );
  }
  const options = value as PublicWaitOptions;
  if (options.signal !== undefined) {
    // The wait happens in the manager: a signal of this actor cannot withdraw it safely yet.
    throw new TypeError(
      `Cannot ${action}: a manager's waits take no signal (the wait runs in the manager, which ` +
        "an abort here cannot withdraw); give a timeout instead",
    );
  }
  const blocking = checkBlocking(options, action);
  return { blocking: blocking !== false, timeout: checkTimeout(options.timeout, action) };
}
