/**
 * The shared state of a pipe: one ring per direction and, per end, the pids of the actors
 * holding a copy of it (for EOF).
 *
 * @module
 */
import { sharedWords } from "../actors/_shm/futex.ts";
import { runtime } from "../actors/_kernel/runtime.ts";
import { newRing, type RingSize, type RingState } from "../actors/_shm/ring.ts";

/** Slots per end for the pids of the actors holding a copy of it. */
export const HOLDER_SLOTS = 32;

/** One end's view of a pipe. */
export interface ConnectionState {
  /** `rings[s]` carries what side `s` sends; a one-way pipe has only `rings[0]`. */
  rings: RingState[];
  /** HOLDER_SLOTS pids per side: the actors holding a copy of that end. */
  holders: Int32Array;
  side: number;
  /** Set in the description of an end that was closed where it was passed from. */
  closed?: true;
}

/** The state of a new pipe, one per end; the creating actor holds both ends. */
export function newPipeState(
  duplex: boolean,
  size: RingSize,
): [ConnectionState, ConnectionState] {
  const rings = duplex ? [newRing(size, 0), newRing(size, 0)] : [newRing(size, 0)];
  const holders = sharedWords(2 * HOLDER_SLOTS);
  holders[0] = runtime.pid;
  holders[HOLDER_SLOTS] = runtime.pid;
  return [{ rings, holders, side: 0 }, { rings, holders, side: 1 }];
}

let pending: ConnectionState | undefined;

/** Runs `construct` with `state` handed to the Connection constructor it calls. */
export function withPendingState<T>(state: ConnectionState, construct: () => T): T {
  pending = state;
  try {
    return construct();
  } finally {
    pending = undefined;
  }
}

/** The state handed over by {@linkcode withPendingState}, once. */
export function takePendingState(): ConnectionState | undefined {
  const state = pending;
  pending = undefined;
  return state;
}
