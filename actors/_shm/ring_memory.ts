/**
 * The memory of a shared-memory ring (`ring.ts`): the sizes a ring may have, checked from a
 * channel's options, and its creation. A ring is two shared buffers, created here, laid out as
 * `ring.ts` says; `Ring` operates on them.
 *
 * @module
 */
import { sharedWords } from "./futex.ts";
import { RING_LAYOUT, type RingState } from "./ring.ts";
import { checkInteger, describeValue } from "./time.ts";
import type { BufferOptions } from "../../channels/buffer_options.ts";

const { CAPACITY, MAXSIZE, ONE_TO_ONE, WORDS } = RING_LAYOUT;

/** The largest capacity: positions are compared modulo 2^32 as signed 32-bit differences. */
export const MAX_CAPACITY = 2 ** 30;
/** The first capacity of a ring, unless its options say otherwise. */
export const DEFAULT_CAPACITY = 2 ** 16;
/**
 * The most a ring grows to unless its options say otherwise. A growable buffer reserves its
 * largest size as address space when it is created, so this bounds what each live channel
 * reserves (items up to half of it, 128 MiB, fit).
 */
export const DEFAULT_MAX_BYTES = 2 ** 28;
/** The smallest capacity. */
export const MIN_CAPACITY = 64;

/** The smallest power of two >= `bytes`, within the capacities a ring can have. */
export function ringCapacity(bytes: number): number {
  return Math.min(Math.max(2 ** Math.ceil(Math.log2(bytes)), MIN_CAPACITY), MAX_CAPACITY);
}

/** How big a ring may be: its first buffer, and the most it grows to. */
export interface RingSize {
  initialBytes: number;
  maxBytes: number;
}

/**
 * The size of a channel's ring from its options.
 *
 * @throws {TypeError} If `options` is not an object, or a size is not a number.
 * @throws {RangeError} If a size is not an integer from 64 to 2^30, or `bufferBytes` is
 * larger than `maxBufferBytes`.
 */
export function ringSize(options: BufferOptions, action: string): RingSize {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot ${action}: options must be an object ({ bufferBytes, maxBufferBytes }), got ` +
        describeValue(options),
    );
  }
  const bounds = { min: MIN_CAPACITY, max: MAX_CAPACITY };
  const maxBufferBytes = options.maxBufferBytes === undefined
    ? DEFAULT_MAX_BYTES
    : checkInteger(options.maxBufferBytes, action, "maxBufferBytes", bounds);
  const bufferBytes = options.bufferBytes === undefined
    ? Math.min(DEFAULT_CAPACITY, maxBufferBytes)
    : checkInteger(options.bufferBytes, action, "bufferBytes", bounds);
  if (bufferBytes > maxBufferBytes) {
    throw new RangeError(
      `Cannot ${action}: bufferBytes (${bufferBytes}) is larger than maxBufferBytes ` +
        `(${maxBufferBytes})`,
    );
  }
  return { initialBytes: bufferBytes, maxBytes: maxBufferBytes };
}

/**
 * Allocates a ring of `size` for at most `maxsize` items (0: no limit but the bytes); with
 * `oneToOne`, for one producer and one consumer, which has a fixed size.
 *
 * @throws {RangeError} If a one-to-one ring is given room to grow.
 */
export function newRing(size: RingSize, maxsize: number, oneToOne = false): RingState {
  const words = sharedWords(WORDS);
  const capacity = ringCapacity(size.initialBytes);
  if (oneToOne && ringCapacity(size.maxBytes) !== capacity) {
    throw new RangeError("Cannot create a one-to-one ring that grows: give it one size");
  }
  words[MAXSIZE] = maxsize;
  words[CAPACITY] = capacity;
  words[ONE_TO_ONE] = oneToOne ? 1 : 0;
  const buffer = new SharedArrayBuffer(capacity, { maxByteLength: ringCapacity(size.maxBytes) });
  return { words, buffer };
}

/**
 * Whether `value` has the shape of a ring's state (words and a buffer of shared memory, of the
 * sizes a ring has): what an actor checks before it serves a ring another actor handed it.
 */
export function isRingState(value: unknown): value is RingState {
  if (typeof value !== "object" || value === null) return false;
  const { words, buffer } = value as Partial<RingState>;
  if (!(words instanceof Int32Array) || !(words.buffer instanceof SharedArrayBuffer)) return false;
  if (words.length !== WORDS || !(buffer instanceof SharedArrayBuffer) || !buffer.growable) {
    return false;
  }
  const capacity = Atomics.load(words, CAPACITY);
  return capacity >= MIN_CAPACITY && (capacity & (capacity - 1)) === 0 &&
    capacity <= buffer.byteLength && buffer.maxByteLength <= MAX_CAPACITY;
}
