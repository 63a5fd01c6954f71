import { BaseProxy, type ProxyBinding } from "./_base.ts";
import type { UpdateOp } from "../update_op.ts";

/**
 * A proxy to a single value that lives in a {@linkcode Manager}, as Python's
 * `manager.Value(typecode, value)`. It holds any storable value (not only numbers) and offers
 * atomic updates applied inside the manager.
 *
 * @typeParam T The value's type; not checked at run time.
 *
 * @example A counter shared without a lock
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager } from "../../../mod.ts";
 *
 * await using manager = new Manager();
 * const hits = await manager.value(0);
 * await Promise.all([hits.increment(), hits.increment(5)]);
 * assert.equal(await hits.get(), 6);
 * ```
 */
export class ValueProxy<T = unknown> extends BaseProxy {
  /**
   * Binds a proxy; proxies are made by {@linkcode Manager.prototype.value}, not constructed.
   *
   * @param binding The manager connection and the object.
   */
  constructor(binding: ProxyBinding) {
    super(binding);
  }

  /**
   * Reads the value (Python's `v.value`).
   *
   * @returns The value.
   */
  get(): Promise<T> {
    return this.call("get");
  }

  /**
   * Replaces the value (Python's `v.value = x`), without waiting for the manager's answer:
   * every later request of this actor sees it.
   *
   * @param value The new value, copied.
   * @returns Once sent.
   */
  set(value: T): Promise<void> {
    return this.cast("set", [value]);
  }

  /**
   * Applies `op` to the value atomically. See {@linkcode UpdateOp}.
   *
   * @param op The operation.
   * @returns The new value.
   * @throws {TypeError} If the operation does not apply to the value.
   */
  update(op: UpdateOp): Promise<T> {
    return this.call("update", [op]);
  }

  /**
   * Adds `by` to a number atomically.
   *
   * @param by The amount, 1 by default.
   * @returns The new number.
   * @throws {TypeError} If the value is not a number.
   */
  increment(by = 1): Promise<number> {
    return this.call("update", [{ op: "add", value: by }]);
  }

  /**
   * Replaces the value only if it equals `expected` (deep equality), atomically.
   *
   * @param expected The value it must hold.
   * @param value The new value.
   * @returns True if it was replaced.
   */
  compareAndSet(expected: T, value: T): Promise<boolean> {
    return this.call("compareAndSet", [expected, value]);
  }
}
