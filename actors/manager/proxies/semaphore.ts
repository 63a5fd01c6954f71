import type { ProxyBinding } from "./_base.ts";
import { PermitProxy } from "./_permit.ts";

/**
 * A proxy to a counting semaphore that lives in a {@linkcode Manager}, as Python's
 * `manager.Semaphore(n)`. Permits held by an actor that ends are given back by the manager.
 *
 * @example Two rooms for three singers
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager } from "../../../mod.ts";
 *
 * await using manager = new Manager();
 * const rooms = await manager.semaphore(2);
 * assert.equal(await rooms.acquire(), true);
 * assert.equal(await rooms.acquire(), true);
 * assert.equal(await rooms.acquire({ blocking: false }), false);
 * await rooms.release();
 * assert.equal(await rooms.getValue(), 1);
 * ```
 */
export class SemaphoreProxy extends PermitProxy {
  /**
   * Binds a proxy; proxies are made by {@linkcode Manager.prototype.semaphore}, not
   * constructed.
   *
   * @param binding The manager connection and the object.
   */
  constructor(binding: ProxyBinding) {
    super(binding);
  }

  /**
   * The number of free permits now, as Python's `get_value()`.
   *
   * @returns The count.
   */
  getValue(): Promise<number> {
    return this.call("getValue");
  }
}
