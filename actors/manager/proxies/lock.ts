import type { ProxyBinding } from "./_base.ts";
import { PermitProxy } from "./_permit.ts";

/**
 * A proxy to a lock that lives in a {@linkcode Manager}, as Python's `manager.Lock()`: the
 * seeds' "multiple processes changing shared data need a lock too". It guards a read-modify-write
 * on managed data across actors, and across machines with a remote manager. If the actor holding
 * it ends without releasing it, the manager releases it: the next acquirer does not deadlock.
 *
 * @example Guard a read-modify-write on a managed dict
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager, Process } from "../../../mod.ts";
 * import { addUnderLock } from "../../../examples/doc_targets.ts";
 *
 * await using manager = new Manager();
 * const shared = await manager.dict<string, number>([["count", 0]]);
 * const lock = await manager.lock();
 * const workers = [1, 2].map(() => new Process({ target: addUnderLock, args: [shared, lock, 50] }));
 * for (const p of workers) await p.start();
 * for (const p of workers) await p.join();
 * assert.equal(await shared.get("count"), 100);
 * ```
 */
export class LockProxy extends PermitProxy {
  /**
   * Binds a proxy; proxies are made by {@linkcode Manager.prototype.lock}, not constructed.
   *
   * @param binding The manager connection and the object.
   */
  constructor(binding: ProxyBinding) {
    super(binding);
  }

  /**
   * Whether some actor holds the lock.
   *
   * @returns True while locked.
   */
  locked(): Promise<boolean> {
    return this.call("locked");
  }
}
