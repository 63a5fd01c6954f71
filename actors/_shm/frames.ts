/**
 * Length-prefixed frames over a byte stream: a 4-byte little-endian length (the one byte order
 * of every wire format here, `_shm/codec.ts` included), then that many bytes.
 * The cutter refuses a length above its limit before it buffers anything, so a peer cannot make
 * the other side allocate more than the limit. What a frame holds is the manager's messages'
 * business (`manager/_wire/messages.ts`).
 *
 * @module
 */
const HEADER = 4;

/** A frame that breaks the codec's rules: the connection that sent it is closed. */
export class FrameError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was wrong with the frame.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FrameError";
  }
}

/** Joins byte arrays into one. */
export function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Prefixes `payload` with its length. */
export function frame(payload: Uint8Array): Uint8Array {
  const framed = new Uint8Array(HEADER + payload.length);
  new DataView(framed.buffer).setUint32(0, payload.length, true);
  framed.set(payload, HEADER);
  return framed;
}

/** The error for a message of `length` bytes, more than the frame limit `maxBytes`. */
export function frameTooLarge(length: number, maxBytes: number, action: string): RangeError {
  return new RangeError(
    `Cannot ${action}: the message takes ${length} bytes, more than the manager's ` +
      `frame limit of ${maxBytes}; send smaller values or raise \`maxFrameBytes\``,
  );
}

/**
 * Cuts a byte stream into frames, for a TCP connection and for the manager's session ring
 * alike. It is handed the stream in pieces as they arrive, and copies each payload once, out
 * of the piece it lies in or, for a frame that spans pieces, into the payload's array as its
 * pieces come; a header split between pieces is put back together too.
 */
export class FrameCutter {
  /** The largest payload accepted: small during a TCP handshake, raised once authenticated. */
  maxBytes: number;
  /** How many bytes the last {@linkcode FrameCutter.prototype.cut} took. */
  taken = 0;
  #header = 0;
  #headerBytes = 0;
  #partial: Uint8Array | null = null;
  #filled = 0;

  /** @param maxBytes The largest payload accepted. */
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /**
   * Cuts the next frame out of `bytes[from..to]` (`from < to`): returns its payload, or null
   * once it took all of those bytes without completing one (it keeps them for the next piece);
   * {@linkcode FrameCutter.prototype.taken} says how many it took.
   *
   * @throws {FrameError} If the frame announces more than the limit.
   */
  cut(bytes: Uint8Array, from: number, to: number): Uint8Array | null {
    let at = from;
    if (this.#partial === null) {
      let length: number;
      if (this.#headerBytes === 0 && to - at >= HEADER) {
        length = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) |
          (bytes[at + 3] << 24)) >>> 0;
        at += HEADER;
      } else {
        while (this.#headerBytes < HEADER && at < to) {
          this.#header |= bytes[at++] << (8 * this.#headerBytes);
          this.#headerBytes++;
        }
        if (this.#headerBytes < HEADER) {
          this.taken = at - from;
          return null;
        }
        length = this.#header >>> 0;
        this.#header = this.#headerBytes = 0;
      }
      if (length > this.maxBytes) {
        throw new FrameError(
          `Cannot read a manager frame of ${length} bytes: the limit is ${this.maxBytes}`,
        );
      }
      if (to - at >= length) {
        this.taken = at + length - from;
        // Not `slice`: on shared memory (the ring) it copies slower than `set` does.
        const payload = new Uint8Array(length);
        payload.set(bytes.subarray(at, at + length));
        return payload;
      }
      this.#partial = new Uint8Array(length);
      this.#filled = 0;
    }
    const partial = this.#partial;
    const count = Math.min(to - at, partial.length - this.#filled);
    partial.set(bytes.subarray(at, at + count), this.#filled);
    this.#filled += count;
    this.taken = at + count - from;
    if (this.#filled < partial.length) return null;
    this.#partial = null;
    return partial;
  }

  /**
   * Takes `chunk` and returns the payloads it completes, in order. `chunk` may be reused
   * afterwards: nothing refers to it.
   *
   * @throws {FrameError} If a frame announces more than the limit.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const payloads: Uint8Array[] = [];
    for (let at = 0; at < chunk.length; at += this.taken) {
      const payload = this.cut(chunk, at, chunk.length);
      if (payload !== null) payloads.push(payload);
    }
    return payloads;
  }
}

/** Writes all of `bytes` to `conn`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Reads frames from a connection, one at a time. */
export class FrameReader {
  /** The cutter; raise its `maxBytes` once the peer is authenticated. */
  readonly cutter: FrameCutter;
  readonly #conn: Deno.Conn;
  readonly #chunk = new Uint8Array(64 * 1024);
  #pending: Uint8Array[] = [];

  /**
   * @param conn The connection to read.
   * @param maxBytes The largest payload accepted at first.
   */
  constructor(conn: Deno.Conn, maxBytes: number) {
    this.#conn = conn;
    this.cutter = new FrameCutter(maxBytes);
  }

  /** Whether frames are decoded and waiting: the caller may batch its answers. */
  get buffered(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * The next frame's payload; null at the end of the stream.
   *
   * @throws {FrameError} If the peer sends a frame above the limit.
   */
  async next(): Promise<Uint8Array | null> {
    while (this.#pending.length === 0) {
      const read = await this.#conn.read(this.#chunk);
      if (read === null) return null;
      this.#pending = this.cutter.push(this.#chunk.subarray(0, read));
    }
    return this.#pending.shift()!;
  }
}
