/**
 * The memory of a shared-memory ring (`ring.ts`): the layout of its control words, the record
 * format, and the sizes a ring may have, checked from a channel's options. A ring is two shared
 * buffers, created here; `Ring` operates on them.
 *
 * @module
 */
import { FIRST_STATE_WORD, sharedWords } from "./futex.ts";
import { checkInteger, describeValue } from "./time.ts";
import type { BufferOptions } from "../../channels/buffer_options.ts";

// Only `ring.ts` and the ring's own tests (journal repair is checked by writing the words a dying
// holder leaves) read the words; everything else goes through `Ring`.

/** {@linkcode OPEN}, {@linkcode SHUT_DOWN} or {@linkcode SHUT_DOWN_IMMEDIATELY}; only grows. */
export const STATE = FIRST_STATE_WORD;
export const OPEN = 0;
export const SHUT_DOWN = 1;
export const SHUT_DOWN_IMMEDIATELY = 2;
export const MAXSIZE = FIRST_STATE_WORD + 1;
/** `taskDone()` calls so far: the unfinished tasks are `puts - done`. */
export const DONE = FIRST_STATE_WORD + 2;
/** The bytes in use by the ring layout, a power of two (the buffer may be longer). */
export const CAPACITY = FIRST_STATE_WORD + 3;
/**
 * 1 for a ring with one producer and one consumer, set at its creation: neither side takes a
 * mutex or keeps a journal (see `ring.ts`).
 */
export const ONE_TO_ONE = FIRST_STATE_WORD + 4;
/** Each side's words fill their own 64-byte cache line. */
export const PUT_SIDE = 16;
export const TAKE_SIDE = 32;
export const WORDS = 48;
/** Offsets within a side: its mutex, position and counter, and their journal. */
export const MUTEX = 0;
export const POSITION = 1;
export const COUNTER = 2;
export const JOURNAL_VALID = 3;
export const JOURNAL_POSITION = 4;
export const JOURNAL_COUNTER = 5;
/** The take side only: records discarded by an immediate shutdown, and its journal. */
export const DISCARDED = 6;
export const JOURNAL_DISCARDED = 7;
/** The journal's valid mark: position and counter, or also the discarded count. */
export const JOURNALED = 1;
export const JOURNALED_WITH_DISCARDED = 2;
/** The tag of a padding record, which takes the bytes up to the end of the buffer. */
export const PADDING = 0;
/**
 * The bytes before a payload: 8, not the 5 it needs, so that every payload starts 8-aligned.
 * V8 copies to or from shared memory one byte at a time when the two sides are not equally
 * aligned (about 15 us for 64 KiB, against 2 us aligned).
 */
export const HEADER = 8;
export const ALIGNMENT = 8;
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

/**
 * The shared memory of a ring: control words and the data bytes.
 *
 * @ignore Internal: not part of the public API.
 */
export interface RingState {
  words: Int32Array;
  buffer: SharedArrayBuffer;
}

/** The smallest power of two >= `bytes`, within the capacities a ring can have. */
export function ringCapacity(bytes: number): number {
  return Math.min(Math.max(2 ** Math.ceil(Math.log2(bytes)), MIN_CAPACITY), MAX_CAPACITY);
}

/** The size of a record with a payload of `length` bytes. */
export function recordSize(length: number): number {
  return (HEADER + length + ALIGNMENT - 1) & -ALIGNMENT;
}

/**
 * Where a record of `size` bytes put at `tail` ends: past a padding up to the end of the
 * buffer first, if it would cross it.
 */
export function recordEnd(tail: number, capacity: number, size: number): number {
  const offset = tail & (capacity - 1);
  return (tail + (offset + size > capacity ? capacity - offset : 0) + size) | 0;
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
