/**
 * The serialization of manager messages. The hot messages (`call`, `cast`, `result`) have a
 * compact binary layout (the id, the object, the method, then each argument or the result);
 * every value in them, and every other message whole, is a record of the one value codec
 * (`_shm/codec.ts`), so plain values take its compact encoding and anything else (bigint, Map,
 * Set, Date, typed arrays, shared references and cycles) V8's structured-clone serializer, each
 * value on its own. Integers are little-endian, as everywhere. Decoding rebuilds data only,
 * never code, and checks every bound: a payload that breaks the layout throws `FrameError`.
 *
 * @module
 */
import { decode, encode } from "../../_shm/codec.ts";
import { FrameError, frameTooLarge } from "../../_shm/frames.ts";

const GENERIC = 0;
const CALL = 1;
const CAST = 2;
const RESULT = 3;
const TYPE_TAGS: Readonly<Record<string, number>> = { call: CALL, cast: CAST, result: RESULT };

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The size of the scratch buffer every frame is encoded in; a larger one is not kept. */
const SCRATCH_BYTES = 4096;

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
    this.#view.setUint32(offset, value, true);
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
    this.#view.setUint32(this.#length, value, true);
    this.#length += 4;
  }

  /** A name of ours (a method), as UTF-8. */
  string(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.#reserve(4 + value.length * 3);
    const { written } = encoder.encodeInto(value, this.#bytes.subarray(this.#length + 4));
    this.#view.setUint32(this.#length, written, true);
    this.#length += 4 + written;
  }

  /** `value` as a codec record: its tag, its length, its payload. */
  value(value: unknown, action: string, label: string): void {
    const record = encode(value, action, label);
    this.byte(record.tag);
    this.uint32(record.length);
    this.#reserve(record.length);
    this.#bytes.set(record.bytes.subarray(0, record.length), this.#length);
    this.#length += record.length;
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
    return this.#view.getUint32(this.#take(4), true);
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
    const length = this.uint32();
    const at = this.#take(length);
    return decoder.decode(this.#bytes.subarray(at, at + length));
  }

  value(): unknown {
    const tag = this.byte();
    const length = this.uint32();
    const at = this.#take(length);
    return decode(tag, this.#bytes, this.#view, at, length);
  }

  end(): void {
    if (this.#offset !== this.#bytes.length) {
      throw new FrameError("Cannot decode a manager message: it has trailing bytes");
    }
  }
}

type Message = { type: string; id: number; [field: string]: unknown };

/** Serializes a manager message; `action` names it in a `CloneError`. */
function writeMessage(writer: Writer, message: Message, action: string): void {
  const tag = TYPE_TAGS[message.type] ?? GENERIC;
  writer.byte(tag);
  if (tag === GENERIC) return writer.value(message, action, "message");
  writer.uint32(message.id);
  if (tag === RESULT) return writer.value(message.value, action, "value");
  writer.uint32(message.object as number);
  writer.string(message.method as string);
  const args = message.args as unknown[];
  writer.uint32(args.length);
  for (let index = 0; index < args.length; index++) {
    writer.value(args[index], action, `argument ${index + 1}`);
  }
}

/** The buffer frames are encoded in, one at a time. */
const scratch = new Writer();
let scratchInUse = false;

/**
 * Serializes `message` into a frame (a 4-byte length, then the message) and returns a view of
 * a shared buffer, valid until the next call: copy what you keep.
 *
 * @throws {RangeError} When the message exceeds `maxBytes`.
 * @throws {CloneError} When a value cannot be serialized.
 */
export function encodeFrameView(message: Message, maxBytes: number, action: string): Uint8Array {
  // A getter that the codec runs could make a request of its own: it gets a buffer of its own.
  const writer = scratchInUse ? new Writer() : scratch;
  scratchInUse = true;
  try {
    writer.reset();
    writer.uint32(0);
    writeMessage(writer, message, action);
    const frame = writer.done();
    const length = frame.length - 4;
    if (length > maxBytes) {
      writer.reset();
      throw frameTooLarge(length, maxBytes, action);
    }
    writer.uint32At(0, length);
    return frame;
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
      return reader.value();
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
