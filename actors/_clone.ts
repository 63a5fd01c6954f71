import { isPortable } from "./_portable.ts";
import { CloneError } from "./errors.ts";

/**
 * Prototypes whose instances structured clone copies faithfully. Any other non-plain object
 * would arrive as a plain object without its methods or private state, so it is refused.
 */
const faithfulPrototypes: ReadonlySet<object | null> = new Set<object | null>([
  null,
  Object.prototype,
  Array.prototype,
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
  Blob.prototype,
  ...[
    Error,
    EvalError,
    RangeError,
    ReferenceError,
    SyntaxError,
    TypeError,
    URIError,
  ].map((ctor) => ctor.prototype),
  ...[
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
  ].map((ctor) => ctor.prototype),
]);

/**
 * Throws a {@linkcode CloneError} naming the first value under `value` that cannot cross to
 * another actor unchanged, with its path from `label`. Returns normally when everything can.
 */
export function assertCloneable(value: unknown, label: string, action: string): void {
  const problem = findUncloneable(value, label, new Set());
  if (problem !== undefined) {
    throw new CloneError(
      `Cannot ${action}: ${problem}. Only plain data crosses between actors (numbers, strings, ` +
        `bigints, booleans, null, arrays, plain objects, Map, Set, Date, RegExp, Error, ` +
        `ArrayBuffer and typed arrays); pass the data and rebuild objects on the other side.`,
    );
  }
}

function findUncloneable(value: unknown, path: string, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case "function":
      return `${path} is a function${value.name ? ` (${value.name})` : ""}`;
    case "symbol":
      return `${path} is a symbol (${value.description ?? ""})`;
    case "object":
      return value === null ? undefined : findInObject(value, path, seen);
    default:
      return undefined;
  }
}

function findInObject(value: object, path: string, seen: Set<object>): string | undefined {
  if (seen.has(value) || isPortable(value)) return undefined;
  seen.add(value);
  const prototype = Object.getPrototypeOf(value);
  if (!faithfulPrototypes.has(prototype)) {
    if (ArrayBuffer.isView(value)) return undefined;
    const typeName = prototype?.constructor?.name ?? "object";
    return `${path} is an instance of ${typeName}, whose methods and private fields would be lost`;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  if (value instanceof SharedArrayBuffer) return undefined;
  if (value instanceof Map) return findInEntries(value, path, seen);
  if (value instanceof Set) return findInItems([...value], `${path}[set item]`, seen);
  if (Array.isArray(value)) return findInItems(value, path, seen, true);
  for (const key of Object.keys(value)) {
    const found = findUncloneable(
      (value as Record<string, unknown>)[key],
      `${path}.${key}`,
      seen,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

function findInItems(
  items: unknown[],
  path: string,
  seen: Set<object>,
  indexed = false,
): string | undefined {
  for (let index = 0; index < items.length; index++) {
    const found = findUncloneable(items[index], indexed ? `${path}[${index}]` : path, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

function findInEntries(
  map: Map<unknown, unknown>,
  path: string,
  seen: Set<object>,
): string | undefined {
  for (const [key, item] of map) {
    const found = findUncloneable(key, `${path}[map key]`, seen) ??
      findUncloneable(item, `${path}.get(${String(key)})`, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}
