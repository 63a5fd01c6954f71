/**
 * Length-prefixed frames over a byte stream: a 4-byte big-endian length, then that many bytes.
 * The decoder refuses a length above its limit before buffering anything, so a peer cannot make
 * the other side allocate more than the limit. What a frame holds is `_manager_codec.ts`'s
 * business.
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
  new DataView(framed.buffer).setUint32(0, payload.length);
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

/** Cuts a byte stream into frames. */
export class FrameDecoder {
  /** The largest payload accepted: small during the handshake, raised once authenticated. */
  maxBytes: number;
  #buffer = new Uint8Array(0);
  #start = 0;
  #end = 0;

  /** @param maxBytes The largest payload accepted. */
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /**
   * Appends `chunk` and returns the payloads it completes, in order.
   *
   * @throws {FrameError} If a frame announces more than the limit.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#append(chunk);
    const payloads: Uint8Array[] = [];
    while (this.#end - this.#start >= HEADER) {
      const length = new DataView(this.#buffer.buffer, this.#start).getUint32(0);
      if (length > this.maxBytes) {
        throw new FrameError(
          `Cannot read a manager frame of ${length} bytes: the limit is ${this.maxBytes}`,
        );
      }
      if (this.#end - this.#start < HEADER + length) break;
      const from = this.#start + HEADER;
      payloads.push(this.#buffer.slice(from, from + length));
      this.#start = from + length;
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return payloads;
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#end - this.#start + chunk.length;
    if (this.#end + chunk.length > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed * 2, 4096));
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
      this.#end -= this.#start;
      this.#start = 0;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}

/** Writes all of `bytes` to `conn`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Reads frames from a connection, one at a time. */
export class FrameReader {
  /** The decoder; raise its `maxBytes` once the peer is authenticated. */
  readonly decoder: FrameDecoder;
  readonly #conn: Deno.Conn;
  readonly #chunk = new Uint8Array(64 * 1024);
  #pending: Uint8Array[] = [];

  /**
   * @param conn The connection to read.
   * @param maxBytes The largest payload accepted at first.
   */
  constructor(conn: Deno.Conn, maxBytes: number) {
    this.#conn = conn;
    this.decoder = new FrameDecoder(maxBytes);
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
      this.#pending = this.decoder.push(this.#chunk.subarray(0, read));
    }
    return this.#pending.shift()!;
  }
}
