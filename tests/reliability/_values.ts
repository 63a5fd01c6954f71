/**
 * Values that stress a codec, and the oracle they are checked against: what crosses an actor
 * boundary must equal `structuredClone` of what was sent, shape included (shared references,
 * cycles, holes, named array properties, typed array offsets), and a received typed array must
 * be the receiver's own memory, never a view of a channel.
 */
import type { Random } from "./_random.ts";

/** Strings a hand-written codec gets wrong: lone surrogates, astral characters, NULs, empty. */
export const TRICKY_STRINGS: readonly string[] = [
  "",
  "a",
  "ascii only",
  "\u0000nul\u0000",
  "\ud800",
  "\udbff",
  "\udc00",
  "a\ud800b",
  "\ud83d\ude00 emoji",
  "\ufffd",
  "é à ü ñ",
  "日本語のテキスト",
  "x".repeat(65),
  "é".repeat(200),
  "\ud800".repeat(3) + "tail",
  "__proto__",
  "constructor",
];

const NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  2 ** 53,
  0.5,
  -1.25e-300,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  NaN,
  Infinity,
  -Infinity,
];

const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

/** Options of {@linkcode randomValue}. */
export interface ValueOptions {
  /** How deep containers nest. @default {3} */
  depth?: number;
  /** Allow shared references and cycles. @default {true} */
  sharing?: boolean;
}

/** A random structured-cloneable value. */
export function randomValue(random: Random, options: ValueOptions = {}): unknown {
  const { depth = 3, sharing = true } = options;
  const made: object[] = [];
  const value = (level: number): unknown => {
    if (sharing && made.length > 0 && random.chance(0.08)) return random.pick(made);
    const roll = random.int(0, level <= 0 ? 9 : 19);
    switch (roll) {
      case 0:
        return random.pick(NUMBERS);
      case 1:
        return random.int(-1000, 1000);
      case 2:
        return random.next() * 1e6 - 5e5;
      case 3:
        return random.pick(TRICKY_STRINGS);
      case 4:
        return randomString(random);
      case 5:
        return random.pick([true, false, null, undefined]);
      case 6:
        return BigInt(random.int(-1e9, 1e9)) * 10n ** BigInt(random.int(0, 30));
      case 7:
        return typedArray(random);
      case 8:
        return random.pick([
          new Date(random.int(0, 2e12)),
          new Date(NaN),
          /a+b/gi,
          new ArrayBuffer(random.int(0, 24)),
        ]);
      case 9:
        return random.pick([
          new Error("boom"),
          new TypeError("bad type"),
          Object(random.int(0, 9)),
          Object("boxed"),
          Object(true),
        ]);
      case 10:
      case 11:
      case 12: {
        const array: unknown[] = [];
        made.push(array);
        const length = random.int(0, 6);
        for (let i = 0; i < length; i++) array.push(value(level - 1));
        if (random.chance(0.15)) delete array[random.int(0, Math.max(0, length - 1))];
        if (random.chance(0.15)) (array as unknown as Record<string, unknown>).tag = value(0);
        if (random.chance(0.05)) array.length += 2;
        return array;
      }
      case 13:
      case 14:
      case 15: {
        const object: Record<string, unknown> = random.chance(0.1) ? Object.create(null) : {};
        made.push(object);
        const keys = random.int(0, 5);
        for (let i = 0; i < keys; i++) {
          const key = random.chance(0.7)
            ? `k${random.int(0, 20)}`
            : random.pick([...TRICKY_STRINGS, "0", "10", "-1"]);
          if (key === "__proto__") continue;
          object[key] = value(level - 1);
        }
        return object;
      }
      case 16: {
        const map = new Map<unknown, unknown>();
        made.push(map);
        const entries = random.int(0, 4);
        for (let i = 0; i < entries; i++) map.set(value(level - 1), value(level - 1));
        return map;
      }
      case 17: {
        const set = new Set<unknown>();
        made.push(set);
        const items = random.int(0, 4);
        for (let i = 0; i < items; i++) set.add(value(level - 1));
        return set;
      }
      case 18: {
        if (!sharing) return value(level - 1);
        // A cycle: an object holding itself, or an array holding its container.
        const object: Record<string, unknown> = { name: "cyclic" };
        made.push(object);
        object.self = random.chance(0.5) ? object : [object, value(level - 1)];
        return object;
      }
      default: {
        // Two views over one buffer, at offsets.
        const buffer = new ArrayBuffer(32);
        new Uint8Array(buffer).forEach((_, i, bytes) => bytes[i] = random.int(0, 255));
        const pair = [new Uint8Array(buffer, 4, 8), new Int32Array(buffer, 16, 2)];
        return sharing ? pair : pair[random.int(0, 1)];
      }
    }
  };
  return value(depth);
}

function randomString(random: Random): string {
  const length = random.int(0, 80);
  let text = "";
  for (let i = 0; i < length; i++) {
    const kind = random.int(0, 9);
    if (kind < 6) text += String.fromCharCode(random.int(0x20, 0x7e));
    else if (kind < 8) text += String.fromCharCode(random.int(0x80, 0xd7ff));
    else if (kind === 8) text += String.fromCharCode(random.int(0xd800, 0xdfff)); // lone half
    else text += String.fromCodePoint(random.int(0x10000, 0x10ffff));
  }
  return text;
}

function typedArray(random: Random): ArrayBufferView {
  const Kind = random.pick(TYPED_ARRAYS);
  const length = random.int(0, 9);
  const offset = random.int(0, 2) * 8;
  const buffer = new ArrayBuffer(offset + length * Kind.BYTES_PER_ELEMENT + 8);
  const view = new Kind(buffer, offset, length);
  for (let i = 0; i < length; i++) {
    if (view instanceof BigInt64Array || view instanceof BigUint64Array) {
      view[i] = BigInt(random.int(0, 1e9));
    } else {
      view[i] = random.int(-300, 300);
    }
  }
  if (random.chance(0.2)) return new DataView(buffer, offset, length);
  return view;
}

/**
 * Checks that `actual`, received from another actor, equals `expected` as structured clone
 * copies it (pass `structuredClone(original)`), with the same sharing of references. Returns a
 * description of the first difference, or undefined when they match.
 */
export function cloneDifference(expected: unknown, actual: unknown): string | undefined {
  const pairs = new Map<object, object>();
  const compare = (a: unknown, b: unknown, path: string): string | undefined => {
    if (typeof a !== "object" || a === null) {
      if (typeof a !== typeof b) return `${path}: expected ${typeof a}, got ${typeof b}`;
      return Object.is(a, b) ? undefined : `${path}: expected ${show(a)}, got ${show(b)}`;
    }
    if (typeof b !== "object" || b === null) return `${path}: expected an object, got ${show(b)}`;
    const seen = pairs.get(a);
    if (seen !== undefined) {
      return seen === b ? undefined : `${path}: a shared reference or cycle was not kept`;
    }
    pairs.set(a, b);
    const tagA = Object.prototype.toString.call(a);
    const tagB = Object.prototype.toString.call(b);
    if (tagA !== tagB) return `${path}: expected ${tagA}, got ${tagB}`;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
      return `${path}: the prototype differs (${tagA})`;
    }
    if (ArrayBuffer.isView(a)) {
      const viewB = b as ArrayBufferView;
      if (viewB.buffer instanceof SharedArrayBuffer && !(a.buffer instanceof SharedArrayBuffer)) {
        return `${path}: the received view aliases shared memory`;
      }
      if (a.byteOffset !== viewB.byteOffset || a.byteLength !== viewB.byteLength) {
        return `${path}: the view's offset or length differs`;
      }
      return compare(a.buffer, viewB.buffer, `${path}.buffer`);
    }
    if (a instanceof ArrayBuffer) {
      const bytesA = new Uint8Array(a);
      const bytesB = new Uint8Array(b as ArrayBuffer);
      if (bytesA.length !== bytesB.length) return `${path}: the buffer's length differs`;
      for (let i = 0; i < bytesA.length; i++) {
        if (bytesA[i] !== bytesB[i]) return `${path}: byte ${i} differs`;
      }
      return undefined;
    }
    if (a instanceof Date) {
      return Object.is(a.getTime(), (b as Date).getTime()) ? undefined : `${path}: date differs`;
    }
    if (a instanceof RegExp) {
      return String(a) === String(b) ? undefined : `${path}: regexp differs`;
    }
    if (a instanceof Error) {
      const errorB = b as Error;
      if (a.name !== errorB.name || a.message !== errorB.message) {
        return `${path}: error differs (${a.name}: ${a.message} vs ${errorB.name}: ${errorB.message})`;
      }
      return undefined;
    }
    if (a instanceof Map) {
      const mapB = b as Map<unknown, unknown>;
      if (a.size !== mapB.size) return `${path}: map size ${a.size} vs ${mapB.size}`;
      const entriesB = [...mapB];
      let index = 0;
      for (const [key, item] of a) {
        const [keyB, itemB] = entriesB[index];
        const found = compare(key, keyB, `${path}[map key ${index}]`) ??
          compare(item, itemB, `${path}[map value ${index}]`);
        if (found !== undefined) return found;
        index++;
      }
      return undefined;
    }
    if (a instanceof Set) {
      const itemsB = [...(b as Set<unknown>)];
      if (a.size !== itemsB.length) return `${path}: set size ${a.size} vs ${itemsB.length}`;
      let index = 0;
      for (const item of a) {
        const found = compare(item, itemsB[index], `${path}[set item ${index}]`);
        if (found !== undefined) return found;
        index++;
      }
      return undefined;
    }
    if (tagA !== "[object Object]" && tagA !== "[object Array]") {
      // Boxed primitives.
      return Object.is(
          (a as { valueOf(): unknown }).valueOf(),
          (b as { valueOf(): unknown }).valueOf(),
        )
        ? undefined
        : `${path}: boxed value differs`;
    }
    if (Array.isArray(a) && a.length !== (b as unknown[]).length) {
      return `${path}: array length ${a.length} vs ${(b as unknown[]).length}`;
    }
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    if (keysA.join("\u0001") !== keysB.join("\u0001")) {
      return `${path}: keys [${keysA.map(show)}] vs [${keysB.map(show)}]`;
    }
    for (const key of keysA) {
      const found = compare(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return compare(expected, actual, "value");
}

function show(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 30 ? value.slice(0, 30) + "…" : value);
  }
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" && Object.is(value, -0)) return "-0";
  return String(value);
}
