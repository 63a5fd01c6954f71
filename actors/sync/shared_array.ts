import { checkOptions } from "../_shm/futex.ts";
import { repairHandle } from "../_kernel/handles.ts";
import { runtime } from "../_kernel/runtime.ts";
import { registerSharedKind, type Revival, SharedHandle } from "../_kernel/shared_handle.ts";
import {
  checkElement,
  type ElementArray,
  type ElementInput,
  type ElementType,
  elementType,
  type ElementValue,
  lockOf,
  lockOption,
  type NumericType,
  viewOf,
} from "./_shared_types.ts";
import { checkInteger, describeValue } from "../_shm/time.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";

export type { ElementInput, ElementValue };

/** Options of {@linkcode SharedArray}. */
export interface SharedArrayOptions {
  /**
   * The lock `getLock()` returns: a new `RLock` (Python's default), a lock of your own, or
   * false for none (Python's `RawArray`).
   *
   * @default {true}
   */
  lock?: boolean | Lock | RLock;
}

/** The most bytes a shared array may take: 1 GiB. */
const MAX_ARRAY_BYTES = 2 ** 30;

/** @ignore Internal: not part of the public API. */
interface SharedArrayState {
  buffer: SharedArrayBuffer;
  type: string;
  length: number;
  lock: Lock | RLock | null;
}

/**
 * A fixed-length array in shared memory, as Python's `multiprocessing.Array`: every actor it is
 * passed to sees the same elements. `get`/`set` are atomic for integer types, `view` is the raw
 * typed array for bulk work (take `getLock()` around it), and `add`, `sub`, `compareExchange`
 * are atomic element updates. Use type `"u8"` for shared bytes. Elements are checked as a
 * `Value`'s are: one the type cannot hold is refused, not wrapped.
 *
 * An actor that was terminated or killed while stuck in synchronous code halts at its next
 * `set`, `add`, `sub` or `compareExchange`; writes through `view` are not checked, so a reaped
 * actor stuck in a loop that writes `view` keeps writing until it calls a checked method.
 *
 * @typeParam T The element type, as for `Value`.
 *
 * @example Squares written by a child
 * ```ts
 * import assert from "node:assert/strict";
 * import { Process, SharedArray } from "../../mod.ts";
 * import { squareAll } from "../../examples/doc_targets.ts";
 *
 * const numbers = new SharedArray("i32", [1, 2, 3, 4]);
 * const p = new Process({ target: squareAll, args: [numbers] });
 * await p.start();
 * await p.join();
 * assert.deepEqual(numbers.toArray(), [1, 4, 9, 16]);
 * ```
 */
export class SharedArray<T extends NumericType = NumericType> extends SharedHandle<SharedArrayState>
  implements Iterable<ElementValue<T>> {
  readonly #view: ElementArray;
  readonly #element: ElementType;

  /**
   * Creates a shared array.
   *
   * @param type The element type.
   * @param lengthOrValues The length (zero-filled), or the initial elements.
   * @param options The lock.
   * @throws {TypeError} If the type is unknown, `lengthOrValues` is neither a number nor an
   * array-like, an element is not of the type's kind, or an option is of the wrong kind.
   * @throws {RangeError} If the length is not an integer from 0 to the 1 GiB the array may take,
   * or an element is out of the type's range.
   */
  constructor(
    type: T,
    lengthOrValues: number | ArrayLike<ElementInput<T>>,
    options?: SharedArrayOptions,
  );
  /** @ignore Revives an array another actor described (see `registerSharedKind`). */
  constructor(
    type: T,
    lengthOrValues: number | ArrayLike<ElementInput<T>>,
    options?: SharedArrayOptions,
    revival?: Revival,
  );
  constructor(
    type: T,
    lengthOrValues: number | ArrayLike<ElementInput<T>>,
    options: SharedArrayOptions = {},
    revival?: Revival,
  ) {
    const action = "create shared array";
    const element = elementType(type, action);
    const max = { max: MAX_ARRAY_BYTES / element.array.BYTES_PER_ELEMENT };
    let initial: (number | bigint)[] | null = null;
    let length: number;
    if (typeof lengthOrValues === "number") {
      length = checkInteger(lengthOrValues, action, "length", max);
    } else if (
      typeof lengthOrValues === "object" && lengthOrValues !== null &&
      typeof lengthOrValues.length === "number"
    ) {
      length = checkInteger(lengthOrValues.length, action, "the length of the values", max);
      initial = Array.from(
        { length },
        (_, index) => checkElement(element, lengthOrValues[index], action, `element ${index}`),
      );
    } else {
      throw new TypeError(
        `Cannot ${action}: expected a length or an array of elements, got ` +
          describeValue(lengthOrValues),
      );
    }
    checkOptions(options, action);
    const lock = options.lock === undefined ? true : options.lock;
    super(
      "SharedArray",
      () => ({
        buffer: new SharedArrayBuffer(Math.max(1, length) * element.array.BYTES_PER_ELEMENT),
        type: element.name,
        length,
        lock: lockOption(lock, isLock, () => new RLock(), action),
      }),
      revival,
      // No actor can leave anything of an array held (its lock repairs itself).
      false,
    );
    this.#element = element;
    this.#view = viewOf(element, this.state.buffer, this.state.length);
    // Only a new array has initial elements: a reviver passes a length.
    if (initial !== null) {
      for (let index = 0; index < length; index++) this.#store(index, initial[index]);
    }
  }

  /** The number of elements. */
  get length(): number {
    return this.state.length;
  }

  /** The shared memory as a typed array: fastest for bulk work, not atomic. */
  get view(): ElementArray {
    return this.#view;
  }

  /**
   * Reads element `index`.
   *
   * @param index From 0 to `length - 1`.
   * @returns The element.
   * @throws {RangeError} If `index` is out of range.
   */
  get(index: number): ElementValue<T> {
    this.#check(index);
    return (this.#element.integer
      ? Atomics.load(this.#view as Int32Array, index)
      : this.#view[index]) as ElementValue<T>;
  }

  /**
   * Writes element `index`.
   *
   * @param index From 0 to `length - 1`.
   * @param value The new element.
   * @throws {RangeError} If `index` is out of range, or `value` out of the type's range.
   * @throws {TypeError} If `value` is not of the type's kind.
   */
  set(index: number, value: ElementInput<T>): void {
    runtime.haltIfReaped();
    this.#check(index);
    this.#store(index, checkElement(this.#element, value, "set shared array element", "value"));
  }

  /**
   * Atomically adds `delta` to element `index`, for integer types.
   *
   * @param index The element.
   * @param delta The amount to add.
   * @returns The element before the addition.
   * @throws {TypeError} For floating-point types, or a `delta` that is not a number.
   * @throws {RangeError} If `index` or `delta` is out of range.
   */
  add(index: number, delta: ElementInput<T>): ElementValue<T> {
    runtime.haltIfReaped();
    this.#check(index);
    const view = this.#atomicView("add to");
    return Atomics.add(view, index, this.#checked(delta, "add to", "delta")) as ElementValue<T>;
  }

  /**
   * Atomically subtracts `delta` from element `index`, for integer types.
   *
   * @param index The element.
   * @param delta The amount to subtract.
   * @returns The element before the subtraction.
   * @throws {TypeError} For floating-point types, or a `delta` that is not a number.
   * @throws {RangeError} If `index` or `delta` is out of range.
   */
  sub(index: number, delta: ElementInput<T>): ElementValue<T> {
    runtime.haltIfReaped();
    this.#check(index);
    const view = this.#atomicView("subtract from");
    return Atomics.sub(view, index, this.#checked(delta, "subtract from", "delta")) as ElementValue<
      T
    >;
  }

  /**
   * Atomically replaces element `index` with `replacement` if it equals `expected`.
   *
   * @param index The element.
   * @param expected The value it must have.
   * @param replacement The value to store.
   * @returns The element before, equal to `expected` when the exchange happened.
   * @throws {TypeError} For floating-point types, or arguments that are not numbers.
   * @throws {RangeError} If `index` or an argument is out of range.
   */
  compareExchange(
    index: number,
    expected: ElementInput<T>,
    replacement: ElementInput<T>,
  ): ElementValue<T> {
    runtime.haltIfReaped();
    this.#check(index);
    const view = this.#atomicView("compare-exchange");
    return Atomics.compareExchange(
      view,
      index,
      this.#checked(expected, "compare-exchange", "expected"),
      this.#checked(replacement, "compare-exchange", "replacement"),
    ) as ElementValue<T>;
  }

  /**
   * The lock guarding multi-element updates, as Python's `get_lock()`.
   *
   * @returns The lock.
   * @throws {TypeError} If the array was created with `lock: false`.
   */
  getLock(): Lock | RLock {
    return lockOf(this.state.lock, "shared array");
  }

  /**
   * A copy of the elements as a plain array.
   *
   * @returns The elements.
   */
  toArray(): ElementValue<T>[] {
    return Array.from(this);
  }

  /** Iterates over the elements. */
  *[Symbol.iterator](): Iterator<ElementValue<T>> {
    for (let index = 0; index < this.length; index++) yield this.get(index);
  }

  /** Nothing to repair: an array is never held (see the constructor). */
  [repairHandle](): void {}

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(
        `Cannot access index ${describeValue(index)} of a shared array of length ${this.length}`,
      );
    }
  }

  #checked(value: unknown, action: string, name: string): number {
    return checkElement(this.#element, value, `${action} shared array element`, name) as number;
  }

  #store(index: number, value: number | bigint): void {
    if (this.#element.integer) Atomics.store(this.#view as Int32Array, index, value as number);
    else this.#view[index] = value as number;
  }

  #atomicView(action: string): Int32Array {
    if (!this.#element.integer) {
      throw new TypeError(
        `Cannot ${action} an element of a ${this.state.type} array atomically: use an integer ` +
          "type, or getLock()",
      );
    }
    return this.#view as Int32Array;
  }
}

function isLock(value: unknown): value is Lock | RLock {
  return value instanceof Lock || value instanceof RLock;
}

registerSharedKind(
  import.meta,
  "SharedArray",
  (revival) =>
    new SharedArray((revival.state as SharedArrayState).type as NumericType, 0, undefined, revival),
);
