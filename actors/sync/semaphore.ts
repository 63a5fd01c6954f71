import { checkOptions } from "../_shm/futex.ts";
import { type AcquireOptions, MAX_PERMITS, PermitPrimitive } from "./_permit.ts";
import { registerSharedKind, type Revival } from "../_kernel/shared_handle.ts";
import { checkInteger } from "../_shm/time.ts";

export type { AcquireOptions };

/** Options of {@linkcode Semaphore}. */
export interface SemaphoreOptions {
  /**
   * The largest value the semaphore can reach through releases beyond its initial value, at
   * most 65,536 (each permit is a word of shared memory, so that the supervisor can give back
   * exactly the permits a dead actor held).
   *
   * @default {the larger of the initial value and 64}
   */
  capacity?: number;
}

/**
 * A counting semaphore shared between actors, as Python's `multiprocessing.Semaphore`: a
 * counter of permits, taken by `acquire()` and given back by `release()`. A permit taken by an
 * actor that ends before releasing it is given back by the supervisor.
 *
 * @example Two karaoke rooms for five people (the seeds' KTV)
 * ```ts
 * import assert from "node:assert/strict";
 * import { Process, Semaphore } from "../../mod.ts";
 * import { sing } from "../../examples/doc_targets.ts";
 *
 * const rooms = new Semaphore(2);
 * const people = [1, 2, 3].map((i) => new Process({ target: sing, args: [`person${i}`, rooms] }));
 * for (const p of people) p.start();
 * for (const p of people) await p.join();
 * assert.equal(rooms.getValue(), 2);
 * ```
 */
export class Semaphore extends PermitPrimitive {
  /** A semaphore may be released above its initial value, up to its capacity. */
  static readonly bounded: boolean = false;
  /** The noun used in error messages. */
  static readonly noun: string = "semaphore";

  /**
   * Creates a semaphore with `value` free permits.
   *
   * @param value The initial number of permits, from 0 to 65,536.
   * @param options The capacity.
   * @throws {TypeError} If `value` or `capacity` is not a number, or `options` not an object.
   * @throws {RangeError} If `value` is not an integer from 0 to 65,536, or `capacity` not an
   * integer from `value` to 65,536.
   */
  constructor(value?: number, options?: SemaphoreOptions);
  /** @ignore Revives a semaphore another actor described (see `registerSharedKind`). */
  constructor(value?: number, options?: SemaphoreOptions, revival?: Revival);
  constructor(value = 1, options: SemaphoreOptions = {}, revival?: Revival) {
    const action = `create ${new.target.noun}`;
    checkInteger(value, action, "value", { max: MAX_PERMITS });
    checkOptions(options, action);
    const capacity = options.capacity === undefined
      ? Math.max(value, 64)
      : checkInteger(options.capacity, action, "capacity", { max: MAX_PERMITS });
    if (capacity < value) {
      throw new RangeError(
        `Cannot ${action}: capacity must be at least the initial value ${value}, got ${capacity}`,
      );
    }
    super(value, capacity, revival);
  }

  /**
   * The number of free permits, as Python's `get_value()`.
   *
   * @returns How many acquires would succeed now.
   */
  getValue(): number {
    return this.freePermits();
  }
}

registerSharedKind(
  import.meta,
  "Semaphore",
  (revival) => new Semaphore(undefined, undefined, revival),
);
