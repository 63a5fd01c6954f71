import { BaseProxy, type ProxyBinding } from "./_base.ts";
import { checkTimeout } from "../../_shm/time.ts";

/**
 * A proxy to an event that lives in a {@linkcode Manager}, as Python's `manager.Event()`: a
 * flag that wakes every waiter when set.
 *
 * @example Wait for a signal, with a timeout
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager } from "../../../mod.ts";
 *
 * await using manager = new Manager();
 * const ready = await manager.event();
 * assert.equal(await ready.wait(10), false);
 * const waiting = ready.wait();
 * await ready.set();
 * assert.equal(await waiting, true);
 * ```
 */
export class EventProxy extends BaseProxy {
  /**
   * Binds a proxy; proxies are made by {@linkcode Manager.prototype.event}, not constructed.
   *
   * @param binding The manager connection and the object.
   */
  constructor(binding: ProxyBinding) {
    super(binding);
  }

  /**
   * Sets the flag and wakes every waiter.
   *
   * @returns Once set.
   */
  set(): Promise<void> {
    return this.call("set");
  }

  /**
   * Clears the flag: later waits wait again.
   *
   * @returns Once cleared.
   */
  clear(): Promise<void> {
    return this.call("clear");
  }

  /**
   * Whether the flag is set.
   *
   * @returns The flag.
   */
  isSet(): Promise<boolean> {
    return this.call("isSet");
  }

  /**
   * Waits until the flag is set, or until `timeoutMs` passes.
   *
   * @param timeoutMs The longest wait in milliseconds; forever when omitted or `Infinity`.
   * @returns True if the flag was set, false on timeout.
   * @throws {RangeError} If the timeout is negative or NaN (nothing is sent).
   */
  wait(timeoutMs?: number): Promise<boolean> {
    return this.callWith("wait", () => [checkTimeout(timeoutMs, "wait for event")]);
  }
}
