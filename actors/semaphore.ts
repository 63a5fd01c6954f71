import { type AcquireOptions, PermitPrimitive } from "./_permit_primitive.ts";
import { registerSharedKind } from "./_shared_handle.ts";

export type { AcquireOptions };

/** Options of {@linkcode Semaphore}. */
export interface SemaphoreOptions {
  /**
   * The largest value the semaphore can reach through releases beyond its initial value.
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
 * import { Process, Semaphore } from "../mod.ts";
 * import { sing } from "../examples/doc_targets.ts";
 *
 * const rooms = new Semaphore(2);
 * const people = [1, 2, 3].map((i) => new Process({ target: sing, args: [`person${i}`, rooms] }));
 * for (const p of people) p.start();
 * for (const p of people) await p.join();
 * console.assert(rooms.getValue() === 2);
 * ```
 */
export class Semaphore extends PermitPrimitive {
  /** The module that revives semaphores in other actors. */
  static readonly handleModule: string = import.meta.url;
  /** A semaphore may be released above its initial value, up to its capacity. */
  static readonly bounded: boolean = false;
  /** The noun used in error messages. */
  static readonly noun: string = "semaphore";

  /**
   * Creates a semaphore with `value` free permits.
   *
   * @param value The initial number of permits.
   * @param options The capacity.
   * @throws {RangeError} If `value` or `capacity` is not an integer >= 0, or capacity < value.
   */
  constructor(value = 1, options: SemaphoreOptions = {}) {
    const capacity = options.capacity ?? Math.max(value, 64);
    if (!Number.isInteger(value) || value < 0 || !Number.isInteger(capacity) || capacity < value) {
      throw new RangeError(
        `Cannot create semaphore: value must be an integer >= 0 and capacity an integer >= ` +
          `value, got value ${value} and capacity ${capacity}`,
      );
    }
    super(value, capacity);
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

registerSharedKind(import.meta, "Semaphore", () => new Semaphore());
