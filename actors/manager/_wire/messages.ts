/**
 * The serialization of manager messages. The hot messages (`call`, `cast`, `result`) have a
 * compact binary layout whose arguments and result take a fast path when they are numbers,
 * well-formed strings, booleans, null or undefined (V8's serializer costs several microseconds
 * per message here, more than the rest of a request); any other value, and every other message,
 * goes through V8's structured-clone serializer, so values keep full fidelity (bigint, Map,
 * Set, Date, typed arrays, nested objects, shared references and cycles). Both paths rebuild
 * data only, never code; a payload that breaks the layout throws `FrameError`.
 *
 * V8's own serializer is used (`Serializer` of `node:v8`), not `node:v8`'s
 * `serialize`/`deserialize`: those write a typed array as a host object holding only its bytes,
 * so two views of one buffer arrive as two buffers and a view's offset is lost, and they read an
 * aligned view back as a view into the message. V8's serializer writes a view as its buffer
 * (once, however many views share it) with the offset and length, and reads it back into a
 * buffer of its own, as `structuredClone` does.
 *
 * @module
 */
import { Deserializer, Serializer } from "node:v8";
import { FrameError, frameTooLarge } from "../../_shm/frames.ts";
import { CloneError } from "../../errors.ts";

const GENERIC = 0;
const CALL = 1;
const CAST = 2;
const RESULT = 3;
const TYPE_TAGS: Readonly<Record<string, number>> = { call: CALL, cast: CAST, result: RESULT };

const UNDEFINED = 0;
const NULL = 1;
const TRUE = 2;
const FALSE = 3;
const NUMBER = 4;
const STRING = 5;
const CLONED = 6;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The size of the scratch buffer every frame is encoded in; a larger one is not kept. */
const SCRATCH_BYTES = 4096;

/** What V8's serializer refused; {@linkcode encodeFrameView} names the action. */
class Unserializable extends Error {}

/**
 * Serializes `value` with V8's structured-clone serializer.
 *
 * @throws {Unserializable} If V8 cannot serialize it (a SharedArrayBuffer, which a manager
 * cannot share, or what `assertCloneable` let through).
 */
function serialize(value: unknown): Uint8Array {
  const serializer = new Serializer();
  serializer.writeHeader();
  try {
    serializer.writeValue(value);
  } catch (error) {
    throw new Unserializable((error as Error).message, { cause: error });
  }
  return serializer.releaseBuffer();
}

/** Reads what {@linkcode serialize} wrote. */
function deserialize(bytes: Uint8Array): unknown {
  const deserializer = new Deserializer(bytes);
  deserializer.readHeader();
  return deserializer.readValue();
}

/** A growable byte buffer. */
class Writer {
  #bytes = new Uint8Array(SCRATCH_BYTES);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  /** Starts over, dropping a buffer that grew for a large message. */
  reset(): void {
    if (this.#bytes.length > SCRATCH_BYTES) {
      this.#bytes = new Uint8Array(SCRATCH_BYTES);
      this.#view = new DataView(this.#bytes.buffer);
    }
    this.#length = 0;
  }

  /** Overwrites the 32-bit word at `offset`. */
  uint32At(offset: number, value: number): void {
    this.#view.setUint32(offset, value);
  }

  #reserve(size: number): void {
    if (this.#length + size <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + size));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#bytes[this.#length++] = value;
  }

  uint32(value: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.#length, value);
    this.#length += 4;
  }

  float64(value: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#length, value);
    this.#length += 8;
  }

  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.#reserve(value.length);
    this.#bytes.set(value, this.#length);
    this.#length += value.length;
  }

  /** A well-formed string (no lone surrogate) as UTF-8: names, and values that pass the check. */
  string(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.#reserve(4 + value.length * 3);
    const { written } = encoder.encodeInto(value, this.#bytes.subarray(this.#length + 4));
    this.#view.setUint32(this.#length, written);
    this.#length += 4 + written;
  }

  value(value: unknown): void {
    switch (typeof value) {
      case "undefined":
        return this.byte(UNDEFINED);
      case "boolean":
        return this.byte(value ? TRUE : FALSE);
      case "number":
        this.byte(NUMBER);
        return this.float64(value);
      case "string":
        // UTF-8 cannot hold a lone surrogate (TextEncoder writes U+FFFD for it, so "\uD800"
        // and "\uDBFF" would arrive as one dict key): such strings take the serializer, which
        // keeps their UTF-16 units.
        if (!value.isWellFormed()) break;
        this.byte(STRING);
        return this.string(value);
      default:
        if (value === null) return this.byte(NULL);
    }
    this.byte(CLONED);
    this.bytes(serialize(value));
  }

  done(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }
}

/** Reads what {@linkcode Writer} wrote, checking every bound. */
class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #take(size: number): number {
    const at = this.#offset;
    if (at + size > this.#bytes.length) {
      throw new FrameError("Cannot decode a manager message: it ends too early");
    }
    this.#offset += size;
    return at;
  }

  byte(): number {
    return this.#bytes[this.#take(1)];
  }

  uint32(): number {
    return this.#view.getUint32(this.#take(4));
  }

  /** A length-prefixed run of bytes. */
  blob(): Uint8Array {
    const length = this.uint32();
    const at = this.#take(length);
    return this.#bytes.subarray(at, at + length);
  }

  /** A count of values to follow, each at least one byte long. */
  count(): number {
    const count = this.uint32();
    if (count > this.#bytes.length - this.#offset) {
      throw new FrameError(`Cannot decode a manager message: it announces ${count} values`);
    }
    return count;
  }

  string(): string {
    return decoder.decode(this.blob());
  }

  value(): unknown {
    const tag = this.byte();
    switch (tag) {
      case UNDEFINED:
        return undefined;
      case NULL:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case NUMBER:
        return this.#view.getFloat64(this.#take(8));
      case STRING:
        return this.string();
      case CLONED:
        return deserialize(this.blob());
      default:
        throw new FrameError(`Cannot decode a manager message: unknown value tag ${tag}`);
    }
  }

  end(): void {
    if (this.#offset !== this.#bytes.length) {
      throw new FrameError("Cannot decode a manager message: it has trailing bytes");
    }
  }
}

type Message = { type: string; id: number; [field: string]: unknown };

/** Serializes a manager message. */
function writeMessage(writer: Writer, message: Message): void {
  const tag = TYPE_TAGS[message.type] ?? GENERIC;
  writer.byte(tag);
  if (tag === GENERIC) return writer.bytes(serialize(message));
  writer.uint32(message.id);
  if (tag === RESULT) return writer.value(message.value);
  writer.uint32(message.object as number);
  writer.string(message.method as string);
  const args = message.args as unknown[];
  writer.uint32(args.length);
  for (const arg of args) writer.value(arg);
}

/** The buffer frames are encoded in, one at a time. */
const scratch = new Writer();
let scratchInUse = false;

/**
 * Serializes `message` into a frame (a 4-byte length, then the message) and returns a view of
 * a shared buffer, valid until the next call: copy what you keep.
 *
 * @throws {RangeError} When the message exceeds `maxBytes`.
 * @throws {CloneError} When V8's serializer refuses a value.
 */
export function encodeFrameView(message: Message, maxBytes: number, action: string): Uint8Array {
  // A getter that V8's serializer runs could make a request of its own: it gets a buffer of
  // its own.
  const writer = scratchInUse ? new Writer() : scratch;
  scratchInUse = true;
  try {
    writer.reset();
    writer.uint32(0);
    writeMessage(writer, message);
    const frame = writer.done();
    const length = frame.length - 4;
    if (length > maxBytes) {
      writer.reset();
      throw frameTooLarge(length, maxBytes, action);
    }
    writer.uint32At(0, length);
    return frame;
  } catch (error) {
    if (!(error instanceof Unserializable)) throw error;
    throw new CloneError(
      `Cannot ${action}: the value cannot be stored in a manager (${error.message})`,
      { cause: error.cause },
    );
  } finally {
    if (writer === scratch) scratchInUse = false;
  }
}

/** Serializes `message` into a frame of its own; throws `RangeError` when it exceeds `maxBytes`. */
export function encodeFrame(message: Message, maxBytes: number, action: string): Uint8Array {
  return encodeFrameView(message, maxBytes, action).slice();
}

/**
 * Deserializes a manager message; the caller checks its shape.
 *
 * @throws {FrameError} If the payload is not a manager message.
 */
export function decodeMessage(payload: Uint8Array): unknown {
  try {
    const reader = new Reader(payload);
    const message = readMessage(reader);
    reader.end();
    return message;
  } catch (error) {
    if (error instanceof FrameError) throw error;
    throw new FrameError("Cannot decode a manager message: it is not a serialized message", {
      cause: error,
    });
  }
}

function readMessage(reader: Reader): unknown {
  const tag = reader.byte();
  switch (tag) {
    case GENERIC:
      return deserialize(reader.blob());
    case RESULT:
      return { type: "result", id: reader.uint32(), value: reader.value() };
    case CALL:
    case CAST: {
      const id = reader.uint32();
      const object = reader.uint32();
      const method = reader.string();
      const count = reader.count();
      const args = Array.from({ length: count }, () => reader.value());
      return { type: tag === CALL ? "call" : "cast", id, object, method, args };
    }
    default:
      throw new FrameError(`Cannot decode a manager message: unknown message tag ${tag}`);
  }
}
