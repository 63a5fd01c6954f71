import { type AcquireOptions, waitUntil, waitUntilSync, wake } from "../actors/_futex.ts";
import { repairHandle, revivingForAdoption } from "../actors/_portable.ts";
import { runtime } from "../actors/_runtime.ts";
import { registerSharedKind, SharedHandle } from "../actors/_shared_handle.ts";
import { decode, encode, encodeBytes } from "./_codec.ts";
import { type ConnectionState, HOLDER_SLOTS, takePendingState } from "./_pipe_state.ts";
import { Ring } from "./_ring.ts";
import { ChannelClosedError, EOFError } from "./errors.ts";

/** @ignore Internal: not part of the public API. */
type State = ConnectionState;

/**
 * One end of a {@linkcode Pipe}, as Python's `multiprocessing.connection.Connection`: `send`
 * and `recv` objects, `sendBytes` and `recvBytes` raw bytes, `poll` for data. Messages go
 * through shared memory, in order. Every actor that holds a copy of an end (its creator, and
 * each child it was passed to) counts; `recv` rejects with `EOFError` once every copy of the
 * other end is closed (by `close()` or by the holder's exit) and everything sent was received.
 *
 * @example A request and a reply
 * ```ts
 * import { Pipe, Process } from "../mod.ts";
 * import { answerOnce } from "../examples/doc_targets.ts";
 *
 * const [parentEnd, childEnd] = Pipe<string>();
 * const p = new Process({ target: answerOnce, args: [childEnd] });
 * await p.start();
 * childEnd.close(); // the child holds its own copy
 * parentEnd.send("ping");
 * console.assert((await parentEnd.recv()) === "pong: ping");
 * await p.join();
 * ```
 */
export class Connection<T = unknown> extends SharedHandle<State> {
  #closed = false;
  #outbox: Uint8Array[] = [];
  #flushing: Promise<void> | null = null;
  readonly #send: Ring | null;
  readonly #receive: Ring | null;

  /** Connections come from `Pipe()`. */
  constructor() {
    const state = takePendingState();
    super("Connection", import.meta.url, () => {
      if (state === undefined) {
        throw new TypeError("Cannot create a connection directly: call Pipe() for a pair");
      }
      return state;
    });
    const { rings, side } = this.state;
    const duplex = rings.length === 2;
    this.#send = duplex || side === 0 ? new Ring(rings[side] ?? rings[0]) : null;
    this.#receive = duplex ? new Ring(rings[1 - side]) : side === 1 ? new Ring(rings[0]) : null;
    if (state === undefined && !revivingForAdoption()) this.#hold();
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
   */
  send(message: T): void {
    this.#put(encode(message, "send on pipe"));
  }

  /**
   * Sends raw bytes, copied once into shared memory, without serialization.
   *
   * @param data The bytes.
   * @throws {ChannelClosedError} If this end is closed, or every copy of the other end is.
   */
  sendBytes(data: Uint8Array): void {
    this.#put(encodeBytes(data));
  }

  /**
   * Receives the next message, waiting for one.
   *
   * @returns The message.
   * @throws {EOFError} If the other end is closed everywhere and nothing is left.
   * @throws {ChannelClosedError} If this end is closed.
   */
  async recv(): Promise<T> {
    return decode(await this.#take()) as T;
  }

  /**
   * Receives the next raw bytes sent with `sendBytes`.
   *
   * @returns The bytes.
   * @throws {EOFError} If the other end is closed everywhere and nothing is left.
   */
  async recvBytes(): Promise<Uint8Array> {
    return decode(await this.#take()) as Uint8Array;
  }

  /**
   * The blocking form of {@linkcode Connection.prototype.recv}, for workers.
   *
   * @returns The message.
   * @throws {EOFError} If the other end is closed everywhere and nothing is left.
   * @throws {BlockingError} On the main thread, when it would have to wait.
   */
  recvSync(): T {
    const ring = this.#receiving("receive");
    let record: Uint8Array | null = null;
    waitUntilSync(
      ring.state.words,
      () => (record = ring.tryTake()) !== null || this.#otherEndGone(),
      {},
      "receive on pipe",
    );
    return decode(this.#orEof(record)) as T;
  }

  /**
   * Whether a message is waiting, or arrives within `timeoutMs`.
   *
   * @param timeoutMs How long to wait; 0 (the default) only looks.
   * @returns True if `recv` would not wait (a message, or EOF to report).
   */
  poll(timeoutMs = 0): Promise<boolean> {
    const ring = this.#receiving("poll");
    const options: AcquireOptions = { timeout: timeoutMs };
    return waitUntil(
      ring.state.words,
      () => ring.count > 0 || this.#otherEndGone(),
      options,
      "poll pipe",
    );
  }

  /**
   * Closes this actor's copy of the end; the other end sees EOF once every copy is closed and
   * everything sent (including messages still queued here) was received.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#flushing === null) this.#release(runtime.pid);
    else void this.#flushing.then(() => this.#release(runtime.pid));
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

  #hold(): void {
    const { holders, side } = this.state;
    for (let slot = side * HOLDER_SLOTS; slot < (side + 1) * HOLDER_SLOTS; slot++) {
      if (Atomics.load(holders, slot) === runtime.pid) return;
    }
    for (let slot = side * HOLDER_SLOTS; slot < (side + 1) * HOLDER_SLOTS; slot++) {
      if (Atomics.compareExchange(holders, slot, 0, runtime.pid) === 0) return;
    }
    throw new RangeError(`Cannot hold a pipe end in more than ${HOLDER_SLOTS} actors at once`);
  }

  /** Removes `pid` from the holders of every end it holds, and wakes the rings' waiters. */
  #release(pid: number): void {
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

  /**
   * Sends at once when the ring has room. Otherwise a worker blocks, as Python's `send` does,
   * while the main thread, which must not block, queues the record for an async flusher that
   * keeps the order. (A worker must not queue: it may never yield to let a flusher run.)
   */
  #put(record: Uint8Array): void {
    if (this.#closed) throw new ChannelClosedError("Cannot send: this end of the pipe is closed");
    const ring = this.#send;
    if (ring === null) throw new TypeError("Cannot send on the receive-only end of a one-way pipe");
    if (this.#otherEndGone()) {
      throw new ChannelClosedError("Cannot send: the other end of the pipe is closed everywhere");
    }
    if (ring.tooLarge(record.length)) {
      throw new RangeError(
        `Cannot send ${record.length} bytes: more than half of the pipe's buffer`,
      );
    }
    if (this.#outbox.length === 0 && ring.tryPut(record)) return;
    if (runtime.parent !== null) {
      let sent = false;
      waitUntilSync(
        ring.state.words,
        () => (sent = ring.tryPut(record)) || this.#otherEndGone(),
        {},
        "send on pipe",
      );
      if (!sent) {
        throw new ChannelClosedError("Cannot send: the other end of the pipe closed meanwhile");
      }
      return;
    }
    this.#outbox.push(record);
    this.#flushing ??= this.#flush(ring);
  }

  /** Moves queued records into the ring as room appears; drops them if the reader is gone. */
  async #flush(ring: Ring): Promise<void> {
    while (this.#outbox.length > 0) {
      const record = this.#outbox[0];
      let sent = false;
      await waitUntil(
        ring.state.words,
        () => (sent = ring.tryPut(record)) || this.#otherEndGone(),
        {},
        "send on pipe",
      );
      if (!sent) this.#outbox.length = 0;
      else this.#outbox.shift();
    }
    this.#flushing = null;
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

  async #take(): Promise<Uint8Array> {
    const ring = this.#receiving("receive");
    let record: Uint8Array | null = null;
    await waitUntil(
      ring.state.words,
      () => (record = ring.tryTake()) !== null || this.#otherEndGone(),
      {},
      "receive on pipe",
    );
    return this.#orEof(record);
  }

  #orEof(record: Uint8Array | null): Uint8Array {
    if (record !== null) return record;
    throw new EOFError(
      "Cannot receive: the other end of the pipe is closed everywhere and nothing is left",
    );
  }
}

registerSharedKind(import.meta, "Connection", () => new Connection());
