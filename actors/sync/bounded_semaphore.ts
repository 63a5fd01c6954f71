import { registerSharedKind, type Revival } from "../_kernel/shared_handle.ts";
import { Semaphore } from "./semaphore.ts";

/**
 * A semaphore that refuses to be released above its initial value, as Python's
 * `multiprocessing.BoundedSemaphore`: a release without a matching acquire is a bug, reported
 * with a `ReleaseError` instead of silently adding a permit.
 *
 * @example Releasing too often is an error
 * ```ts
 * import assert from "node:assert/strict";
 * import { BoundedSemaphore, ReleaseError } from "../../mod.ts";
 *
 * const slots = new BoundedSemaphore(2);
 * await slots.acquire();
 * slots.release();
 * assert.throws(() => slots.release(), ReleaseError);
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /** Releasing above the initial value is an error. */
  static override readonly bounded: boolean = true;
  /** The noun used in error messages. */
  static override readonly noun: string = "bounded semaphore";

  /**
   * Creates a bounded semaphore with `value` permits, which is also its bound.
   *
   * @param value The initial and largest number of permits, from 0 to 65,536.
   * @throws {TypeError} If `value` is not a number.
   * @throws {RangeError} If `value` is not an integer from 0 to 65,536.
   */
  constructor(value?: number);
  /** @ignore Revives a bounded semaphore another actor described (see `registerSharedKind`). */
  constructor(value?: number, revival?: Revival);
  constructor(value = 1, revival?: Revival) {
    super(value, { capacity: value }, revival);
  }
}

registerSharedKind(
  import.meta,
  "BoundedSemaphore",
  (revival) => new BoundedSemaphore(undefined, revival),
);
