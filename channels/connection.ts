import { CHANNEL_SPIN, waitUntil, waitUntilSync, wake } from "../actors/_shm/futex.ts";
import { describeHandle, type HandleDescription, repairHandle } from "../actors/_kernel/handles.ts";
import { runtime } from "../actors/_kernel/runtime.ts";
import { registerSharedKind, type Revival, SharedHandle } from "../actors/_kernel/shared_handle.ts";
import { checkInteger, checkWaitOptions, describeValue } from "../actors/_shm/time.ts";
import type { WaitOptions } from "../actors/wait_options.ts";
import { BYTES, encode } from "../actors/_shm/codec.ts";
import { type ConnectionState, HOLDER_SLOTS, NewPipeEnd } from "./_pipe_state.ts";
import { NOTHING, Ring } from "../actors/_shm/ring.ts";
import { Turns } from "./_wait.ts";
import { BufferTooShort, ChannelClosedError, EOFError, Full } from "./errors.ts";

/**
 * How long a send on the main thread retries for room before it grows the buffer instead: at
 * least {@linkcode MAIN_THREAD_SPIN_MS}, and {@linkcode MAIN_THREAD_SPIN_MS_PER_MIB} per MiB
 * the buffer has (which a growth doubles), up to {@linkcode MAIN_THREAD_MAX_SPIN_MS}.
 */
const MAIN_THREAD_SPIN_MS = 1;
/**
 * About what a growth costs per MiB it adds: the new memory takes page faults when it is first
 * written (0.3 ms per MiB here, on top of 0.15 ms for the copy), and a buffer larger than the
 * cache sends every later message through main memory. Waiting for the reader up to what
 * growing would cost, then growing (the ski-rental rule), costs at most about twice the
 * better choice; it keeps a reader's brief stalls (a few ms when its thread is descheduled) from
 * growing a fast stream's buffer to many MiB, while a buffer nobody drains still grows.
 */
const MAIN_THREAD_SPIN_MS_PER_MIB = 0.5;
const MAIN_THREAD_MAX_SPIN_MS = 8;

/** @ignore Internal: not part of the public API. */
type State = ConnectionState;

/** What `sendBytes` and `recvBytesInto` take: any buffer, as Python's bytes-like objects. */
export type BytesLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

/**
 * The bytes of `data` as a Uint8Array over the same memory (`data` itself when it is one).
 *
 * @throws {TypeError} If `data` is not a buffer or a view of one, or its buffer was detached.
 */
function bytesOf(data: unknown, action: string, name: string): Uint8Array {
  const view = ArrayBuffer.isView(data);
  if (!view && !(data instanceof ArrayBuffer || data instanceof SharedArrayBuffer)) {
    throw new TypeError(
      `Cannot ${action}: ${name} must be an ArrayBuffer, a SharedArrayBuffer or a view of one ` +
        `(a typed array or a DataView), got ${describeValue(data)}`,
    );
  }
  const buffer = view ? data.buffer : data;
  if ((buffer as ArrayBuffer).detached === true) {
    throw new TypeError(`Cannot ${action}: the buffer of ${name} was detached (transferred)`);
  }
  if (data instanceof Uint8Array) return data;
  return view
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(buffer);
}

/**
 * One end of a {@linkcode Pipe}, as Python's `multiprocessing.connection.Connection`: `send`
 * and `recv` objects, `sendBytes` and `recvBytes` raw bytes, `poll` for data. Messages go
 * through shared memory, in order. Every actor that holds a copy of an end (its creator, and
 * each child it was passed to) counts; `recv` rejects with `EOFError` once every copy of the
 * other end is closed (by `close()` or by the holder's exit) and everything sent was received.
 *
 * @example A request and a reply
 * ```ts
 * import assert from "node:assert/strict";
 * import { Pipe, Process } from "../mod.ts";
 * import { answerOnce } from "../examples/doc_targets.ts";
 *
 * const [parentEnd, childEnd] = Pipe<string>();
 * const p = new Process({ target: answerOnce, args: [childEnd] });
 * await p.start();
 * childEnd.close(); // the child holds its own copy
 * parentEnd.send("ping");
 * assert.equal(await parentEnd.recv(), "pong: ping");
 * await p.join();
 * ```
 */
export class Connection<T = unknown> extends SharedHandle<State> {
  #closed = false;
  readonly #send: Ring | null;
  readonly #receive: Ring | null;
  /** This copy's pending receives, served in call order. */
  readonly #receives: Turns | null;

  /** Connections come from `Pipe()`. */
  constructor();
  /**
   * @ignore A new end from `Pipe()`, or one another actor described (see `registerSharedKind`).
   */
  constructor(origin?: NewPipeEnd | Revival);
  constructor(origin?: NewPipeEnd | Revival) {
    super("Connection", () => {
      if (!(origin instanceof NewPipeEnd)) {
        throw new TypeError("Cannot create a connection directly: call Pipe() for a pair");
      }
      return origin.state;
    }, origin instanceof NewPipeEnd ? undefined : origin);
    const { rings, side } = this.state;
    const duplex = rings.length === 2;
    this.#send = duplex || side === 0 ? new Ring(rings[side] ?? rings[0]) : null;
    this.#receive = duplex ? new Ring(rings[1 - side]) : side === 1 ? new Ring(rings[0]) : null;
    this.#receives = this.#receive === null
      ? null
      : new Turns(this.#receive.state.words, "receive on pipe");
    if (this.state.closed === true) this.#closed = true;
    // An end revived as a hold counts this actor among its holders (Pipe() counted the creator).
    else if (this.held) this.#hold(runtime.pid);
  }

  /**
   * Describes this end for another actor. When the recipient is known (a child at `start()`,
   * the receiver of mail), it holds its copy from this moment, before it has even started: the
   * sender may close its own copy at once without the other end seeing EOF. A closed end
   * arrives closed.
   */
  override [describeHandle](recipient?: number): HandleDescription {
    const description = super[describeHandle](recipient);
    if (this.#closed) return { ...description, data: { ...this.state, closed: true } };
    if (recipient !== undefined && recipient !== runtime.pid) this.#hold(recipient);
    return description;
  }

  /** Whether this copy of the end was closed here. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this end can receive. */
  get readable(): boolean {
    return this.#receive !== null;
  }

  /** Whether this end can send. */
  get writable(): boolean {
    return this.#send !== null;
  }

  /**
   * Sends `message` to the other end.
   *
   * @param message Plain data, copied.
   * @throws {ChannelClosedError} If this end is closed, or every copy of the other end is.
   * @throws {CloneError} If the message cannot cross to another actor.
   * @throws {TypeError} On the receive-only end of a one-way pipe.
   * @throws {RangeError} If the message takes more than half of `maxBufferBytes`.
   * @throws {Full} On the main thread, if the buffer is at its largest and stays full.
   */
  send(message: T): void {
    this.#sendable("send");
    const { tag, bytes, length } = encode(message, "send on pipe");
    this.#put(tag, bytes, length);
  }

  /**
   * Sends raw bytes, copied once into shared memory, without serialization: the bytes of any
   * buffer or view (a `Uint16Array` sends 2 bytes per element), from `offset` for `size`
   * bytes, as Python's `send_bytes(buffer, offset, size)`.
   *
   * @param data The bytes: an ArrayBuffer, a SharedArrayBuffer, a typed array or a DataView.
   * @param offset Where to start, in bytes.
   * @param size How many bytes; all from `offset` when omitted.
   * @throws {ChannelClosedError} If this end is closed, or every copy of the other end is.
   * @throws {TypeError} If `data` is not a buffer, or on the receive-only end of a one-way pipe.
   * @throws {RangeError} If `offset` or `size` falls outside `data`, or the bytes take more
   * than half of `maxBufferBytes`.
   * @throws {Full} On the main thread, if the buffer is at its largest and stays full.
   */
  sendBytes(data: BytesLike, offset = 0, size?: number): void {
    this.#sendable("send bytes");
    let bytes = bytesOf(data, "send bytes", "data");
    checkInteger(offset, "send bytes", "offset", { max: bytes.length });
    const length = size === undefined
      ? bytes.length - offset
      : checkInteger(size, "send bytes", "size", { max: bytes.length - offset });
    if (offset > 0) bytes = bytes.subarray(offset, offset + length);
    this.#put(BYTES, bytes, length);
  }

  /**
   * Receives the next message, waiting for one.
   *
   * @returns The message.
   * @throws {EOFError} If the other end is closed everywhere and nothing is left.
   * @throws {ChannelClosedError} If this end is closed.
   * @throws {TypeError} On the send-only end of a one-way pipe.
   */
  recv(): Promise<T> {
    return this.#take("receive", undefined, undefined, identity) as Promise<T>;
  }

  /**
   * Receives the next raw bytes sent with `sendBytes`.
   *
   * @returns The bytes, in a Uint8Array of their own.
   * @throws {EOFError} If the other end is closed everywhere and nothing is left.
   * @throws {ChannelClosedError} If this end is closed.
   * @throws {TypeError} If the next message was sent with `send()`; it stays for `recv()`.
   */
  recvBytes(): Promise<Uint8Array> {
    return this.#take("receive bytes", BYTES, undefined, identity) as Promise<Uint8Array>;
  }

  /**
   * Receives the next raw bytes sent with `sendBytes` into `buffer` from byte `offset`, as
   * Python's `recv_bytes_into`: no new buffer is allocated.
   *
   * @param buffer Where to write: an ArrayBuffer, a SharedArrayBuffer, a typed array or a
   * DataView.
   * @param offset Where to start writing, in bytes.
   * @returns The length of the message in bytes.
   * @throws {BufferTooShort} If the message does not fit; it was taken all the same, and the
   * error holds it in `bytes`.
   * @throws {EOFError} If the other end is closed everywhere and nothing is left.
   * @throws {ChannelClosedError} If this end is closed.
   * @throws {TypeError} If `buffer` is not a buffer, or the next message was sent with
   * `send()` (it stays for `recv()`).
   * @throws {RangeError} If `offset` is past the end of `buffer`.
   *
   * @example Reusing one buffer
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pipe } from "../mod.ts";
   *
   * const [reader, writer] = Pipe(false);
   * writer.sendBytes(new Uint8Array([1, 2, 3]));
   * const buffer = new Uint8Array(16);
   * assert.equal(await reader.recvBytesInto(buffer, 4), 3);
   * assert.deepEqual(buffer.subarray(4, 7), new Uint8Array([1, 2, 3]));
   * ```
   */
  recvBytesInto(buffer: BytesLike, offset = 0): Promise<number> {
    try {
      const action = "receive bytes into a buffer";
      const target = bytesOf(buffer, action, "buffer");
      checkInteger(offset, action, "offset", { max: target.length });
      const into = offset === 0 ? target : target.subarray(offset);
      return this.#take(action, BYTES, into, (taken) => {
        if (typeof taken === "number") return taken;
        const bytes = taken as Uint8Array;
        throw new BufferTooShort(
          `Cannot ${action}: the message takes ${bytes.length} bytes, and the buffer has ` +
            `${into.length} from offset ${offset}; the message is in the error's \`bytes\``,
          bytes,
        );
      }) as Promise<number>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The blocking form of {@linkcode Connection.prototype.recv}, for workers.
   *
   * @returns The message.
   * @throws {EOFError} If the other end is closed everywhere and nothing is left.
   * @throws {ChannelClosedError} If this end is closed.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   */
  recvSync(): T {
    const ring = this.#receiving("receive");
    const receives = this.#receives!;
    let message = receives.idle ? ring.tryTake() : NOTHING;
    if (message !== NOTHING) return message as T;
    // This copy's pending receives go first: the event loop cannot serve them while this blocks.
    waitUntilSync(
      ring.state.words,
      () =>
        receives.serve() &&
        this.#tookOrEnded(ring, () => (message = ring.tryTake()) !== NOTHING),
      {},
      "receive on pipe",
      CHANNEL_SPIN,
    );
    return this.#orEof(message, "receive") as T;
  }

  /**
   * Whether a message is waiting, or arrives within the timeout, as Python's `poll(timeout)`.
   *
   * @param options How long to wait, in milliseconds: 0 (the default) only looks; `null` or
   * `Infinity` waits until there is something to receive (Python's `poll(None)`). Or an options
   * object with a `timeout` (forever when omitted) and a `signal` that cancels the wait.
   * @returns True if `recv` would not wait (a message, or EOF to report). It rejects with the
   * signal's reason when it aborts first.
   * @throws {ChannelClosedError} If this end is closed.
   * @throws {TypeError} If the timeout is not a number, or on the send-only end.
   * @throws {RangeError} If the timeout is negative or NaN.
   */
  poll(options: number | null | Pick<WaitOptions, "timeout" | "signal"> = 0): Promise<boolean> {
    try {
      const { timeout, signal } = checkWaitOptions(options, "poll pipe");
      const ring = this.#receiving("poll");
      return waitUntil(
        ring.state.words,
        () => ring.count > 0 || this.#otherEndGone() || this.#closed,
        { timeout, signal },
        "poll pipe",
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Closes this actor's copy of the end; the other end sees EOF once every copy is closed and
   * everything sent (including messages still queued here) was received.
   */
  close(): void {
    if (this.#closed) return;
    runtime.haltIfReaped();
    this.#closed = true;
    this.#receives?.abandon(
      new ChannelClosedError("Cannot receive: this end of the pipe was closed"),
      false,
    );
    this.#release(runtime.pid);
  }

  /**
   * The pipe, both ends: for each side, the actors holding a copy of it, and the messages it
   * sent that wait to be received.
   */
  protected override inspectState(): Record<string, unknown> {
    const { rings, holders } = this.state;
    const sides = [0, 1].map((side) => {
      const ring = side < rings.length ? new Ring(rings[side]) : null;
      const pids: number[] = [];
      for (let slot = side * HOLDER_SLOTS; slot < (side + 1) * HOLDER_SLOTS; slot++) {
        const holder = Atomics.load(holders, slot);
        if (holder > 0) pids.push(holder);
      }
      return { holders: pids, unread: ring?.count ?? 0, bytes: ring?.usedBytes ?? 0 };
    });
    return { duplex: rings.length === 2, sides };
  }

  /** Releases the copies held by dead actors and finishes their operations in the rings. */
  [repairHandle](isDead: (pid: number) => boolean): void {
    for (const ring of [this.#send, this.#receive]) ring?.repair(isDead);
    const { holders } = this.state;
    for (let slot = 0; slot < holders.length; slot++) {
      const holder = Atomics.load(holders, slot);
      if (holder > 0 && isDead(holder)) this.#release(holder);
    }
  }

  /** Counts `pid` among the holders of this end, once. */
  #hold(pid: number): void {
    runtime.haltIfReaped();
    const { holders, side } = this.state;
    for (let slot = side * HOLDER_SLOTS; slot < (side + 1) * HOLDER_SLOTS; slot++) {
      if (Atomics.load(holders, slot) === pid) return;
    }
    for (let slot = side * HOLDER_SLOTS; slot < (side + 1) * HOLDER_SLOTS; slot++) {
      if (Atomics.compareExchange(holders, slot, 0, pid) === 0) return;
    }
    throw new RangeError(`Cannot hold a pipe end in more than ${HOLDER_SLOTS} actors at once`);
  }

  /** Removes `pid` from the holders of every end it holds, and wakes the rings' waiters. */
  #release(pid: number): void {
    runtime.haltIfReaped();
    const { holders, rings } = this.state;
    const sides = pid === runtime.pid ? [this.state.side] : [0, 1];
    for (const side of sides) {
      for (let slot = side * HOLDER_SLOTS; slot < (side + 1) * HOLDER_SLOTS; slot++) {
        Atomics.compareExchange(holders, slot, pid, 0);
      }
    }
    for (const ring of rings) wake(ring.words);
  }

  #otherEndGone(): boolean {
    const { holders, side } = this.state;
    const other = 1 - side;
    for (let slot = other * HOLDER_SLOTS; slot < (other + 1) * HOLDER_SLOTS; slot++) {
      if (Atomics.load(holders, slot) !== 0) return false;
    }
    return true;
  }

  /** The ring this end sends on; throws if it cannot send. */
  #sendable(action: string): Ring {
    if (this.#closed) {
      throw new ChannelClosedError(`Cannot ${action}: this end of the pipe is closed`);
    }
    const ring = this.#send;
    if (ring === null) {
      throw new TypeError(`Cannot ${action} on the receive-only end of a one-way pipe`);
    }
    if (this.#otherEndGone()) {
      throw new ChannelClosedError(
        `Cannot ${action}: the other end of the pipe is closed everywhere`,
      );
    }
    return ring;
  }

  /**
   * Sends at once when the ring has room. Otherwise a worker blocks until the reader makes room,
   * as Python's `send` does. The main thread must not block: it retries for up to
   * {@linkcode MAIN_THREAD_SPIN_MS}, then grows the buffer instead.
   */
  #put(tag: number, payload: Uint8Array, length: number): void {
    const ring = this.#send!;
    if (ring.tooLarge(length)) {
      throw new RangeError(
        `Cannot send a message of ${length} bytes: more than half of the pipe's ` +
          `largest buffer of ${ring.maxBytes} bytes; create the pipe with a larger ` +
          "`maxBufferBytes`",
      );
    }
    if (ring.tryPut(tag, payload, length, false)) return;
    const attempt = (grow: boolean) => ring.tryPut(tag, payload, length, grow);
    if (runtime.parent !== null ? this.#waitToSend(attempt) : this.#sendFromMain(ring, attempt)) {
      return;
    }
    if (this.#otherEndGone()) {
      throw new ChannelClosedError("Cannot send: the other end of the pipe closed meanwhile");
    }
    throw new Full(
      `Cannot send: the pipe holds ${ring.maxBytes} bytes of unread messages, its largest ` +
        "buffer, and the main thread cannot wait; read from the other end, or send from a worker",
    );
  }

  /** Blocks until `attempt` succeeds or the other end is gone; true if it succeeded. */
  #waitToSend(attempt: (grow: boolean) => boolean): boolean {
    let sent = false;
    waitUntilSync(
      this.#send!.state.words,
      () => (sent = attempt(false)) || this.#otherEndGone(),
      {},
      "send on pipe",
      CHANNEL_SPIN,
    );
    return sent;
  }

  /**
   * Retries for a moment, so that the reader makes room in the buffer it has (which stays warm
   * in the cache), then grows the buffer; fails only when the buffer at its largest stays full.
   * The moment is longer for a larger buffer (see {@linkcode MAIN_THREAD_SPIN_MS_PER_MIB}).
   */
  #sendFromMain(ring: Ring, attempt: (grow: boolean) => boolean): boolean {
    const patience = ring.atLargest ? MAIN_THREAD_SPIN_MS : Math.min(
      Math.max(MAIN_THREAD_SPIN_MS, MAIN_THREAD_SPIN_MS_PER_MIB * ring.capacity / 2 ** 20),
      MAIN_THREAD_MAX_SPIN_MS,
    );
    for (const grow of [false, true]) {
      let deadline = performance.now() + (grow ? MAIN_THREAD_SPIN_MS : patience);
      while (!this.#otherEndGone()) {
        if (attempt(grow)) return true;
        const now = performance.now();
        if (grow && !ring.atLargest) deadline = now + MAIN_THREAD_SPIN_MS;
        if (now >= deadline) break;
      }
    }
    return false;
  }

  #receiving(action: string): Ring {
    if (this.#closed) {
      throw new ChannelClosedError(`Cannot ${action}: this end of the pipe is closed`);
    }
    if (this.#receive === null) {
      throw new TypeError(`Cannot ${action} on the send-only end of a one-way pipe`);
    }
    return this.#receive;
  }

  /**
   * Takes the next message (with `accept`, only one of that tag; with `into`, bytes copied
   * into it), waiting for one in this copy's turn; `finish` makes the result of what was taken.
   */
  #take(
    action: string,
    accept: number | undefined,
    into: Uint8Array | undefined,
    finish: (taken: unknown) => unknown,
  ): Promise<unknown> {
    try {
      const ring = this.#receiving(action);
      const receives = this.#receives!;
      if (receives.idle) {
        const message = ring.tryTake(accept, into);
        if (message !== NOTHING) return Promise.resolve(finish(message));
      }
      let message: unknown = NOTHING;
      const refused = () => accept !== undefined && (ring.peekTag() ?? accept) !== accept;
      return receives.enqueue(
        () =>
          this.#tookOrEnded(ring, () => (message = ring.tryTake(accept, into)) !== NOTHING) ||
          refused(),
        undefined,
        () => {
          if (message === NOTHING && refused()) {
            throw new TypeError(
              `Cannot ${action}: the next message was sent with send(), not sendBytes(); take ` +
                "it with recv()",
            );
          }
          return finish(this.#orEof(message, action));
        },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * One try of a receive: true once `take` took a message, or once the other end is closed
   * everywhere and nothing is left. After an empty take that sees the close, it takes again: a
   * writer's last messages come before its close, and may have arrived between the two looks
   * (trusting the first take would report EOF over them).
   */
  #tookOrEnded(ring: Ring, take: () => boolean): boolean {
    if (take()) return true;
    if (!this.#otherEndGone()) return false;
    return take() || ring.count === 0;
  }

  #orEof(message: unknown, action: string): unknown {
    if (message !== NOTHING) return message;
    throw new EOFError(
      `Cannot ${action}: the other end of the pipe is closed everywhere and nothing is left`,
    );
  }
}

/** The result of a take as it is. */
function identity(taken: unknown): unknown {
  return taken;
}

registerSharedKind(import.meta, "Connection", (revival) => new Connection(revival));
