/**
 * How much shared memory a channel (a {@linkcode Queue} or each direction of a {@linkcode Pipe})
 * starts with and may grow to. A channel holds its buffered items in a buffer of shared memory
 * that doubles whenever a put or send finds no room, up to `maxBufferBytes`; only then does a
 * put wait for a consumer (a bounded queue's `maxsize` also does). One item may take at most
 * half of `maxBufferBytes`. Both sizes are rounded up to a power of two.
 *
 * @example A queue for large items
 * ```ts
 * import assert from "node:assert/strict";
 * import { Queue } from "../mod.ts";
 *
 * const q = new Queue<Uint8Array>(0, { bufferBytes: 1 << 20 });
 * await q.put(new Uint8Array(4 << 20)); // the buffer grows to hold it
 * assert.equal((await q.get()).length, 4 << 20);
 * ```
 */
export interface BufferOptions {
  /**
   * Bytes of shared memory allocated when the channel is created (65536, or
   * `maxBufferBytes` if that is smaller, when omitted).
   *
   * @default {65536}
   */
  bufferBytes?: number;
  /**
   * Bytes of shared memory the channel may grow to, at most 2^30 (1 GiB). This much address
   * space is reserved when the channel is created (memory is used only as the buffer grows),
   * so the default, 256 MiB, lets items of up to 128 MiB through; raise it for larger ones.
   *
   * @default {268435456}
   */
  maxBufferBytes?: number;
}
