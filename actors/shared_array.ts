import { describeHandle, type HandleDescription, registerHandleKind } from "./_portable.ts";
import {
  atomicView,
  type ElementArray,
  elementType,
  type ElementValue,
  lockOf,
  type NumericType,
  viewOf,
} from "./_shared_types.ts";
import type { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";

export type { ElementValue };

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
 * are atomic element updates. Use type `"u8"` for shared bytes.
 *
 * @typeParam T The element type, as for `Value`.
 *
 * @example Squares written by a child
 * ```ts
 * import { Process, SharedArray } from "../mod.ts";
 * import { squareAll } from "../examples/doc_targets.ts";
 *
 * const numbers = new SharedArray("i32", [1, 2, 3, 4]);
 * const p = new Process({ target: squareAll, args: [numbers] });
 * await p.start();
 * await p.join();
 * console.assert(numbers.toArray().join() === "1,4,9,16");
 * ```
 */
export class SharedArray<T extends NumericType = NumericType> implements Iterable<ElementValue<T>> {
  readonly #state: SharedArrayState;
  readonly #view: ElementArray;
  readonly #integer: boolean;

  /**
   * Creates a shared array.
   *
   * @param type The element type.
   * @param lengthOrValues The length (zero-filled), or the initial elements.
   * @param options The lock.
   * @throws {TypeError} If the type is unknown.
   * @throws {RangeError} If the length is not an integer >= 0.
   */
  constructor(
    type: T,
    lengthOrValues: number | ArrayLike<ElementValue<T>>,
    options: SharedArrayOptions = {},
  ) {
    const element = elementType(type, "create shared array");
    const revived = revivedArray;
    revivedArray = undefined;
    const length = typeof lengthOrValues === "number" ? lengthOrValues : lengthOrValues.length;
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(
        `Cannot create shared array: length must be an integer >= 0, got ${length}`,
      );
    }
    const { lock = true } = options;
    this.#state = revived ?? {
      buffer: new SharedArrayBuffer(Math.max(1, length) * element.array.BYTES_PER_ELEMENT),
      type: element.name,
      length,
      lock: lock === true ? new RLock() : lock === false ? null : lock,
    };
    this.#view = viewOf(element, this.#state.buffer, this.#state.length);
    this.#integer = element.integer;
    if (revived === undefined && typeof lengthOrValues !== "number") {
      for (let index = 0; index < length; index++) this.set(index, lengthOrValues[index]);
    }
  }

  /** The number of elements. */
  get length(): number {
    return this.#state.length;
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
    return (this.#integer
      ? Atomics.load(this.#view as Int32Array, index)
      : this.#view[index]) as ElementValue<T>;
  }

  /**
   * Writes element `index`.
   *
   * @param index From 0 to `length - 1`.
   * @param value The new element.
   * @throws {RangeError} If `index` is out of range.
   */
  set(index: number, value: ElementValue<T>): void {
    this.#check(index);
    if (this.#integer) Atomics.store(this.#view as Int32Array, index, value as number);
    else this.#view[index] = value as number;
  }

  /**
   * Atomically adds `delta` to element `index`, for integer types.
   *
   * @param index The element.
   * @param delta The amount to add.
   * @returns The element before the addition.
   * @throws {TypeError} For floating-point types.
   */
  add(index: number, delta: ElementValue<T>): ElementValue<T> {
    this.#check(index);
    return Atomics.add(this.#atomicView("add"), index, delta as number) as ElementValue<T>;
  }

  /**
   * Atomically subtracts `delta` from element `index`, for integer types.
   *
   * @param index The element.
   * @param delta The amount to subtract.
   * @returns The element before the subtraction.
   * @throws {TypeError} For floating-point types.
   */
  sub(index: number, delta: ElementValue<T>): ElementValue<T> {
    this.#check(index);
    return Atomics.sub(this.#atomicView("sub"), index, delta as number) as ElementValue<T>;
  }

  /**
   * Atomically replaces element `index` with `replacement` if it equals `expected`.
   *
   * @param index The element.
   * @param expected The value it must have.
   * @param replacement The value to store.
   * @returns The element before, equal to `expected` when the exchange happened.
   * @throws {TypeError} For floating-point types.
   */
  compareExchange(
    index: number,
    expected: ElementValue<T>,
    replacement: ElementValue<T>,
  ): ElementValue<T> {
    this.#check(index);
    return Atomics.compareExchange(
      this.#atomicView("compareExchange"),
      index,
      expected as number,
      replacement as number,
    ) as ElementValue<T>;
  }

  /**
   * The lock guarding multi-element updates, as Python's `get_lock()`.
   *
   * @returns The lock.
   * @throws {TypeError} If the array was created with `lock: false`.
   */
  getLock(): Lock | RLock {
    return lockOf(this.#state.lock, "shared array");
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

  /** Describes the array for another actor: its memory, type, length and lock. */
  [describeHandle](): HandleDescription {
    return { module: import.meta.url, kind: "SharedArray", data: this.#state as unknown };
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(
        `Cannot access index ${index} of a shared array of length ${this.length}`,
      );
    }
  }

  #atomicView(action: string): Int32Array {
    return atomicView(this.#view, this.#integer, `${this.#state.type} array`, action);
  }
}

let revivedArray: SharedArrayState | undefined;

registerHandleKind(import.meta, "SharedArray", (data) => {
  revivedArray = data as SharedArrayState;
  return new SharedArray(revivedArray.type as NumericType, 0);
});
