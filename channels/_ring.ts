/**
 * A byte ring in shared memory: length-prefixed records between a head and a tail, guarded by
 * a mutex word holding the pid of the actor inside. Every change is written to a journal first
 * (new head, tail, count and used bytes), marked valid, then applied; the
 * repair hook re-applies a valid journal of a dead holder (applying is idempotent) and frees
 * the mutex. So an actor killed mid-put or mid-get leaves the ring either before or after its
 * operation, never torn: no completed put is lost and no item is delivered twice.
 *
 * @module
 */
import { FIRST_STATE_WORD, sharedWords, wake } from "../actors/_futex.ts";
import { runtime } from "../actors/_runtime.ts";

const MUTEX = FIRST_STATE_WORD;
const CLOSED = FIRST_STATE_WORD + 1;
const MAXSIZE = FIRST_STATE_WORD + 2;
/** Items put and not yet marked done; counted atomically outside the journal. */
const UNFINISHED = FIRST_STATE_WORD + 3;
/** head, tail, count, used: the state, then its journal copy. */
const FIELDS = 4;
const STATE = FIRST_STATE_WORD + 4;
const JOURNAL_VALID = STATE + FIELDS;
const JOURNAL = JOURNAL_VALID + 1;
const WORDS = JOURNAL + FIELDS;
const HEAD = 0;
const TAIL = 1;
const COUNT = 2;
const USED = 3;
const WRAP = 0xffffffff;
const MUTEX_SPINS = 1000;
const HEADER = 4;

/**
 * The shared memory of a ring: control words and the data bytes.
 *
 * @ignore Internal: not part of the public API.
 */
export interface RingState {
  words: Int32Array;
  bytes: Uint8Array;
}

/** Allocates a ring of `capacity` data bytes for at most `maxsize` items (0: unbounded). */
export function newRing(capacity: number, maxsize: number): RingState {
  const words = sharedWords(WORDS);
  words[MAXSIZE] = maxsize;
  return { words, bytes: new Uint8Array(new SharedArrayBuffer(capacity)) };
}

type Fields = [head: number, tail: number, count: number, used: number];

/** Operations on a ring's shared state; cheap to create in any actor. */
export class Ring {
  readonly state: RingState;
  readonly #view: DataView;
  #changed = false;

  constructor(state: RingState) {
    this.state = state;
    this.#view = new DataView(state.bytes.buffer);
  }

  /** Items in the ring. */
  get count(): number {
    return Atomics.load(this.state.words, STATE + COUNT);
  }

  /** Items put and not yet marked done with `taskDone()`. */
  get unfinished(): number {
    return Atomics.load(this.state.words, UNFINISHED);
  }

  /** The most items it holds, 0 for no limit. */
  get maxsize(): number {
    return this.state.words[MAXSIZE];
  }

  get closed(): boolean {
    return Atomics.load(this.state.words, CLOSED) === 1;
  }

  /** Closes the ring for everyone and wakes every waiter. */
  close(): void {
    Atomics.store(this.state.words, CLOSED, 1);
    wake(this.state.words);
  }

  /** Whether a record of `length` bytes can never fit. */
  tooLarge(length: number): boolean {
    return HEADER + length > this.state.bytes.length / 2;
  }

  /** Appends a record; false when the mutex is busy or there is no room (count or bytes). */
  tryPut(record: Uint8Array): boolean {
    if (!this.#lock()) return false;
    try {
      const [head, tail, count, used] = this.#fields();
      const maxsize = this.maxsize;
      const capacity = this.state.bytes.length;
      const size = HEADER + record.length;
      if (maxsize > 0 && count >= maxsize) return false;
      const wraps = tail + size > capacity;
      const start = wraps ? 0 : tail;
      const wasted = wraps ? capacity - tail : 0;
      if (used + wasted + size > capacity) return false;
      if (wraps && capacity - tail >= HEADER) this.#view.setUint32(tail, WRAP);
      this.#view.setUint32(start, record.length);
      this.state.bytes.set(record, start + HEADER);
      this.#commit([head, start + size, count + 1, used + wasted + size]);
      Atomics.add(this.state.words, UNFINISHED, 1);
      return true;
    } finally {
      this.#unlock();
    }
  }

  /** Removes the oldest record; null when the mutex is busy or the ring is empty. */
  tryTake(): Uint8Array | null {
    if (!this.#lock()) return null;
    try {
      const [head, tail, count, used] = this.#fields();
      if (count === 0) return null;
      const capacity = this.state.bytes.length;
      let start = head;
      let skipped = 0;
      if (capacity - head < HEADER || this.#view.getUint32(head) === WRAP) {
        skipped = capacity - head;
        start = 0;
      }
      const length = this.#view.getUint32(start);
      const record = this.state.bytes.slice(start + HEADER, start + HEADER + length);
      const nextHead = count === 1 ? tail : start + HEADER + length;
      const nextUsed = count === 1 ? 0 : used - skipped - HEADER - length;
      this.#commit(count === 1 ? [tail, tail, 0, 0] : [nextHead, tail, count - 1, nextUsed]);
      return record;
    } finally {
      this.#unlock();
    }
  }

  /** Marks one task done; false if none was unfinished. */
  taskDone(): boolean {
    const words = this.state.words;
    while (true) {
      const unfinished = Atomics.load(words, UNFINISHED);
      if (unfinished === 0) return false;
      if (Atomics.compareExchange(words, UNFINISHED, unfinished, unfinished - 1) === unfinished) {
        if (unfinished === 1) wake(words);
        return true;
      }
    }
  }

  /** Finishes the operation of a dead mutex holder, then frees the mutex. */
  repair(isDead: (pid: number) => boolean): void {
    const words = this.state.words;
    const holder = Atomics.load(words, MUTEX);
    if (holder <= 0 || !isDead(holder)) return;
    if (Atomics.load(words, JOURNAL_VALID) === 1) this.#apply();
    if (Atomics.compareExchange(words, MUTEX, holder, 0) === holder) wake(words);
  }

  /** Critical sections are a copy and a few stores: spin through them rather than sleep. */
  #lock(): boolean {
    runtime.haltIfReaped();
    for (let attempt = 0; attempt < MUTEX_SPINS; attempt++) {
      if (Atomics.compareExchange(this.state.words, MUTEX, 0, runtime.pid) === 0) return true;
    }
    return false;
  }

  /** Wakes waiters only after a change: a failed attempt must not look like progress. */
  #unlock(): void {
    Atomics.store(this.state.words, MUTEX, 0);
    if (this.#changed) wake(this.state.words);
    this.#changed = false;
  }

  #fields(): Fields {
    const words = this.state.words;
    return [
      words[STATE + HEAD],
      words[STATE + TAIL],
      words[STATE + COUNT],
      words[STATE + USED],
    ];
  }

  #commit(fields: Fields): void {
    runtime.haltIfReaped();
    const words = this.state.words;
    for (let field = 0; field < FIELDS; field++) {
      Atomics.store(words, JOURNAL + field, fields[field]);
    }
    Atomics.store(words, JOURNAL_VALID, 1);
    this.#apply();
    this.#changed = true;
  }

  #apply(): void {
    const words = this.state.words;
    for (let field = 0; field < FIELDS; field++) {
      Atomics.store(words, STATE + field, Atomics.load(words, JOURNAL + field));
    }
    Atomics.store(words, JOURNAL_VALID, 0);
  }
}
