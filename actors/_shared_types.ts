/**
 * The element types of shared values and arrays, by our names and by Python's typecodes.
 *
 * @module
 */

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
}

const element = (name: string, array: TypedArrayConstructor, integer = true): ElementType => ({
  name,
  array,
  integer,
  bigint: array === BigInt64Array || array === BigUint64Array,
});

const elements: Record<string, ElementType> = {
  i8: element("i8", Int8Array),
  u8: element("u8", Uint8Array),
  i16: element("i16", Int16Array),
  u16: element("u16", Uint16Array),
  i32: element("i32", Int32Array),
  u32: element("u32", Uint32Array),
  i64: element("i64", BigInt64Array),
  u64: element("u64", BigUint64Array),
  f32: element("f32", Float32Array, false),
  f64: element("f64", Float64Array, false),
};

const pythonCodes: Record<string, string> = {
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
};

/** Looks up an element type; throws a TypeError naming the accepted ones. */
export function elementType(type: string, action: string): ElementType {
  const found = elements[pythonCodes[type] ?? type];
  if (found === undefined) {
    throw new TypeError(
      `Cannot ${action}: unknown type ${JSON.stringify(type)}; use one of ` +
        `${Object.keys(elements).join(", ")} or a Python typecode (${
          Object.keys(pythonCodes).join("")
        })`,
    );
  }
  return found;
}

/** The JavaScript type of an element: bigint for 64-bit integers, number otherwise. */
export type ElementValue<T extends string> = T extends "i64" | "u64" | "l" | "L" | "q" | "Q"
  ? bigint
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

/** The view for an atomic update; throws a TypeError naming the type when it is not an integer. */
export function atomicView(
  view: ElementArray,
  integer: boolean,
  description: string,
  action: string,
): Int32Array {
  if (!integer) {
    throw new TypeError(
      `Cannot ${action} atomically on a ${description}: use an integer type, or getLock()`,
    );
  }
  return view as Int32Array;
}

/** The lock a shared value or array was created with; throws if it was created without one. */
export function lockOf<L>(lock: L | null, description: string): L {
  if (lock === null) {
    throw new TypeError(`Cannot get the lock of a ${description} created with \`lock: false\``);
  }
  return lock;
}
