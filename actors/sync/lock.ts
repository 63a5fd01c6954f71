import { type AcquireOptions, PermitPrimitive } from "./_permit.ts";
import { registerSharedKind, type Revival } from "../_kernel/shared_handle.ts";

export type { AcquireOptions };

/**
 * A lock shared by every actor it is passed to, as Python's `multiprocessing.Lock`. Acquiring
 * and releasing an uncontended lock are atomic operations on shared memory: no message. The
 * supervisor knows who holds it: if the holder exits, is terminated or crashes, the lock is
 * released and the next acquirer sees {@linkcode Lock.prototype.ownerDied} true, instead of
 * everyone deadlocking as in Python.
 *
 * A holder that `terminate()` or `kill()` cannot stop (Deno cannot interrupt synchronous code)
 * is reaped after a second all the same, and its halt flag, raised at the call, ends its thread
 * at its next operation on shared state: a `release()` from it never frees the lock the next
 * owner took. The same check guards every write of the synchronization primitives and of
 * `Value` and `SharedArray`. What it cannot guard: an operation already past its check when the
 * flag was raised (its one atomic write lands a few instructions later), and writes that do not
 * go through these methods (`SharedArray.view`, your own typed arrays on shared memory).
 *
 * @example Buy a ticket under the lock (the seeds' ticket race)
 * ```ts
 * import assert from "node:assert/strict";
 * import { Lock, Process } from "../../mod.ts";
 * import { buyTicket } from "../../examples/doc_targets.ts";
 *
 * const lock = new Lock();
 * const buyers = [1, 2, 3].map((i) => new Process({ target: buyTicket, args: [`person${i}`, lock] }));
 * for (const p of buyers) p.start();
 * for (const p of buyers) await p.join();
 * assert.equal(lock.locked(), false);
 * ```
 *
 * @example `using` and `withLock`
 * ```ts
 * import assert from "node:assert/strict";
 * import { Lock } from "../../mod.ts";
 *
 * const lock = new Lock();
 * {
 *   using _ = await lock.lock();
 *   assert.equal(lock.locked(), true);
 * }
 * const value = await lock.withLock(() => 42);
 * assert.equal(value, 42);
 * assert.equal(lock.locked(), false);
 * ```
 */
export class Lock extends PermitPrimitive {
  /** A lock can only be released while locked. */
  static readonly bounded = true;
  /** The noun used in error messages. */
  static readonly noun = "lock";

  /** Creates an unlocked lock. */
  constructor();
  /** @ignore Revives a lock another actor described (see `registerSharedKind`). */
  constructor(revival?: Revival);
  constructor(revival?: Revival) {
    super(1, 1, revival);
  }

  /**
   * Whether some actor holds the lock.
   *
   * @returns True while locked.
   */
  locked(): boolean {
    return this.freePermits() === 0;
  }
}

registerSharedKind(import.meta, "Lock", (revival) => new Lock(revival));
