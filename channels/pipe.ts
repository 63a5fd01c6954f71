import { describeValue } from "../actors/_shm/time.ts";
import { newPipeEnds } from "./_pipe_state.ts";
import { ringSize } from "../actors/_shm/ring_memory.ts";
import type { BufferOptions } from "./buffer_options.ts";
import { Connection } from "./connection.ts";

/** Options of {@linkcode Pipe}: the sizes of the buffer of each direction. */
export type PipeOptions = BufferOptions;

/**
 * Creates a pipe, as Python's `multiprocessing.Pipe(duplex)`: two connected
 * {@linkcode Connection}s. A duplex pipe sends both ways; `Pipe(false)` returns
 * `[receiveOnly, sendOnly]`, in Python's order. Pass an end to a child as a Process argument;
 * close the copies an actor does not use, or the other side never sees EOF (the seeds' lesson).
 *
 * @typeParam T The type of the messages.
 * @param duplex Whether both ends can send and receive.
 * @param options The buffer size per direction.
 * @returns The two ends.
 * @throws {TypeError} If `duplex` is not a boolean, or `options` not an object.
 * @throws {RangeError} If a buffer size is not a valid size.
 *
 * @example EOF once the writer closes
 * ```ts
 * import assert from "node:assert/strict";
 * import { EOFError, Pipe } from "../mod.ts";
 *
 * const [reader, writer] = Pipe<number>(false);
 * writer.send(1);
 * writer.close();
 * assert.equal(await reader.recv(), 1);
 * await assert.rejects(reader.recv(), EOFError);
 * ```
 */
export function Pipe<T = unknown>(
  duplex = true,
  options: PipeOptions = {},
): [Connection<T>, Connection<T>] {
  if (typeof duplex !== "boolean") {
    throw new TypeError(
      `Cannot create pipe: duplex must be a boolean, got ${describeValue(duplex)}`,
    );
  }
  const [sendSide, receiveSide] = newPipeEnds(duplex, ringSize(options, "create pipe"));
  const first = new Connection<T>(sendSide);
  const second = new Connection<T>(receiveSide);
  return duplex ? [first, second] : [second, first];
}
