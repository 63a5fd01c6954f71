/**
 * The shared memory between a manager and a client actor of the same program: one channel per
 * client actor, holding control words, a ring of requests (client -> manager) and a ring of
 * replies (manager -> client). Both are `_shm/ring.ts`'s rings, each of them written by one
 * side and read by the other: a frame is one BYTES record (the frame's payload; the record says
 * its length), published whole when its put commits, so a consumer never sees a torn frame. An
 * actor killed at any instruction leaves a ring as it was before or after its last put, once
 * the ring is repaired (`Ring.repair`): that is how a dead client's last requests are
 * finished or dropped. A ring starts at {@linkcode RING_BYTES} and grows only for a frame too
 * large for it, up to what the largest frame needs; frames that find no room wait in their
 * producer's backlog.
 *
 * Nobody is woken while the other side is awake: a waiting side spins briefly on the other's
 * words (a `Futex` with an adaptive spin), then says that it sleeps in a word the
 * other side reads after it puts, and only then is notified: {@linkcode CLIENT_FUTEX} and
 * {@linkcode MANAGER_FUTEX} are where.
 *
 * @module
 */
import { MessageChannel } from "node:worker_threads";
import type { FutexLayout } from "../../_shm/futex.ts";
import { BYTES } from "../../_shm/codec.ts";
import { FRAME_HEADER, FrameError } from "../../_shm/frames.ts";
import {
  isRingState,
  MAX_PAYLOAD_BYTES,
  maxBytesFor,
  newRing,
  NOTHING,
  Ring,
  type RingSize,
  type RingState,
} from "../../_shm/ring.ts";

/** The first bytes of each ring: what a channel holds until a frame needs more. */
export const RING_BYTES = 1 << 16;
/** The largest frame payload a channel carries: one record of a ring at its largest. */
export const MAX_FRAME_BYTES = MAX_PAYLOAD_BYTES;

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
 * Bumped and notified by a client when the manager should look: requests published while it
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

/** A channel's memory: plain data and shared memory, so it crosses to the manager's actor. */
export interface Channel {
  /** The control words. */
  words: Int32Array;
  /** The requests, client -> manager. */
  requests: RingState;
  /** The replies, manager -> client. */
  replies: RingState;
}

/**
 * The size of a channel's rings for a manager whose frames hold up to `maxFrameBytes`. A
 * growable buffer reserves its largest size as address space: twice the largest frame, the
 * least that takes it.
 */
function ringSize(maxFrameBytes: number): RingSize {
  return { initialBytes: RING_BYTES, maxBytes: Math.max(RING_BYTES, maxBytesFor(maxFrameBytes)) };
}

/** A new channel, for a manager whose frames hold up to `maxFrameBytes`. */
export function newChannel(maxFrameBytes: number): Channel {
  const size = ringSize(maxFrameBytes);
  return {
    words: new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT)),
    requests: newRing(size, 0),
    replies: newRing(size, 0),
  };
}

/** Whether `value` looks like a channel {@linkcode newChannel} made for `maxFrameBytes`. */
export function isChannel(value: unknown, maxFrameBytes: number): value is Channel {
  if (typeof value !== "object" || value === null) return false;
  const { words, requests, replies } = value as Partial<Channel>;
  const size = ringSize(maxFrameBytes);
  return words instanceof Int32Array && words.buffer instanceof SharedArrayBuffer &&
    words.length === CONTROL_WORDS && isRingState(requests, size) && isRingState(replies, size);
}

/**
 * The next frame's payload in `ring`, or null when there is none (or the take mutex is busy).
 *
 * @throws {FrameError} If the record does not hold bytes.
 */
export function takeFrame(ring: Ring): Uint8Array | null {
  const payload = ring.tryTake();
  if (payload === NOTHING) return null;
  if (!(payload instanceof Uint8Array)) {
    throw new FrameError("Cannot read a manager frame: the record does not hold bytes");
  }
  return payload;
}

/**
 * The producing side of one of a channel's rings: each frame goes in whole, at once if there
 * is room, else it waits, in order, behind the frames already waiting.
 */
export class Outbox {
  readonly #ring: Ring;
  #waiting: Uint8Array[] = [];
  /** The records in the ring when a put last failed. */
  #blockedAt = 0;

  constructor(state: RingState) {
    this.#ring = new Ring(state);
  }

  /** Whether frames wait for room. */
  get waiting(): boolean {
    return this.#waiting.length > 0;
  }

  /**
   * Whether frames wait and a put may succeed now: once the consumer took records. A ring that
   * was empty refused only because its growth found the consumer inside a take, which lasts a
   * moment: try again.
   */
  get mayMove(): boolean {
    if (this.#waiting.length === 0) return false;
    const count = this.#ring.count;
    return count < this.#blockedAt || count === 0;
  }

  /**
   * Puts `frame`'s payload into the ring, or keeps a copy (`frame` may be a view that is
   * reused) until {@linkcode Outbox.prototype.move} finds room; true if it went in.
   */
  put(frame: Uint8Array): boolean {
    const payload = frame.subarray(FRAME_HEADER);
    if (this.#waiting.length === 0 && this.#tryPut(payload)) return true;
    this.#waiting.push(payload.slice());
    return false;
  }

  /** Moves waiting frames into the ring as room allows; returns the bytes it moved. */
  move(): number {
    let moved = 0;
    while (this.#waiting.length > 0 && this.#tryPut(this.#waiting[0])) {
      moved += this.#waiting.shift()!.length;
    }
    return moved;
  }

  /** Forgets the waiting frames. */
  clear(): void {
    this.#waiting = [];
  }

  /**
   * A ring grows only for a record too large for it: a run of frames waits here rather than
   * growing it for good.
   */
  #tryPut(payload: Uint8Array): boolean {
    const count = this.#ring.count;
    if (this.#ring.tryPut(BYTES, payload, payload.length, false)) return true;
    this.#blockedAt = count;
    return false;
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
