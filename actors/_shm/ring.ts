/**
 * A byte ring in shared memory: records `[i32 length][u8 tag][3 unused bytes][payload]`, each
 * aligned to 8 bytes, between a head and a tail, for any number of producers and consumers.
 * Producers and consumers take separate mutexes (a word holding the pid of the actor inside, on
 * separate cache lines), so a put and a get never wait for each other. Positions only grow
 * (modulo 2^32) and the capacity is a power of two: the bytes in use are `tail - head`, the
 * items `puts - takes`. A record that would cross the end of the buffer is preceded by a
 * padding record up to it.
 *
 * The buffer is a growable SharedArrayBuffer: a put that finds no room doubles it (holding both
 * mutexes), up to a maximum, so only `maxsize` (a count of items) makes a put wait until the
 * buffer reaches that maximum. Growing moves the records whose position has the old capacity's
 * bit set into the new half, then publishes the new capacity with one store: an actor killed
 * while growing leaves the old, intact layout.
 *
 * Every change of a side is written to that side's journal first (new position and counter),
 * marked valid, then applied; the repair hook re-applies the valid journal of a dead holder
 * (applying is idempotent) and frees its mutex. So an actor killed mid-put or mid-get leaves the
 * ring either before or after its operation, never torn: no completed put is lost and no item is
 * delivered twice.
 *
 * A ring can be shut down (a queue's `shutdown()`): puts then fail and takes drain what is left.
 * Shut down immediately, it discards what it holds: the first actor to take the take mutex moves
 * the head to the tail, counting the records it skipped as discarded (journaled like a take), so
 * a `JoinableQueue` does not wait for tasks nobody will ever take.
 *
 * A ring made for one producer and one consumer (the manager's session rings) has a fixed size
 * and is never shut down: each side has one user, so it takes no mutex and keeps no journal. Its
 * producer batches: puts become visible together at `publish()`, with two stores to shared words.
 *
 * @module
 */
import { haltIfReaped, threadPid } from "./thread.ts";
import { copyStaged } from "./staged_copy.ts";
import { BYTES, decode } from "./codec.ts";
import { FIRST_STATE_WORD, wake } from "./futex.ts";

// The word layout is local, neither imported nor exported: V8 folds a module's own constants
// into the code, but reads an imported or exported one from its module cell on every use, even
// in its own module (5-8% of a put and a take for imported ones, 10% for exported ones). The
// copy in RING_LAYOUT, below, is for the cold paths elsewhere.

/** {@linkcode OPEN}, {@linkcode SHUT_DOWN} or {@linkcode SHUT_DOWN_IMMEDIATELY}; only grows. */
const STATE = FIRST_STATE_WORD;
const OPEN = 0;
const SHUT_DOWN = 1;
const SHUT_DOWN_IMMEDIATELY = 2;
const MAXSIZE = FIRST_STATE_WORD + 1;
/** `taskDone()` calls so far: the unfinished tasks are `puts - done`. */
const DONE = FIRST_STATE_WORD + 2;
/** The bytes in use by the ring layout, a power of two (the buffer may be longer). */
const CAPACITY = FIRST_STATE_WORD + 3;
/**
 * 1 for a ring with one producer and one consumer, set at its creation: neither side takes a
 * mutex or keeps a journal (see `ring.ts`).
 */
const ONE_TO_ONE = FIRST_STATE_WORD + 4;
/** Each side's words fill their own 64-byte cache line. */
const PUT_SIDE = 16;
const TAKE_SIDE = 32;
const WORDS = 48;
/** Offsets within a side: its mutex, position and counter, and their journal. */
const MUTEX = 0;
const POSITION = 1;
const COUNTER = 2;
const JOURNAL_VALID = 3;
const JOURNAL_POSITION = 4;
const JOURNAL_COUNTER = 5;
/** The take side only: records discarded by an immediate shutdown, and its journal. */
const DISCARDED = 6;
const JOURNAL_DISCARDED = 7;
/** The journal's valid mark: position and counter, or also the discarded count. */
const JOURNALED = 1;
const JOURNALED_WITH_DISCARDED = 2;
/** The tag of a padding record, which takes the bytes up to the end of the buffer. */
const PADDING = 0;
/**
 * The bytes before a payload: 8, not the 5 it needs, so that every payload starts 8-aligned.
 * V8 copies to or from shared memory one byte at a time when the two sides are not equally
 * aligned (about 15 us for 64 KiB, against 2 us aligned).
 */
const HEADER = 8;
const ALIGNMENT = 8;

/**
 * The word layout, for `ring_memory.ts`, which creates rings, and for the ring's own tests
 * (journal repair is checked by writing the words a dying holder leaves); nothing else reads the
 * words but through `Ring`.
 */
export const RING_LAYOUT = Object.freeze({
  STATE,
  OPEN,
  SHUT_DOWN,
  SHUT_DOWN_IMMEDIATELY,
  MAXSIZE,
  DONE,
  CAPACITY,
  ONE_TO_ONE,
  PUT_SIDE,
  TAKE_SIDE,
  WORDS,
  MUTEX,
  POSITION,
  COUNTER,
  JOURNAL_VALID,
  JOURNAL_POSITION,
  JOURNAL_COUNTER,
  DISCARDED,
  JOURNAL_DISCARDED,
  JOURNALED,
  JOURNALED_WITH_DISCARDED,
  PADDING,
  HEADER,
  ALIGNMENT,
});

/**
 * The shared memory of a ring: control words and the data bytes.
 *
 * @ignore Internal: not part of the public API.
 */
export interface RingState {
  words: Int32Array;
  buffer: SharedArrayBuffer;
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

/** Unaligned payloads of at least this many bytes are copied in through an aligned buffer. */
const STAGED_COPY_BYTES = 1024;
const MUTEX_SPINS = 1000;
/** The value {@linkcode Ring.tryTake} returns when it took nothing. */
export const NOTHING: unique symbol = Symbol("nothing");

/** Operations on a ring's shared state; cheap to create in any actor. */
export class Ring {
  readonly state: RingState;
  readonly #words: Int32Array;
  readonly #buffer: SharedArrayBuffer;
  /**
   * Views of the first `#capacity` bytes, replaced when any actor grows the ring. (Views that
   * track a growable buffer's length are about 20 times slower to index.)
   */
  #capacity = 0;
  #bytes: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(new ArrayBuffer(0));

  /** A take's `into` and the value it decoded (see {@linkcode Ring.prototype.tryTake}). */
  #into: Uint8Array | undefined = undefined;
  #taken: unknown = NOTHING;

  /** A ring with one producer and one consumer: no mutexes, no journal, batched puts. */
  readonly #oneToOne: boolean;
  /** A one-to-one ring's producer: the tail and put count of its puts, published or not. */
  #tail: number;
  #puts: number;

  constructor(state: RingState) {
    this.state = state;
    this.#words = state.words;
    this.#buffer = state.buffer;
    this.#oneToOne = state.words[ONE_TO_ONE] === 1;
    this.#tail = Atomics.load(state.words, PUT_SIDE + POSITION);
    this.#puts = Atomics.load(state.words, PUT_SIDE + COUNTER);
  }

  /** Whether the ring holds no record (paddings aside). */
  get empty(): boolean {
    return Atomics.load(this.#words, PUT_SIDE + POSITION) ===
      Atomics.load(this.#words, TAKE_SIDE + POSITION);
  }

  /** Where the oldest record starts: it moves on with each take, which makes room. */
  get head(): number {
    return Atomics.load(this.#words, TAKE_SIDE + POSITION);
  }

  /** Items in the ring. */
  get count(): number {
    return (Atomics.load(this.#words, PUT_SIDE + COUNTER) -
      Atomics.load(this.#words, TAKE_SIDE + COUNTER)) | 0;
  }

  /** The bytes the records in the ring take now, paddings included. */
  get usedBytes(): number {
    return (Atomics.load(this.#words, PUT_SIDE + POSITION) -
      Atomics.load(this.#words, TAKE_SIDE + POSITION)) | 0;
  }

  /** The bytes the ring holds now, before it grows. */
  get capacity(): number {
    return Atomics.load(this.#words, CAPACITY);
  }

  /** Items put and neither marked done with `taskDone()` nor discarded by a shutdown. */
  get unfinished(): number {
    const words = this.#words;
    return (Atomics.load(words, PUT_SIDE + COUNTER) - Atomics.load(words, DONE) -
      Atomics.load(words, TAKE_SIDE + DISCARDED)) | 0;
  }

  /** The most items it holds, 0 for no limit. */
  get maxsize(): number {
    return this.#words[MAXSIZE];
  }

  /** The bytes the ring may grow to. */
  get maxBytes(): number {
    return this.#buffer.maxByteLength;
  }

  /** Whether the ring was shut down, by any actor: puts fail. */
  get shutDown(): boolean {
    return Atomics.load(this.#words, STATE) !== OPEN;
  }

  /** Whether the ring was shut down and everything left in it taken or discarded. */
  get drained(): boolean {
    return this.shutDown && this.count === 0;
  }

  /**
   * Shuts the ring down for everyone and wakes every waiter: puts fail from now on; takes drain
   * what is left, or (`immediate`) find nothing, what is left being discarded.
   */
  shutdown(immediate: boolean): void {
    haltIfReaped();
    if (this.#oneToOne) throw new TypeError("Cannot shut down a one-to-one ring");
    const state = immediate ? SHUT_DOWN_IMMEDIATELY : SHUT_DOWN;
    if (Atomics.compareExchange(this.#words, STATE, OPEN, state) !== OPEN && immediate) {
      Atomics.store(this.#words, STATE, SHUT_DOWN_IMMEDIATELY);
    }
    if (immediate) this.discard();
    wake(this.#words);
  }

  /**
   * After an immediate shutdown, discards what the ring holds (a put that was in progress
   * may have added to it); false if the take mutex stays busy (the next take discards).
   */
  discard(): boolean {
    if (Atomics.load(this.#words, STATE) !== SHUT_DOWN_IMMEDIATELY) return true;
    if (!this.#lock(TAKE_SIDE)) return false;
    let changed = false;
    try {
      changed = this.#discardLocked();
      return true;
    } finally {
      this.#unlock(TAKE_SIDE, changed);
    }
  }

  /** Whether a payload of `length` bytes can never fit, even once the ring has grown. */
  tooLarge(length: number): boolean {
    return recordSize(length) > this.#buffer.maxByteLength / 2;
  }

  /** Whether the buffer has grown to its largest. */
  get atLargest(): boolean {
    return Atomics.load(this.#words, CAPACITY) >= this.#buffer.maxByteLength;
  }

  /**
   * Appends the record `[tag][payload[0, length)]`; false when a mutex stays busy or there is
   * no room (`maxsize` items, or bytes). Without room for its bytes, it grows the buffer if
   * `grow` is true or the record needs a larger buffer anyway.
   */
  tryPut(tag: number, payload: Uint8Array, length: number, grow = true): boolean {
    const words = this.#words;
    if (!this.#lock(PUT_SIDE)) return false;
    let changed = false;
    try {
      if (words[STATE] !== OPEN) return false;
      const tail = this.#oneToOne ? this.#tail : words[PUT_SIDE + POSITION];
      const puts = this.#oneToOne ? this.#puts : words[PUT_SIDE + COUNTER];
      const maxsize = words[MAXSIZE];
      if (maxsize > 0 && ((puts - Atomics.load(words, TAKE_SIDE + COUNTER)) | 0) >= maxsize) {
        return false;
      }
      const size = recordSize(length);
      let capacity = this.#sync();
      let nextTail = recordEnd(tail, capacity, size);
      if (((nextTail - Atomics.load(words, TAKE_SIDE + POSITION)) | 0) > capacity) {
        if (!grow && 2 * size <= capacity) return false;
        // Room for the record even after a padding as long as itself.
        if (!this.#grow(((tail - Atomics.load(words, TAKE_SIDE + POSITION)) | 0) + 2 * size)) {
          return false;
        }
        capacity = this.#sync();
        nextTail = recordEnd(tail, capacity, size);
        if (((nextTail - words[TAKE_SIDE + POSITION]) | 0) > capacity) return false;
      }
      let offset = tail & (capacity - 1);
      const skip = (nextTail - tail - size) | 0;
      if (skip > 0) {
        this.#view.setInt32(offset, skip - HEADER);
        this.#bytes[offset + 4] = PADDING;
        offset = 0;
      }
      this.#view.setInt32(offset, length);
      this.#bytes[offset + 4] = tag;
      this.#copy(payload, length, offset + HEADER);
      this.#commit(PUT_SIDE, nextTail, puts + 1);
      changed = true;
      return true;
    } finally {
      this.#unlock(PUT_SIDE, changed);
    }
  }

  /**
   * Makes the puts of a one-to-one ring's producer since the last publish visible to the
   * consumer, all at once (a put alone does not); returns how many bytes they take.
   */
  publish(): number {
    const words = this.#words;
    const published = (this.#tail - Atomics.load(words, PUT_SIDE + POSITION)) | 0;
    if (published === 0) return 0;
    haltIfReaped();
    Atomics.store(words, PUT_SIDE + COUNTER, this.#puts);
    Atomics.store(words, PUT_SIDE + POSITION, this.#tail);
    wake(words);
    return published;
  }

  /**
   * Removes the oldest record and hands its tag and payload, where they lie in the shared
   * buffer, to `read` (which must copy what it keeps: the bytes are reused once it returns);
   * false when the take mutex stays busy, the ring is empty (or was shut down immediately), or
   * (with `accept`) the record has another tag. If `read` throws, the record stays in the ring.
   */
  tryTakeRaw(
    read: (tag: number, bytes: Uint8Array, from: number, to: number) => void,
    accept?: number,
  ): boolean {
    const words = this.#words;
    if (!this.#lock(TAKE_SIDE)) return false;
    let changed = false;
    try {
      if (words[STATE] === SHUT_DOWN_IMMEDIATELY) {
        changed = this.#discardLocked();
        return false;
      }
      const start = words[TAKE_SIDE + POSITION];
      if (start === Atomics.load(words, PUT_SIDE + POSITION)) return false;
      const capacity = this.#sync();
      const head = this.#skipPadding(start, capacity);
      const offset = head & (capacity - 1);
      const tag = this.#bytes[offset + 4];
      if (accept !== undefined && tag !== accept) return false;
      const length = this.#view.getInt32(offset);
      read(tag, this.#bytes, offset + HEADER, offset + HEADER + length);
      this.#commitTake(head, length);
      changed = true;
      return true;
    } finally {
      this.#unlock(TAKE_SIDE, changed);
    }
  }

  /**
   * Removes the oldest record and returns its decoded value; {@linkcode NOTHING} when the take
   * mutex stays busy, the ring is empty (or was shut down immediately), or (with `accept`) the
   * record has another tag. With `into`, a bytes record is copied into it instead and its
   * length returned; one longer than `into` is still taken, and returned as a copy.
   */
  tryTake(accept?: number, into?: Uint8Array): unknown {
    this.#into = into;
    const took = this.tryTakeRaw(this.#decodeTaken, accept);
    this.#into = undefined;
    if (!took) return NOTHING;
    const value = this.#taken;
    this.#taken = NOTHING;
    return value;
  }

  /** The reader of {@linkcode Ring.prototype.tryTake}: its value into `#taken`. */
  readonly #decodeTaken = (tag: number, bytes: Uint8Array, from: number, to: number): void => {
    const into = this.#into;
    const length = to - from;
    if (into === undefined || tag !== BYTES) {
      this.#taken = decode(tag, bytes, this.#view, from, length);
    } else if (length <= into.length) {
      into.set(bytes.subarray(from, to));
      this.#taken = length;
    } else {
      this.#taken = bytes.slice(from, to);
    }
  };

  /** The tag of the oldest record, or undefined when the ring is empty or the mutex busy. */
  peekTag(): number | undefined {
    const words = this.#words;
    if (!this.#lock(TAKE_SIDE)) return undefined;
    try {
      const start = words[TAKE_SIDE + POSITION];
      if (start === Atomics.load(words, PUT_SIDE + POSITION)) return undefined;
      const capacity = this.#sync();
      return this.#bytes[(this.#skipPadding(start, capacity) & (capacity - 1)) + 4];
    } finally {
      this.#unlock(TAKE_SIDE, false);
    }
  }

  /** Marks one task done; false if none was unfinished. */
  taskDone(): boolean {
    haltIfReaped();
    const words = this.#words;
    while (true) {
      const done = Atomics.load(words, DONE);
      const unfinished = (Atomics.load(words, PUT_SIDE + COUNTER) - done -
        Atomics.load(words, TAKE_SIDE + DISCARDED)) | 0;
      if (unfinished <= 0) return false;
      if (Atomics.compareExchange(words, DONE, done, (done + 1) | 0) === done) {
        if (unfinished === 1) wake(words);
        return true;
      }
    }
  }

  /** Finishes the operations of dead mutex holders, then frees their mutexes. */
  repair(isDead: (pid: number) => boolean): void {
    const words = this.#words;
    for (const side of [PUT_SIDE, TAKE_SIDE]) {
      const holder = Atomics.load(words, side + MUTEX);
      if (holder <= 0 || !isDead(holder)) continue;
      if (Atomics.load(words, side + JOURNAL_VALID) !== 0) this.#apply(side);
      if (Atomics.compareExchange(words, side + MUTEX, holder, 0) === holder) wake(words);
    }
  }

  /**
   * Moves the head to the tail, counting the records skipped (not paddings) as taken and
   * discarded; called holding the take mutex. False if there was nothing to discard.
   */
  #discardLocked(): boolean {
    const words = this.#words;
    const tail = Atomics.load(words, PUT_SIDE + POSITION);
    const capacity = this.#sync();
    let head = words[TAKE_SIDE + POSITION];
    let records = 0;
    while (head !== tail) {
      const offset = head & (capacity - 1);
      if (this.#bytes[offset + 4] !== PADDING) records++;
      head = (head + recordSize(this.#view.getInt32(offset))) | 0;
    }
    if (records === 0) return false;
    this.#commit(
      TAKE_SIDE,
      tail,
      (words[TAKE_SIDE + COUNTER] + records) | 0,
      (words[TAKE_SIDE + DISCARDED] + records) | 0,
    );
    return true;
  }

  /** The capacity, with the views brought up to date; called holding a mutex. */
  #sync(): number {
    const capacity = this.#words[CAPACITY];
    if (capacity !== this.#capacity) {
      this.#capacity = capacity;
      this.#bytes = new Uint8Array(this.#buffer, 0, capacity);
      this.#view = new DataView(this.#buffer, 0, capacity);
    }
    return capacity;
  }

  /** The position of the record at `head`, past a padding record if one is there. */
  #skipPadding(head: number, capacity: number): number {
    const offset = head & (capacity - 1);
    if (this.#bytes[offset + 4] !== PADDING) return head;
    return (head + recordSize(this.#view.getInt32(offset))) | 0;
  }

  /**
   * Grows the buffer (the caller holds the put mutex) to hold at least `needed` bytes of
   * records; false if the take mutex stays busy or the buffer is at its largest.
   */
  #grow(needed: number): boolean {
    const words = this.#words;
    const capacity = words[CAPACITY];
    const largest = this.#buffer.maxByteLength;
    if (capacity >= largest || !this.#lock(TAKE_SIDE)) return false;
    try {
      let next = capacity * 2;
      while (next < needed && next < largest) next *= 2;
      if (this.#buffer.byteLength < next) this.#buffer.grow(next);
      // Records live in [head, tail), at most `capacity` bytes, split where a multiple of the
      // old capacity falls inside; each part moves to where the new capacity maps it.
      const head = words[TAKE_SIDE + POSITION];
      const tail = words[PUT_SIDE + POSITION];
      const boundary = (head - (head & (capacity - 1)) + capacity) | 0;
      const split = ((tail - boundary) | 0) > 0 ? boundary : tail;
      const grown = new Uint8Array(this.#buffer, 0, next);
      this.#move(grown, head, split, capacity);
      this.#move(grown, split, tail, capacity);
      haltIfReaped();
      Atomics.store(words, CAPACITY, next);
      return true;
    } finally {
      this.#unlock(TAKE_SIDE, false);
    }
  }

  /**
   * Copies the bytes of positions [from, to), within one block of the old `capacity`, to where
   * the grown buffer's capacity places them.
   */
  #move(grown: Uint8Array, from: number, to: number, capacity: number): void {
    const length = (to - from) | 0;
    const source = from & (capacity - 1);
    const target = from & (grown.length - 1);
    if (length > 0 && source !== target) grown.copyWithin(target, source, source + length);
  }

  /**
   * Critical sections are a copy and a few stores: spin through them rather than sleep. Each
   * side of a one-to-one ring has a single user, who needs no mutex.
   */
  #lock(side: number): boolean {
    haltIfReaped();
    if (this.#oneToOne) return true;
    const pid = threadPid;
    for (let attempt = 0; attempt < MUTEX_SPINS; attempt++) {
      if (Atomics.compareExchange(this.#words, side + MUTEX, 0, pid) === 0) return true;
    }
    return false;
  }

  /** Wakes waiters only after a change: a failed attempt must not look like progress. */
  #unlock(side: number, changed: boolean): void {
    if (this.#oneToOne) {
      // A put is seen, and its waiters woken, at publish().
      if (changed && side === TAKE_SIDE) wake(this.#words);
      return;
    }
    Atomics.store(this.#words, side + MUTEX, 0);
    if (changed) wake(this.#words);
  }

  #copy(payload: Uint8Array, length: number, offset: number): void {
    // A few bytes of a longer array (an encoder's scratch) are copied faster one by one than
    // through a subarray made for them; a whole array, faster by `set` from 8 bytes up.
    if (length <= 64 && (length !== payload.length || length < 8)) {
      for (let index = 0; index < length; index++) this.#bytes[offset + index] = payload[index];
    } else if (
      length >= STAGED_COPY_BYTES && (payload.byteOffset & (ALIGNMENT - 1)) !== 0 &&
      !(payload.buffer instanceof SharedArrayBuffer)
    ) {
      copyStaged(this.#bytes, offset, payload, length);
    } else {
      this.#bytes.set(length === payload.length ? payload : payload.subarray(0, length), offset);
    }
  }

  /** Commits the take of the record at `head` with a payload of `length` bytes. */
  #commitTake(head: number, length: number): void {
    this.#commit(
      TAKE_SIDE,
      (head + recordSize(length)) | 0,
      (this.#words[TAKE_SIDE + COUNTER] + 1) | 0,
    );
  }

  /**
   * Journals the side's next position and counter (and discarded count), then applies them. A
   * one-to-one ring keeps a put's until {@linkcode Ring.prototype.publish} and applies a take's at
   * once: its side's only user, killed between the two stores, leaves a record counted but not
   * yet visible (or taken but still counted), and the peer, whose session with it then ends,
   * never looks again; there is nothing to repair.
   */
  #commit(side: number, position: number, counter: number, discarded?: number): void {
    haltIfReaped();
    const words = this.#words;
    if (this.#oneToOne && side === PUT_SIDE) {
      this.#tail = position;
      this.#puts = counter;
      return;
    }
    if (this.#oneToOne) {
      Atomics.store(words, side + COUNTER, counter);
      Atomics.store(words, side + POSITION, position);
      return;
    }
    words[side + JOURNAL_POSITION] = position;
    words[side + JOURNAL_COUNTER] = counter;
    if (discarded === undefined) {
      Atomics.store(words, side + JOURNAL_VALID, JOURNALED);
    } else {
      words[side + JOURNAL_DISCARDED] = discarded;
      Atomics.store(words, side + JOURNAL_VALID, JOURNALED_WITH_DISCARDED);
    }
    this.#apply(side);
  }

  /**
   * Counter first: an item is counted before it can be taken, and uncounted before its room
   * can be reused.
   */
  #apply(side: number): void {
    const words = this.#words;
    if (words[side + JOURNAL_VALID] === JOURNALED_WITH_DISCARDED) {
      Atomics.store(words, side + DISCARDED, words[side + JOURNAL_DISCARDED]);
    }
    Atomics.store(words, side + COUNTER, words[side + JOURNAL_COUNTER]);
    Atomics.store(words, side + POSITION, words[side + JOURNAL_POSITION]);
    Atomics.store(words, side + JOURNAL_VALID, 0);
  }
}
