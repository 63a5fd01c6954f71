/**
 * The shared state of a pipe: one ring per direction and, per end, the pids of the actors
 * holding a copy of it (for EOF).
 *
 * @module
 */
import { sharedWords } from "../actors/_shm/futex.ts";
import { runtime } from "../actors/_kernel/runtime.ts";
import type { RingState } from "../actors/_shm/ring.ts";
import { newRing, type RingSize } from "../actors/_shm/ring_memory.ts";

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

/**
 * A new end of a pipe, as `Pipe()` hands it to the Connection constructor: the only way to make
 * a connection here, since only {@linkcode newPipeEnds} builds one (this module is not public).
 */
export class NewPipeEnd {
  constructor(readonly state: ConnectionState) {}
}

/** The two ends of a new pipe; the creating actor holds both. */
export function newPipeEnds(duplex: boolean, size: RingSize): [NewPipeEnd, NewPipeEnd] {
  const rings = duplex ? [newRing(size, 0), newRing(size, 0)] : [newRing(size, 0)];
  const holders = sharedWords(2 * HOLDER_SLOTS);
  holders[0] = runtime.pid;
  holders[HOLDER_SLOTS] = runtime.pid;
  return [
    new NewPipeEnd({ rings, holders, side: 0 }),
    new NewPipeEnd({ rings, holders, side: 1 }),
  ];
}
