/**
 * The protocol between a pool's engine (in the actor that owns the pool) and its workers. It
 * runs over a private MessagePort per worker, handed over once through the worker's mailbox, so
 * pool traffic never mixes with the owner's own mail. One union per direction; both sides
 * `switch` on `type` with a `never` default.
 *
 * Tasks travel in batches (many units per message) and results come back in groups, so tiny
 * tasks do not pay a message round trip each.
 *
 * @module
 */
import type { TargetRef } from "../_kernel/protocol.ts";
import { encodeNumbers, numbersIn } from "../_shm/codec.ts";
import type { SerializedError } from "../_kernel/wire_errors.ts";

/** What a unit of work calls: `fn(...payload)`, `payload.map(fn)` or `payload.map((a) => fn(...a))`. */
export type UnitKind = "apply" | "map" | "starmap";

/**
 * A list of values on the wire. Deno's MessagePort walks every element of a message it
 * receives, so long runs of numbers (map chunks of tiny tasks, their results) travel as a
 * record of the value codec's numeric-array form in a SharedArrayBuffer, which it does not walk
 * and nobody copies.
 */
export type WireValues = unknown[] | { numbers: SharedArrayBuffer };

/** Packs `values` if they are a long run of numbers; returns them as they are otherwise. */
export function packValues(values: ArrayLike<unknown>): WireValues {
  const numbers = encodeNumbers(values);
  if (numbers !== null) return { numbers };
  return Array.isArray(values) ? values : Array.from(values);
}

/** The values {@linkcode packValues} packed: a view on the shared bytes, not a copy. */
export function unpackValues(wire: WireValues): ArrayLike<unknown> {
  return Array.isArray(wire) ? wire : numbersIn(new Uint8Array(wire.numbers))!;
}

/**
 * Consecutive units of one function and kind, in the order they run. `payloads` has one entry
 * per unit (an apply's arguments, a chunk's items); apply units whose arguments are numbers of
 * one arity send them end to end instead, `arity` values per unit.
 */
export interface WireGroup {
  fn: number;
  kind: UnitKind;
  /** The payloads hold handles: the worker revives them first. */
  handles: boolean;
  count: number;
  payloads: WireValues[] | { arity: number; args: WireValues };
  /** Map chunks: the index of each chunk's first item in the map's input, for error messages. */
  starts?: WireValues;
}

/** Engine -> worker. */
export type PoolRequest =
  | {
    type: "batch";
    /** Functions this worker has not seen yet: `[function id, where to find it]`. */
    defs: [fn: number, ref: TargetRef][];
    groups: WireGroup[];
  }
  /** No more work: finish the loop, so the worker exits with code 0. */
  | { type: "stop" };

/**
 * Worker -> engine, its one reply: the results of consecutive units. `values[i]` is the result
 * of the unit numbered `first + i` (a chunk's values as {@linkcode WireValues}), unless `errors`
 * lists position i. Units are numbered per worker from 0, in the order the engine sent them;
 * the worker answers every unit it starts exactly once and in that order, or dies, so `first`
 * is always the number of results it sent before (the engine checks it). `busyMs` is the time
 * the worker spent running them, for batch sizing.
 */
export interface PoolReply {
  type: "results";
  first: number;
  values: WireValues;
  errors: [position: number, error: SerializedError][];
  busyMs: number;
}

/** How a pool worker is configured: the argument of its loop. */
export interface PoolWorkerConfig {
  /** The initializer to run first, or null. */
  initializer: TargetRef | null;
  /** Its arguments; handles in them are revived by the worker host, as for any process. */
  initargs: unknown[];
  /**
   * Three Int32 counters the worker bumps, each counting units in the order they were sent:
   * started ({@linkcode PROGRESS_STARTED}, before each runs), done ({@linkcode PROGRESS_DONE},
   * once its result is recorded) and sent ({@linkcode PROGRESS_SENT}, before each post of
   * results). `sent <= done <= started <= done + 1` at all times. After a death the engine
   * waits for the results sent, then splits the units it had sent: those done whose results
   * never came (the worker's heap went with it), the one running, and those never started,
   * which are queued again.
   */
  progress: SharedArrayBuffer;
}

/** Index of the started-units counter in {@linkcode PoolWorkerConfig.progress}. */
export const PROGRESS_STARTED = 0;
/** Index of the units-done counter in {@linkcode PoolWorkerConfig.progress}. */
export const PROGRESS_DONE = 1;
/** Index of the results-sent counter in {@linkcode PoolWorkerConfig.progress}. */
export const PROGRESS_SENT = 2;
/** The number of progress counters. */
export const PROGRESS_WORDS = 3;

/**
 * The system request (see `MailEnvelope.system`) that hands a worker its end of the pool link,
 * a `MessagePort`, as its body.
 */
export const POOL_PORT = "pool.port";
