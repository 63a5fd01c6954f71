/**
 * The shared memory between a manager and a client actor of the same program: one channel per
 * client actor, holding a ring of request bytes (client -> manager) and a ring of reply bytes
 * (manager -> client), each a single-producer single-consumer byte stream of the same
 * length-prefixed frames a TCP connection carries. Positions only grow (modulo 2^32); a producer
 * copies bytes in, then publishes them with one store of its tail, so a consumer never sees a
 * torn frame, and an actor killed at any instruction leaves the ring as it was before or after
 * its last publish. A frame longer than the free space goes in pieces, and the consumer puts it
 * back together, so any frame up to the connection's limit passes.
 *
 * Nobody is woken while the other side is awake: a waiting side spins briefly on the other's
 * words (a `Futex` with an adaptive spin), then says that it sleeps in a word the
 * other side reads after each publish, and only then is notified: {@linkcode CLIENT_FUTEX} and
 * {@linkcode MANAGER_FUTEX} are where.
 *
 * @module
 */
import { MessageChannel } from "node:worker_threads";
import { FrameCutter } from "../../_shm/frames.ts";
import type { FutexLayout } from "../../_shm/futex.ts";

/** The bytes of each ring; a power of two. */
export const RING_BYTES = 1 << 16;

// Channel words. The client writes the first cache line, the manager the second.
/** Request bytes the client has published. */
export const REQUEST_TAIL = 0;
/** Reply bytes the client has consumed. */
export const REPLY_HEAD = 1;
/** The count of the client's waits sleeping on `SIGNAL`. */
export const CLIENT_SLEEPING = 2;
/** Set by the client once it uses the channel no more. */
export const CLIENT_CLOSED = 3;
/** Request bytes the manager has consumed. */
export const REQUEST_HEAD = 16;
/** Reply bytes the manager has published. */
export const REPLY_TAIL = 17;
/**
 * Bumped and notified by the manager, while the client sleeps, when the client may have
 * something to do (replies, room for requests, the channel closed).
 */
export const SIGNAL = 18;
/** Set by the manager once it serves the channel no more: `CLOSED_*`. */
export const CLOSED = 19;
/** Set by the manager while replies wait for room in the reply ring. */
export const MANAGER_WANTS_ROOM = 20;
const CONTROL_WORDS = 32;
const CONTROL_BYTES = CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT;

/** `CLOSED` values. */
export const OPEN = 0;
/** The manager was shut down. */
export const CLOSED_SHUTDOWN = 1;
/** The manager refused the channel's traffic (a malformed frame). */
export const CLOSED_REFUSED = 2;

// Hub words: one set per manager, shared by every client.
/**
 * Bumped and notified by a client when the manager should look: requests published while it
 * sleeps (an awake manager finds them in the channels' tails), a new or closed channel, room
 * freed that the manager waits for.
 */
export const BELL = 0;
/** The count of the manager's waits sleeping on `BELL`. */
export const MANAGER_SLEEPING = 1;
/** Set once the manager serves no more. */
export const STOPPED = 2;
/** The words of a hub. */
export const HUB_WORDS = 4;

/** The futex a client sleeps on, in its channel's words: the manager wakes it. */
export const CLIENT_FUTEX: FutexLayout = { sequence: SIGNAL, sleepers: CLIENT_SLEEPING };
/** The futex the manager sleeps on, in the hub's words: clients wake it. */
export const MANAGER_FUTEX: FutexLayout = { sequence: BELL, sleepers: MANAGER_SLEEPING };

/** A channel's memory: the control words, then the request ring, then the reply ring. */
export function newChannel(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + 2 * RING_BYTES);
}

/** The control words of a channel. */
export function channelWords(channel: SharedArrayBuffer): Int32Array {
  return new Int32Array(channel, 0, CONTROL_WORDS);
}

/** The request ring's bytes of a channel. */
export function requestBytes(channel: SharedArrayBuffer): Uint8Array {
  return new Uint8Array(channel, CONTROL_BYTES, RING_BYTES);
}

/** The reply ring's bytes of a channel. */
export function replyBytes(channel: SharedArrayBuffer): Uint8Array {
  return new Uint8Array(channel, CONTROL_BYTES + RING_BYTES, RING_BYTES);
}

const MASK = RING_BYTES - 1;

/** Whether `value` looks like a channel this module made. */
export function isChannel(value: unknown): value is SharedArrayBuffer {
  return value instanceof SharedArrayBuffer && value.byteLength === CONTROL_BYTES + 2 * RING_BYTES;
}

/** The producing side of a ring. */
export class RingWriter {
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #tailWord: number;
  readonly #headWord: number;
  #tail: number;

  constructor(words: Int32Array, bytes: Uint8Array, tailWord: number, headWord: number) {
    this.#words = words;
    this.#bytes = bytes;
    this.#tailWord = tailWord;
    this.#headWord = headWord;
    this.#tail = Atomics.load(words, tailWord);
  }

  /** The bytes that fit now. */
  room(): number {
    return RING_BYTES - ((this.#tail - Atomics.load(this.#words, this.#headWord)) | 0);
  }

  /**
   * Copies as much of `source[from..]` as fits, unpublished; returns how many bytes it copied.
   */
  write(source: Uint8Array, from = 0): number {
    const count = Math.min(source.length - from, this.room());
    if (count <= 0) return 0;
    const at = this.#tail & MASK;
    const first = Math.min(count, RING_BYTES - at);
    this.#bytes.set(
      first === source.length ? source : source.subarray(from, from + first),
      at,
    );
    if (first < count) this.#bytes.set(source.subarray(from + first, from + count), 0);
    this.#tail = (this.#tail + count) | 0;
    return count;
  }

  /** Whether bytes were written since the last publish. */
  get unpublished(): boolean {
    return this.#tail !== Atomics.load(this.#words, this.#tailWord);
  }

  /** Makes what was written visible to the consumer; returns how many bytes that was. */
  publish(): number {
    const published = (this.#tail - Atomics.load(this.#words, this.#tailWord)) | 0;
    Atomics.store(this.#words, this.#tailWord, this.#tail);
    return published;
  }
}

/** The consuming side of a ring: cuts the byte stream back into frames. */
export class RingReader {
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #tailWord: number;
  readonly #headWord: number;
  readonly #cutter: FrameCutter;
  #head: number;

  constructor(
    words: Int32Array,
    bytes: Uint8Array,
    tailWord: number,
    headWord: number,
    maxBytes: number,
  ) {
    this.#words = words;
    this.#bytes = bytes;
    this.#tailWord = tailWord;
    this.#headWord = headWord;
    this.#head = Atomics.load(words, headWord);
    this.#cutter = new FrameCutter(maxBytes);
  }

  /** Whether published bytes wait to be read. */
  get readable(): boolean {
    return Atomics.load(this.#words, this.#tailWord) !== this.#head;
  }

  /** Whether bytes were read since the last {@linkcode RingReader.prototype.release}. */
  get unreleased(): boolean {
    return this.#head !== Atomics.load(this.#words, this.#headWord);
  }

  /**
   * The next whole frame's payload, or null when none is complete yet. The published bytes are
   * cut where they lie, in two pieces when they wrap around the end of the ring.
   *
   * @throws {FrameError} If a frame announces more than the limit.
   */
  next(): Uint8Array | null {
    const tail = Atomics.load(this.#words, this.#tailWord);
    while (tail !== this.#head) {
      const at = this.#head & MASK;
      const end = Math.min(at + ((tail - this.#head) | 0), RING_BYTES);
      const payload = this.#cutter.cut(this.#bytes, at, end);
      this.#head = (this.#head + this.#cutter.taken) | 0;
      if (payload !== null) return payload;
    }
    return null;
  }

  /** Gives the bytes read so far back to the producer. */
  release(): void {
    Atomics.store(this.#words, this.#headWord, this.#head);
  }
}

/**
 * Lets the event loop run (timers, I/O, mail) and comes back as soon as it has: a message to
 * itself, about 20 us, where `setTimeout(0)` takes a millisecond or more. Its port keeps the
 * program alive only while a turn is in flight.
 */
class Yielder {
  readonly #channel = new MessageChannel();
  #waiting: (() => void)[] = [];

  constructor() {
    this.#channel.port2.on("message", () => {
      this.#channel.port2.unref();
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const resume of waiting) resume();
    });
    this.#channel.port2.unref();
  }

  turn(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#waiting.push(resolve) > 1) return;
      this.#channel.port2.ref();
      this.#channel.port1.postMessage(null);
    });
  }
}

let yielder: Yielder | null = null;
let lastTurn = performance.now();

/** How long a thread may go on without letting its event loop run. */
const YIELD_AFTER_MS = 2;

/**
 * Whether this thread has kept its event loop waiting for long: work that completes promises
 * one after another (a reply spun for, then the next call) never lets timers, I/O and mail in
 * by itself.
 */
export function turnDue(): boolean {
  return performance.now() - lastTurn >= YIELD_AFTER_MS;
}

/** Notes that the event loop has just run (after a sleep). */
export function turned(): void {
  lastTurn = performance.now();
}

/** Resolves once the event loop of this thread has had a turn. */
export async function eventLoopTurn(): Promise<void> {
  yielder ??= new Yielder();
  await yielder.turn();
  lastTurn = performance.now();
}
