/**
 * The serializer of channel payloads. Small plain values (numbers, strings, booleans, null,
 * undefined, and arrays and plain objects of those, up to {@linkcode MAX_CONTAINERS} containers)
 * take a compact encoding written into a reused scratch buffer and decoded straight from the
 * channel's shared memory, so a put or get of a small item allocates no buffer at all. Anything
 * else (bigint, typed arrays, Date, Map, Set, cycles, shared references, strings that are not
 * well-formed UTF-16, ...) goes through V8's structured-clone serializer, so every payload keeps
 * full structured-clone fidelity. Raw bytes (`sendBytes`) are copied as they are.
 *
 * V8's own serializer is used, not `node:v8`'s `serialize`/`deserialize`: those write a typed
 * array as its own bytes (losing its offset in its buffer, and the buffer two views share), and
 * read one back as a view of the bytes read, which here are the channel's shared memory. V8's
 * serializer writes a view as its buffer (once, however many views share it) with the offset and
 * length, and reads every buffer into fresh memory of the receiver: the one copy a received
 * value needs.
 *
 * A typed array, DataView or ArrayBuffer sent whole (offset 0, its buffer's full length, not
 * shared or resizable) takes a shortcut: the tag says its kind and the payload is its bytes, so
 * it is copied once into the channel and once out, without the serializer's two copies.
 *
 * A record in a channel is `[tag][payload]`; the tag says which decoder reads the payload.
 *
 * @module
 */
import { Deserializer, Serializer } from "node:v8";
import { assertCloneable } from "./clone.ts";
import { CloneError } from "../errors.ts";

/** Record tag: the compact encoding of a small plain value. */
export const COMPACT = 1;
/** Record tag: V8's structured-clone serialization. */
export const CLONED = 2;
/** Record tag: raw bytes from `sendBytes`. */
export const BYTES = 3;
/** Record tags from this one on: a whole view or buffer; the tag minus VIEW indexes VIEW_KINDS. */
const VIEW = 16;

type ViewKind = new (buffer: ArrayBuffer) => ArrayBufferView;
const VIEW_KINDS: readonly (ViewKind | ArrayBufferConstructor)[] = [
  ArrayBuffer,
  DataView,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float16Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];
const viewTags = new Map<object, number>(
  VIEW_KINDS.map((kind, index) => [kind.prototype, VIEW + index]),
);

/** The most arrays and objects a value may hold to take the compact encoding. */
export const MAX_CONTAINERS = 32;
/** The longest array the compact encoding takes (it must check for named properties). */
const MAX_COMPACT_ARRAY = 256;
/**
 * Strings up to this many UTF-16 units are encoded and decoded by hand when they are ASCII. Other
 * strings go through UTF-8 (TextEncoder), which is lossless only for well-formed strings.
 */
const SHORT_STRING = 64;

const UNDEFINED = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const INT32 = 4;
const FLOAT64 = 5;
const STRING = 6;
const ARRAY = 7;
const OBJECT = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The result of {@linkcode encode}: `length` bytes of `bytes` under `tag`. `bytes` is the shared
 * scratch buffer: it is valid until the next `encode`, so a caller that must wait copies it.
 */
export interface Encoded {
  tag: number;
  bytes: Uint8Array;
  length: number;
}

let scratch = new Uint8Array(1024);
let scratchView = new DataView(scratch.buffer);
let position = 0;
/** The containers of the value being encoded: a repeat means a shared reference or a cycle. */
const containers: object[] = [];
const result: Encoded = { tag: COMPACT, bytes: scratch, length: 0 };

/**
 * Encodes `value` into the scratch buffer.
 *
 * @param value The payload.
 * @param action What is being done, for the error message ("put on queue").
 * @returns The encoded record, valid until the next call.
 * @throws {CloneError} If the value cannot cross to another actor.
 */
export function encode(value: unknown, action: string): Encoded {
  position = 0;
  containers.length = 0;
  let compact: boolean;
  try {
    compact = writeCompact(value);
  } catch {
    // A getter that threw: the checked path below reads it again and names it.
    compact = false;
  }
  if (compact) {
    result.tag = COMPACT;
    result.bytes = scratch;
    result.length = position;
    return result;
  }
  if (typeof value === "object" && value !== null && writeWhole(value)) return result;
  assertCloneable(value, "item", action, { bytes: true });
  result.tag = CLONED;
  result.bytes = serializeCloned(value, action);
  result.length = result.bytes.length;
  return result;
}

/**
 * Takes a typed array, DataView or ArrayBuffer that structured clone would copy as exactly its
 * bytes: its own buffer from offset 0 to the end, not shared, resizable or detached.
 */
function writeWhole(value: object): boolean {
  const tag = viewTags.get(Object.getPrototypeOf(value));
  if (tag === undefined) return false;
  const view = value as ArrayBufferView;
  const buffer = tag === VIEW ? value as ArrayBuffer : view.buffer;
  if (
    !(buffer instanceof ArrayBuffer) || buffer.resizable || buffer.detached ||
    (tag !== VIEW && (view.byteOffset !== 0 || view.byteLength !== buffer.byteLength))
  ) {
    return false;
  }
  result.tag = tag;
  result.bytes = new Uint8Array(buffer);
  result.length = buffer.byteLength;
  return true;
}

function serializeCloned(value: unknown, action: string): Uint8Array {
  const serializer = new Serializer();
  serializer.writeHeader();
  try {
    serializer.writeValue(value);
  } catch (error) {
    // What the check above cannot see: a Proxy, a detached buffer, a value nested too deeply.
    throw new CloneError(
      `Cannot ${action}: the item cannot be serialized (${(error as Error).message})`,
      { cause: error },
    );
  }
  return serializer.releaseBuffer();
}

/**
 * Decodes the record at `offset` of shared memory, without copying it first.
 *
 * @param tag The record's tag.
 * @param bytes The shared memory.
 * @param view A DataView of the same memory.
 * @param offset Where the payload starts.
 * @param length The payload's length in bytes.
 * @returns The value; a fresh Uint8Array for raw bytes.
 */
export function decode(
  tag: number,
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  length: number,
): unknown {
  switch (tag) {
    case COMPACT:
      position = offset;
      return readCompact(bytes, view);
    case CLONED: {
      const deserializer = new Deserializer(bytes.subarray(offset, offset + length));
      deserializer.readHeader();
      return deserializer.readValue();
    }
    case BYTES:
      // A copy into a fresh, unshared buffer (faster than constructing from a subarray).
      return bytes.slice(offset, offset + length);
    default: {
      const kind = VIEW_KINDS[tag - VIEW];
      if (kind === undefined) throw new TypeError(`Cannot decode a channel record with tag ${tag}`);
      const buffer = bytes.slice(offset, offset + length).buffer;
      return kind === ArrayBuffer ? buffer : new (kind as ViewKind)(buffer);
    }
  }
}

function reserve(size: number): void {
  if (position + size <= scratch.length) return;
  const grown = new Uint8Array(Math.max(scratch.length * 2, position + size));
  grown.set(scratch.subarray(0, position));
  scratch = grown;
  scratchView = new DataView(grown.buffer);
}

/** Writes `value` compactly; false if it needs the structured-clone serializer. */
function writeCompact(value: unknown): boolean {
  reserve(9);
  switch (typeof value) {
    case "number":
      if ((value | 0) === value && !Object.is(value, -0)) {
        scratch[position] = INT32;
        scratchView.setInt32(position + 1, value, true);
        position += 5;
      } else {
        scratch[position] = FLOAT64;
        scratchView.setFloat64(position + 1, value, true);
        position += 9;
      }
      return true;
    case "string":
      scratch[position++] = STRING;
      return writeString(value);
    case "boolean":
      scratch[position++] = value ? TRUE : FALSE;
      return true;
    case "undefined":
      scratch[position++] = UNDEFINED;
      return true;
    case "object":
      if (value === null) {
        scratch[position++] = NULL;
        return true;
      }
      return writeContainer(value);
    default:
      return false;
  }
}

/** Writes `text` as UTF-8; false if it is not well-formed (a lone surrogate), which UTF-8 loses. */
function writeString(text: string): boolean {
  const start = position;
  position += 4;
  if (text.length <= SHORT_STRING) {
    reserve(text.length);
    let ascii = true;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code >= 0x80) {
        ascii = false;
        break;
      }
      scratch[position + index] = code;
    }
    if (ascii) {
      scratchView.setUint32(start, text.length, true);
      position += text.length;
      return true;
    }
  }
  // V8 answers at once for a one-byte string, which cannot hold a surrogate.
  if (!text.isWellFormed()) return false;
  reserve(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch.subarray(position));
  scratchView.setUint32(start, written, true);
  position += written;
  return true;
}

function writeContainer(value: object): boolean {
  if (containers.length === MAX_CONTAINERS || containers.includes(value)) return false;
  containers.push(value);
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) return writeArray(value as unknown[]);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const keys = Object.keys(value);
  scratch[position] = OBJECT;
  scratchView.setUint32(position + 1, keys.length, true);
  position += 5;
  for (const key of keys) {
    // A "__proto__" key would set the prototype when decoded by assignment.
    if (key === "__proto__") return false;
    reserve(5);
    if (!writeString(key) || !writeCompact((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function writeArray(items: unknown[]): boolean {
  // Holes and named properties survive structured clone; the compact encoding has neither. Index
  // keys come first and in order, so `length` keys ending with the last index are all indices
  // (a hole and a named property would give the right count but end with the name).
  if (items.length > MAX_COMPACT_ARRAY) return false;
  const keys = Object.keys(items);
  if (keys.length !== items.length || (keys.length > 0 && keys.at(-1) !== `${keys.length - 1}`)) {
    return false;
  }
  scratch[position] = ARRAY;
  scratchView.setUint32(position + 1, items.length, true);
  position += 5;
  for (const item of items) if (!writeCompact(item)) return false;
  return true;
}

function readCompact(bytes: Uint8Array, view: DataView): unknown {
  const type = bytes[position++];
  switch (type) {
    case INT32:
      position += 4;
      return view.getInt32(position - 4, true);
    case FLOAT64:
      position += 8;
      return view.getFloat64(position - 8, true);
    case STRING:
      return readString(bytes, view);
    case TRUE:
      return true;
    case FALSE:
      return false;
    case NULL:
      return null;
    case UNDEFINED:
      return undefined;
    case ARRAY: {
      const items = new Array(view.getUint32(position, true));
      position += 4;
      for (let index = 0; index < items.length; index++) items[index] = readCompact(bytes, view);
      return items;
    }
    case OBJECT: {
      const count = view.getUint32(position, true);
      position += 4;
      const object: Record<string, unknown> = {};
      for (let index = 0; index < count; index++) {
        const key = readString(bytes, view);
        object[key] = readCompact(bytes, view);
      }
      return object;
    }
    default:
      throw new TypeError(`Cannot decode a compact value with type ${type}`);
  }
}

function readString(bytes: Uint8Array, view: DataView): string {
  const length = view.getUint32(position, true);
  const start = position + 4;
  position = start + length;
  if (length <= SHORT_STRING) {
    let text = "";
    for (let index = start; index < position; index++) {
      const code = bytes[index];
      if (code >= 0x80) return decoder.decode(bytes.slice(start, position));
      text += String.fromCharCode(code);
    }
    return text;
  }
  return decoder.decode(bytes.slice(start, position));
}
