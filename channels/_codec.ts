/**
 * The compact serializer of channel payloads: numbers and strings take a fast path, bytes are
 * copied as they are, everything else goes through V8's structured-clone serializer, so a
 * payload keeps full fidelity (bigint, typed arrays, Date, Map, Set, nested objects).
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { assertCloneable } from "../actors/_clone.ts";

const NUMBER = 1;
const STRING = 2;
const CLONED = 3;
const BYTES = 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes `value`; throws `CloneError` naming what cannot cross. */
export function encode(value: unknown, action: string): Uint8Array {
  if (typeof value === "number") {
    const bytes = new Uint8Array(9);
    bytes[0] = NUMBER;
    new DataView(bytes.buffer).setFloat64(1, value);
    return bytes;
  }
  if (typeof value === "string") {
    const text = encoder.encode(value);
    const bytes = new Uint8Array(1 + text.length);
    bytes[0] = STRING;
    bytes.set(text, 1);
    return bytes;
  }
  assertCloneable(value, "item", action);
  const cloned = serialize(value);
  const bytes = new Uint8Array(1 + cloned.length);
  bytes[0] = CLONED;
  bytes.set(cloned, 1);
  return bytes;
}

/** Encodes raw bytes without serialization. */
export function encodeBytes(data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(1 + data.length);
  bytes[0] = BYTES;
  bytes.set(data, 1);
  return bytes;
}

/** Decodes what {@linkcode encode} or {@linkcode encodeBytes} produced. */
export function decode(bytes: Uint8Array): unknown {
  switch (bytes[0]) {
    case NUMBER:
      return new DataView(bytes.buffer, bytes.byteOffset).getFloat64(1);
    case STRING:
      return decoder.decode(bytes.subarray(1));
    case BYTES:
      return bytes.slice(1);
    case CLONED:
      return deserialize(bytes.subarray(1));
    default:
      throw new TypeError(`Cannot decode a channel record with tag ${bytes[0]}`);
  }
}
