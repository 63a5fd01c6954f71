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

export type { NumericType };

/** The element types of a Value: numeric types, and `"string"` (UTF-8 in a fixed number of bytes). */
export type ValueType = NumericType | "string";

/** The JavaScript type a Value of type `T` holds. */
export type ValueOf<T extends ValueType> = T extends "string" ? string
  : ElementValue<Exclude<T, "string">>;

/** Options of {@linkcode Value}. */
export interface ValueOptions {
  /**
   * The lock `getLock()` returns: a new `RLock` (Python's default), a lock of your own, or
   * false for none (Python's `RawValue`).
   *
   * @default {true}
   */
  lock?: boolean | Lock | RLock;
  /**
   * For `"string"` values: the number of bytes reserved for the UTF-8 text.
   *
   * @default {64}
   */
  size?: number;
}

interface ValueState {
  buffer: SharedArrayBuffer;
  type: string;
  lock: Lock | RLock | null;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A number in shared memory, as Python's `multiprocessing.Value`: every actor it is passed to
 * reads and writes the same memory (the counterpart of the seeds' lesson that a plain variable
 * is not shared). `value` reads and writes are atomic for integer types; a read-modify-write
 * needs the lock, or one of the atomic helpers `add`, `sub`, `compareExchange`.
 *
 * @typeParam T The element type: `"i32"`, `"f64"`, `"u64"`, ... or a Python typecode (`"i"`,
 * `"d"`, ...); 64-bit integer types hold bigints. `"string"` holds UTF-8 text of at most
 * `size` bytes.
 *
 * @example A shared counter
 * ```ts
 * import { Process, Value } from "../mod.ts";
 * import { incrementMany } from "../examples/doc_targets.ts";
 *
 * const counter = new Value("i32", 0);
 * const workers = [1, 2].map(() => new Process({ target: incrementMany, args: [counter, 1000] }));
 * for (const p of workers) p.start();
 * for (const p of workers) await p.join();
 * console.assert(counter.value === 2000);
 * ```
 */
export class Value<T extends ValueType = ValueType> {
  readonly #state: ValueState;
  readonly #view: ElementArray;
  readonly #integer: boolean;
  readonly #text: { length: Int32Array; bytes: Uint8Array } | null;

  /**
   * Creates a shared value.
   *
   * @param type The element type.
   * @param init The initial value.
   * @param options The lock, and the size of a string value.
   * @throws {TypeError} If the type is unknown.
   * @throws {RangeError} If a string does not fit in `size` bytes.
   */
  constructor(type: T, init?: ValueOf<T>, options: ValueOptions = {}) {
    const text = type === "string";
    const element = elementType(text ? "u8" : type, "create value");
    const revived = revivedValue;
    revivedValue = undefined;
    const { lock = true, size = 64 } = options;
    this.#state = revived ?? {
      buffer: new SharedArrayBuffer(
        text ? Int32Array.BYTES_PER_ELEMENT + size : element.array.BYTES_PER_ELEMENT,
      ),
      type: text ? "string" : element.name,
      lock: lock === true ? new RLock() : lock === false ? null : lock,
    };
    this.#view = viewOf(element, this.#state.buffer, 1);
    this.#integer = element.integer && !text;
    this.#text = this.#state.type === "string"
      ? {
        length: new Int32Array(this.#state.buffer, 0, 1),
        bytes: new Uint8Array(this.#state.buffer, Int32Array.BYTES_PER_ELEMENT),
      }
      : null;
    if (revived === undefined && init !== undefined) this.value = init;
  }

  /** The current value. */
  get value(): ValueOf<T> {
    if (this.#text !== null) {
      const length = Atomics.load(this.#text.length, 0);
      return decoder.decode(this.#text.bytes.slice(0, length)) as ValueOf<T>;
    }
    return (this.#integer ? Atomics.load(this.#view as Int32Array, 0) : this.#view[0]) as ValueOf<
      T
    >;
  }

  set value(value: ValueOf<T>) {
    if (this.#text !== null) {
      const bytes = encoder.encode(String(value));
      if (bytes.length > this.#text.bytes.length) {
        throw new RangeError(
          `Cannot store a string of ${bytes.length} bytes in a value of ${this.#text.bytes.length} bytes; create it with a larger \`size\``,
        );
      }
      this.#text.bytes.set(bytes);
      Atomics.store(this.#text.length, 0, bytes.length);
    } else if (this.#integer) {
      Atomics.store(this.#view as Int32Array, 0, value as number);
    } else {
      this.#view[0] = value as number;
    }
  }

  /**
   * The lock guarding read-modify-write sequences, as Python's `get_lock()`.
   *
   * @returns The lock.
   * @throws {TypeError} If the value was created with `lock: false`.
   */
  getLock(): Lock | RLock {
    return lockOf(this.#state.lock, "value");
  }

  /**
   * Atomically adds `delta`, for integer types.
   *
   * @param delta The amount to add.
   * @returns The value before the addition.
   * @throws {TypeError} For floating-point and string types.
   */
  add(delta: ValueOf<T>): ValueOf<T> {
    return Atomics.add(this.#atomicView("add"), 0, delta as number) as ValueOf<T>;
  }

  /**
   * Atomically subtracts `delta`, for integer types.
   *
   * @param delta The amount to subtract.
   * @returns The value before the subtraction.
   * @throws {TypeError} For floating-point and string types.
   */
  sub(delta: ValueOf<T>): ValueOf<T> {
    return Atomics.sub(this.#atomicView("sub"), 0, delta as number) as ValueOf<T>;
  }

  /**
   * Atomically replaces the value with `replacement` if it equals `expected`.
   *
   * @param expected The value it must have.
   * @param replacement The value to store.
   * @returns The value before, equal to `expected` when the exchange happened.
   * @throws {TypeError} For floating-point and string types.
   */
  compareExchange(expected: ValueOf<T>, replacement: ValueOf<T>): ValueOf<T> {
    return Atomics.compareExchange(
      this.#atomicView("compareExchange"),
      0,
      expected as number,
      replacement as number,
    ) as ValueOf<T>;
  }

  /** Describes the value for another actor: its memory, type and lock. */
  [describeHandle](): HandleDescription {
    return { module: import.meta.url, kind: "Value", data: this.#state as unknown };
  }

  #atomicView(action: string): Int32Array {
    return atomicView(this.#view, this.#integer, `${this.#state.type} value`, action);
  }
}

let revivedValue: ValueState | undefined;

registerHandleKind(import.meta, "Value", (data) => {
  revivedValue = data as ValueState;
  return new Value(revivedValue.type as ValueType);
});
