/**
 * The one value codec: every value that crosses as bytes (channel items and pipe messages,
 * manager arguments and results, a pool's runs of numbers) is a record `[tag][payload]` written
 * by {@linkcode encode} and read by {@linkcode decode}, in one byte order (little-endian, the
 * order of every machine Deno runs on, so typed arrays copy as they are).
 *
 * Small plain values (numbers, strings, booleans, null, undefined, and arrays and plain objects
 * of those, up to {@linkcode MAX_CONTAINERS} containers) take a compact encoding written into a
 * reused scratch buffer and decoded straight from the channel's shared memory, so a put or get
 * of a small item allocates no buffer at all; an array of at least {@linkcode NUMBERS_MIN}
 * numbers is written as their float64s end to end, the numeric-array form a pool's map chunks
 * take. Anything else (bigint, typed arrays, Date, Map, Set, cycles, shared references, strings
 * that are not well-formed UTF-16, ...) goes through V8's structured-clone serializer, so every
 * payload keeps full structured-clone fidelity. The choice is made per value (a queue item, each
 * argument of a manager call), never per part of one: a part serialized apart would lose the
 * references it shares with the rest. Raw bytes (`sendBytes`) are copied as they are.
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
/** `[u32 count][padding to 8 bytes from the payload's start][float64 x count]`. */
const NUMBERS = 9;

/** The shortest array written as {@linkcode NUMBERS}: shorter ones cost more to check. */
export const NUMBERS_MIN = 16;
/**
 * The longest array of numbers in a compact value: a longer one takes the serializer (a
 * contiguous copy as well), as checking it for named properties would cost more.
 */
const COMPACT_NUMBERS_MAX = 1 << 16;
/** The longest array {@linkcode encodeNumbers} takes. */
const NUMBERS_MAX = 1 << 24;

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
/** Where the payload being encoded or decoded starts: {@linkcode NUMBERS} aligns from it. */
let base = 0;
/** The end of the payload being decoded: no count may announce more than what is left. */
let end = 0;
/** The containers of the value being encoded: a repeat means a shared reference or a cycle. */
const containers: object[] = [];
const result: Encoded = { tag: COMPACT, bytes: scratch, length: 0 };
/**
 * Whether an encode is under way: a getter it reads may encode a value of its own (a put from
 * inside a getter), which must leave the scratch buffer to the first.
 */
let encoding = false;

/**
 * Encodes `value` into the scratch buffer.
 *
 * @param value The payload.
 * @param action What is being done, for the error message ("put on queue").
 * @param label What the value is, for the error message ("item", "argument 2").
 * @returns The encoded record, valid until the next call.
 * @throws {CloneError} If the value cannot cross to another actor.
 */
export function encode(value: unknown, action: string, label = "item"): Encoded {
  if (encoding) {
    return encodeCloned(value, action, label, { tag: CLONED, bytes: scratch, length: 0 });
  }
  encoding = true;
  let compact: boolean;
  try {
    position = 0;
    base = 0;
    containers.length = 0;
    compact = writeCompact(value);
  } catch {
    // A getter that threw: the checked path below reads it again and names it.
    compact = false;
  } finally {
    encoding = false;
  }
  if (compact) {
    result.tag = COMPACT;
    result.bytes = scratch;
    result.length = position;
    return result;
  }
  if (typeof value === "object" && value !== null && writeWhole(value)) return result;
  return encodeCloned(value, action, label, result);
}

function encodeCloned(value: unknown, action: string, label: string, into: Encoded): Encoded {
  assertCloneable(value, label, action, { bytes: true });
  into.tag = CLONED;
  into.bytes = serializeCloned(value, action, label);
  into.length = into.bytes.length;
  return into;
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

function serializeCloned(value: unknown, action: string, label: string): Uint8Array {
  const serializer = new Serializer();
  serializer.writeHeader();
  try {
    serializer.writeValue(value);
  } catch (error) {
    // What the check above cannot see: a Proxy, a detached buffer, a value nested too deeply.
    throw new CloneError(
      `Cannot ${action}: the ${label} cannot be serialized (${(error as Error).message})`,
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
 * @throws {TypeError} If the payload is not a record of this codec (bytes from a peer that
 * breaks the protocol; a channel's own records always decode).
 */
export function decode(
  tag: number,
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  length: number,
): unknown {
  switch (tag) {
    case COMPACT: {
      position = base = offset;
      end = offset + length;
      const value = readCompact(bytes, view);
      if (position !== end) throw malformed(`it has ${end - position} bytes too many or few`);
      return value;
    }
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
      if (kind === undefined) throw malformed(`its tag ${tag} is unknown`);
      const buffer = bytes.slice(offset, offset + length).buffer;
      return kind === ArrayBuffer ? buffer : new (kind as ViewKind)(buffer);
    }
  }
}

/**
 * The numbers of a record that {@linkcode encode} wrote for an array of at least
 * {@linkcode NUMBERS_MIN} numbers, as a view of `record` (no copy), or null for another record.
 * `record` is `[tag][7 unused bytes][payload]` at an 8-aligned offset, as
 * {@linkcode encodeNumbers} writes it.
 */
export function numbersIn(record: Uint8Array): Float64Array | null {
  if (record[0] !== COMPACT || record[RECORD_HEADER] !== NUMBERS) return null;
  const count = new DataView(record.buffer, record.byteOffset).getUint32(RECORD_HEADER + 1, true);
  return new Float64Array(record.buffer, record.byteOffset + RECORD_HEADER + 8, count);
}

/** The bytes before a record's payload in {@linkcode encodeNumbers}: float64s stay aligned. */
const RECORD_HEADER = 8;

/**
 * `values` as a record in shared memory of its own, if they are at least
 * {@linkcode NUMBERS_MIN} numbers (a pool's map chunk of tiny tasks, their results), else null.
 * A MessagePort walks every element of an array it carries, and never walks a
 * SharedArrayBuffer: read it back with {@linkcode numbersIn}.
 */
export function encodeNumbers(values: ArrayLike<unknown>): SharedArrayBuffer | null {
  const { length } = values;
  if (length < NUMBERS_MIN || length > NUMBERS_MAX) return null;
  const record = new SharedArrayBuffer(RECORD_HEADER + 8 + length * 8);
  const numbers = new Float64Array(record, RECORD_HEADER + 8);
  for (let index = 0; index < length; index++) {
    const value = values[index];
    if (typeof value !== "number") return null;
    numbers[index] = value;
  }
  const header = new DataView(record);
  header.setUint8(0, COMPACT);
  header.setUint8(RECORD_HEADER, NUMBERS);
  header.setUint32(RECORD_HEADER + 1, length, true);
  return record;
}

function malformed(why: string): TypeError {
  return new TypeError(`Cannot decode a value: ${why}`);
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
  const { length } = items;
  const numbers = length >= NUMBERS_MIN && length <= COMPACT_NUMBERS_MAX && allNumbers(items);
  if (!numbers && length > MAX_COMPACT_ARRAY) return false;
  const keys = Object.keys(items);
  if (keys.length !== length || (length > 0 && keys.at(-1) !== `${length - 1}`)) return false;
  if (numbers) return writeNumbers(items as number[]);
  scratch[position] = ARRAY;
  scratchView.setUint32(position + 1, length, true);
  position += 5;
  for (const item of items) if (!writeCompact(item)) return false;
  return true;
}

function allNumbers(items: unknown[]): boolean {
  for (let index = 0; index < items.length; index++) {
    if (typeof items[index] !== "number") return false;
  }
  return true;
}

/** Pads from `position` to the next multiple of 8 bytes from the payload's start. */
function numbersPadding(): number {
  return (8 - ((position - base) & 7)) & 7;
}

function writeNumbers(items: number[]): boolean {
  reserve(5 + 7 + items.length * 8);
  scratch[position] = NUMBERS;
  scratchView.setUint32(position + 1, items.length, true);
  position += 5;
  position += numbersPadding();
  for (const item of items) {
    scratchView.setFloat64(position, item, true);
    position += 8;
  }
  return true;
}

function readNumbers(view: DataView): number[] {
  const count = readCount(view, 8);
  position += numbersPadding();
  if (position + count * 8 > end) throw malformed("its numbers end past the payload");
  const items = new Array<number>(count);
  for (let index = 0; index < count; index++) {
    items[index] = view.getFloat64(position, true);
    position += 8;
  }
  return items;
}

/** A count of things to follow, each at least `unit` bytes long: more than fit is refused. */
function readCount(view: DataView, unit: number): number {
  if (position + 4 > end) throw malformed("it ends inside a count");
  const count = view.getUint32(position, true);
  position += 4;
  if (count * unit > end - position) throw malformed(`it announces ${count} values`);
  return count;
}

function readCompact(bytes: Uint8Array, view: DataView): unknown {
  if (position >= end) throw malformed("it ends early");
  const type = bytes[position++];
  switch (type) {
    case INT32:
      if (position + 4 > end) throw malformed("it ends inside a number");
      position += 4;
      return view.getInt32(position - 4, true);
    case FLOAT64:
      if (position + 8 > end) throw malformed("it ends inside a number");
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
      const items = new Array(readCount(view, 1));
      for (let index = 0; index < items.length; index++) items[index] = readCompact(bytes, view);
      return items;
    }
    case OBJECT: {
      const count = readCount(view, 5);
      const object: Record<string, unknown> = {};
      for (let index = 0; index < count; index++) {
        const key = readString(bytes, view);
        // Only a peer that breaks the protocol writes one: it would set the prototype.
        if (key === "__proto__") throw malformed("it has a __proto__ key");
        object[key] = readCompact(bytes, view);
      }
      return object;
    }
    case NUMBERS:
      return readNumbers(view);
    default:
      throw malformed(`its value type ${type} is unknown`);
  }
}

function readString(bytes: Uint8Array, view: DataView): string {
  const length = readCount(view, 1);
  const start = position;
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
