/**
 * The shared memory between a manager and a client actor of the same program: one channel per
 * client actor, holding a ring of requests (client -> manager) and a ring of replies
 * (manager -> client). Both are the channels' {@linkcode Ring}, made for one producer and one
 * consumer (no mutex, no journal), and carry the byte stream a TCP connection carries: length-prefixed frames, a
 * frame in one bytes record, or in pieces when it is long, which the consumer's
 * {@linkcode FrameCutter} puts back together (so any frame up to the connection's limit passes
 * through rings of a fixed size). A record becomes visible whole, with one store of the ring's
 * tail at a publish, so an actor killed at any instruction leaves the ring as it was before or
 * after its last publish, and a frame it did not finish is never handed on.
 *
 * Nobody is woken while the other side is awake: a waiting side spins briefly on the other's
 * words (a `Futex` with an adaptive spin), then says that it sleeps in a word the
 * other side reads after it puts or takes, and only then is notified: {@linkcode CLIENT_FUTEX}
 * and {@linkcode MANAGER_FUTEX} are where.
 *
 * @module
 */
import { MessageChannel } from "node:worker_threads";
import { FrameCutter, FrameError } from "../../_shm/frames.ts";
import type { FutexLayout } from "../../_shm/futex.ts";
import { sharedWords } from "../../_shm/futex.ts";
import { BYTES } from "../../_shm/codec.ts";
import { Ring, type RingState } from "../../_shm/ring.ts";
import { isRingState, newRing } from "../../_shm/ring_memory.ts";

/** The bytes of each ring: fixed, a power of two. */
export const RING_BYTES = 1 << 16;
/**
 * The longest piece of a frame in one record: a quarter of the ring, so that a long frame
 * streams while the other side takes its first pieces.
 */
const PIECE_BYTES = RING_BYTES / 4;

// Channel words. The client writes the first cache line, the manager the second.
/** The count of the client's waits sleeping on `SIGNAL`. */
export const CLIENT_SLEEPING = 0;
/** Set by the client once it uses the channel no more. */
export const CLIENT_CLOSED = 1;
/**
 * Bumped and notified by the manager, while the client sleeps, when the client may have
 * something to do (replies, room for requests, the channel closed).
 */
export const SIGNAL = 16;
/** Set by the manager once it serves the channel no more: `CLOSED_*`. */
export const CLOSED = 17;
/** Set by the manager while replies wait for room in the reply ring. */
export const MANAGER_WANTS_ROOM = 18;
const CONTROL_WORDS = 32;

/** `CLOSED` values. */
export const OPEN = 0;
/** The manager was shut down. */
export const CLOSED_SHUTDOWN = 1;
/** The manager refused the channel's traffic (a malformed frame). */
export const CLOSED_REFUSED = 2;

// Hub words: one set per manager, shared by every client.
/**
 * Bumped and notified by a client when the manager should look: requests put while it
 * sleeps (an awake manager finds them in the channels' rings), a new or closed channel, room
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

/** A channel's memory: its control words and its two rings. */
export interface Channel {
  words: Int32Array;
  requests: RingState;
  replies: RingState;
}

/** A new channel. */
export function newChannel(): Channel {
  const size = { initialBytes: RING_BYTES, maxBytes: RING_BYTES };
  return {
    words: sharedWords(CONTROL_WORDS),
    requests: newRing(size, 0, true),
    replies: newRing(size, 0, true),
  };
}

/** Whether `value` looks like a channel this module made. */
export function isChannel(value: unknown): value is Channel {
  if (typeof value !== "object" || value === null) return false;
  const { words, requests, replies } = value as Partial<Channel>;
  return words instanceof Int32Array && words.buffer instanceof SharedArrayBuffer &&
    words.length === CONTROL_WORDS && isRingState(requests) && isRingState(replies) &&
    requests.buffer.maxByteLength === RING_BYTES && replies.buffer.maxByteLength === RING_BYTES;
}

/**
 * The producing side of a channel's ring: puts frames in, in pieces when they are long, and
 * keeps what does not fit yet, in order, until {@linkcode RingFrameWriter.prototype.flush} finds
 * room. What it puts in is seen at {@linkcode RingFrameWriter.prototype.publish}, so that the
 * replies to one pass of the manager reach the client together.
 */
export class RingFrameWriter {
  readonly #ring: Ring;
  /** Frames, or the rest of one, waiting for room. */
  #backlog: Uint8Array[] = [];
  #backlogOffset = 0;
  /** The ring's head before the put that last found no room. */
  #blockedAt: number | undefined = undefined;

  constructor(state: RingState) {
    this.#ring = new Ring(state);
  }

  /** Whether frames wait for room. */
  get pending(): boolean {
    return this.#backlog.length > 0;
  }

  /**
   * Whether the backlog may move now: the reader took something since a put last found no
   * room (the ring's head, read before that put, has moved), so a wait for room wakes on it.
   */
  get canFlush(): boolean {
    return this.#backlog.length > 0 && this.#ring.head !== this.#blockedAt;
  }

  /**
   * Puts `frame` in, after the backlog, as far as it fits; keeps the rest (a copy: `frame` may
   * be reused once this returns).
   */
  write(frame: Uint8Array): void {
    if (this.#backlog.length > 0) return void this.#backlog.push(frame.slice());
    const put = this.#put(frame, 0);
    if (put < frame.length) this.#backlog.push(frame.slice(put));
  }

  /** Moves backlog into the ring as room allows; true if it moved any. */
  flush(): boolean {
    let moved = false;
    while (this.#backlog.length > 0) {
      const frame = this.#backlog[0];
      const put = this.#put(frame, this.#backlogOffset);
      if (put > this.#backlogOffset) moved = true;
      this.#backlogOffset = put;
      if (put < frame.length) break;
      this.#backlog.shift();
      this.#backlogOffset = 0;
    }
    return moved;
  }

  /** Forgets the backlog (the channel closed). */
  clear(): void {
    this.#backlog = [];
    this.#backlogOffset = 0;
  }

  /**
   * Makes what was put in since the last publish visible to the reader, at once; returns how
   * many bytes that was.
   */
  publish(): number {
    return this.#ring.publish();
  }

  /** Puts pieces of `frame` from `from` while they fit; returns where it stopped. */
  #put(frame: Uint8Array, from: number): number {
    let at = from;
    while (at < frame.length) {
      const length = Math.min(PIECE_BYTES, frame.length - at);
      const piece = at === 0 && length === frame.length ? frame : frame.subarray(at, at + length);
      const head = this.#ring.head;
      if (!this.#ring.tryPut(BYTES, piece, length, false)) {
        this.#blockedAt = head;
        break;
      }
      at += length;
    }
    return at;
  }
}

/** The consuming side of a channel's ring: cuts its byte stream back into frames. */
export class RingFrameReader {
  readonly #ring: Ring;
  readonly #cutter: FrameCutter;
  #payload: Uint8Array | null = null;
  #took = false;

  constructor(state: RingState, maxBytes: number) {
    this.#ring = new Ring(state);
    this.#cutter = new FrameCutter(maxBytes);
  }

  /** Whether records wait to be read. */
  get readable(): boolean {
    return !this.#ring.empty;
  }

  /**
   * The next whole frame's payload, or null when none is complete yet.
   *
   * @throws {FrameError} If a frame announces more than the limit, or a record is not bytes.
   */
  next(): Uint8Array | null {
    while (this.#ring.tryTakeRaw(this.#cut)) {
      this.#took = true;
      const payload = this.#payload;
      if (payload !== null) {
        this.#payload = null;
        return payload;
      }
    }
    return null;
  }

  /** Whether records were taken (room made) since the last call. */
  takeFreed(): boolean {
    const took = this.#took;
    this.#took = false;
    return took;
  }

  /** A record holds one frame, or a piece of one: never the end of one and the next. */
  readonly #cut = (tag: number, bytes: Uint8Array, from: number, to: number): void => {
    if (tag !== BYTES) throw new FrameError(`Cannot read a manager frame: a record of tag ${tag}`);
    const payload = this.#cutter.cut(bytes, from, to);
    if (this.#cutter.taken !== to - from) {
      throw new FrameError("Cannot read a manager frame: a record holds more than one frame");
    }
    this.#payload = payload;
  };
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
