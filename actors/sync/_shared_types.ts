/**
 * The element types of shared values and arrays, by our names and by Python's typecodes.
 *
 * @module
 */
import { describeValue } from "../_shm/time.ts";

/** A numeric element type: our name, or Python's `array`/`ctypes` typecode. */
export type NumericType =
  | "i8"
  | "u8"
  | "i16"
  | "u16"
  | "i32"
  | "u32"
  | "i64"
  | "u64"
  | "f32"
  | "f64"
  | "b"
  | "B"
  | "h"
  | "H"
  | "i"
  | "I"
  | "l"
  | "L"
  | "q"
  | "Q"
  | "f"
  | "d";

type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** How an element type is stored. */
export interface ElementType {
  readonly name: string;
  readonly array: TypedArrayConstructor;
  /** Integer types support atomic add, sub and compare-exchange. */
  readonly integer: boolean;
  /** 64-bit integer types hold bigints. */
  readonly bigint: boolean;
  /**
   * The smallest and largest values of a 32-bit or smaller integer type (infinite for a
   * floating-point type, NaN for a 64-bit one: no number passes the fast check of those).
   */
  readonly min: number;
  readonly max: number;
  /**
   * The same for 64-bit integer types, as bigints: in fields of their own, so that the number
   * fields above stay numbers (a field holding either makes every check on a hot path slower).
   */
  readonly bigMin: bigint;
  readonly bigMax: bigint;
}

const element = (
  name: string,
  array: TypedArrayConstructor,
  min: number | bigint = -Infinity,
  max: number | bigint = Infinity,
): ElementType => ({
  name,
  array,
  integer: min !== -Infinity,
  bigint: typeof min === "bigint",
  min: typeof min === "number" ? min : NaN,
  max: typeof max === "number" ? max : NaN,
  bigMin: typeof min === "bigint" ? min : 0n,
  bigMax: typeof max === "bigint" ? max : 0n,
});

// Null prototypes: a type named "constructor" or "toString" is unknown, not Object's method.
const elements: Record<string, ElementType> = Object.assign(Object.create(null), {
  i8: element("i8", Int8Array, -(2 ** 7), 2 ** 7 - 1),
  u8: element("u8", Uint8Array, 0, 2 ** 8 - 1),
  i16: element("i16", Int16Array, -(2 ** 15), 2 ** 15 - 1),
  u16: element("u16", Uint16Array, 0, 2 ** 16 - 1),
  i32: element("i32", Int32Array, -(2 ** 31), 2 ** 31 - 1),
  u32: element("u32", Uint32Array, 0, 2 ** 32 - 1),
  i64: element("i64", BigInt64Array, -(2n ** 63n), 2n ** 63n - 1n),
  u64: element("u64", BigUint64Array, 0n, 2n ** 64n - 1n),
  f32: element("f32", Float32Array),
  f64: element("f64", Float64Array),
});

const pythonCodes: Record<string, string> = Object.assign(Object.create(null), {
  b: "i8",
  B: "u8",
  h: "i16",
  H: "u16",
  i: "i32",
  I: "u32",
  l: "i64",
  L: "u64",
  q: "i64",
  Q: "u64",
  f: "f32",
  d: "f64",
});

/** Looks up an element type; throws a TypeError naming the accepted ones. */
export function elementType(type: unknown, action: string): ElementType {
  const found = typeof type === "string" ? elements[pythonCodes[type] ?? type] : undefined;
  if (found === undefined) {
    throw new TypeError(
      `Cannot ${action}: unknown type ${
        typeof type === "string" ? JSON.stringify(type) : describeValue(type)
      }; use one of ` +
        `${Object.keys(elements).join(", ")} or a Python typecode (${
          Object.keys(pythonCodes).join("")
        })`,
    );
  }
  return found;
}

/**
 * Checks that `value` can be stored as an element of `type` without being changed, and returns
 * it as stored: integer types take integers within their range (64-bit ones a bigint, or a
 * number that is a safe integer), floating-point types any number. Python's ctypes would wrap
 * `2**40` to 0 or store `"abc"` as garbage; here both are refused.
 *
 * @param type The element type.
 * @param value What the caller passed.
 * @param action What was being done, for the message ("set value").
 * @param name What `value` is, for the message ("value", "delta").
 * @throws {TypeError} If `value` is not a number (or, for 64-bit types, a bigint).
 * @throws {RangeError} If it is not an integer within the type's range.
 */
export function checkElement(
  type: ElementType,
  value: unknown,
  action: string,
  name: string,
): number | bigint {
  // The common case, small enough to be inlined into every write.
  if (
    typeof value === "number" && value >= type.min && value <= type.max && Number.isInteger(value)
  ) {
    return value;
  }
  return checkElementFully(type, value, action, name);
}

function checkElementFully(
  type: ElementType,
  value: unknown,
  action: string,
  name: string,
): number | bigint {
  if (typeof value === "number" && !type.bigint) {
    if (!type.integer) return value;
    if (value >= type.min && value <= type.max && Number.isInteger(value)) return value;
  } else if (type.bigint) {
    const big = typeof value === "bigint"
      ? value
      : typeof value === "number" && Number.isSafeInteger(value)
      ? BigInt(value)
      : undefined;
    if (big !== undefined && big >= type.bigMin && big <= type.bigMax) return big;
  }
  if (typeof value !== "number" && !(type.bigint && typeof value === "bigint")) {
    const wanted = type.bigint ? "a bigint (or a number that is a safe integer)" : "a number";
    throw new TypeError(
      `Cannot ${action}: ${name} must be ${wanted} for type ${type.name}, got ` +
        describeValue(value),
    );
  }
  const unsafe = type.bigint && Number.isInteger(value) && !Number.isSafeInteger(value);
  throw new RangeError(
    `Cannot ${action}: ${name} must be an integer from ${type.bigint ? type.bigMin : type.min} to ${
      type.bigint ? type.bigMax : type.max
    } for type ` +
      `${type.name}, got ${describeValue(value)}` +
      (unsafe ? " (a number beyond Number.MAX_SAFE_INTEGER is not exact: pass a bigint)" : ""),
  );
}

/** The JavaScript type of an element: bigint for 64-bit integers, number otherwise. */
export type ElementValue<T extends string> = T extends "i64" | "u64" | "l" | "L" | "q" | "Q"
  ? bigint
  : number;

/**
 * What an element of type `T` accepts: a 64-bit integer type takes a bigint, or a number that is
 * a safe integer; the others a number.
 */
export type ElementInput<T extends string> = ElementValue<T> extends bigint ? bigint | number
  : number;

/**
 * Any typed array an element type can be viewed as.
 *
 * @ignore Internal: not part of the public API.
 */
export type ElementArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** Views `buffer` as `length` elements of `type`. */
export function viewOf(
  type: ElementType,
  buffer: SharedArrayBuffer,
  length?: number,
): ElementArray {
  const construct = type.array as unknown as new (
    buffer: SharedArrayBuffer,
    offset: number,
    length?: number,
  ) => ElementArray;
  return new construct(buffer, 0, length);
}

/** The lock a shared value or array was created with; throws if it was created without one. */
export function lockOf<L>(lock: L | null, description: string): L {
  if (lock === null) {
    throw new TypeError(`Cannot get the lock of a ${description} created with \`lock: false\``);
  }
  return lock;
}

/**
 * Checks the `lock` option of a shared value or array: `true` (a new lock, made by `create`),
 * `false` (none), or a lock-like object of the caller's.
 *
 * @throws {TypeError} For anything else.
 */
export function lockOption<L>(
  lock: unknown,
  isLock: (value: unknown) => value is L,
  create: () => L,
  action: string,
): L | null {
  if (lock === true) return create();
  if (lock === false) return null;
  if (isLock(lock)) return lock;
  throw new TypeError(
    `Cannot ${action}: lock must be true (a new RLock), false (none) or a Lock or RLock, got ` +
      describeValue(lock),
  );
}
