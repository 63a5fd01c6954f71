/**
 * What makes a value a handle: the two methods a queue, lock, pipe end, actor reference or proxy
 * implements to cross between actors (described as its kind and data, then revived by the
 * module that registered the kind) and to be repaired after a holder's death. The codec and the
 * clone check of this layer recognise handles by them; the kernel's walk (`_kernel/handles.ts`)
 * describes and revives them.
 *
 * @module
 */

/** Method that describes a handle for another actor. */
export const describeHandle: unique symbol = Symbol.for("multiprocessing.describeHandle");
/** Method the supervisor calls after an actor exits, to release what the dead held. */
export const repairHandle: unique symbol = Symbol.for("multiprocessing.repairHandle");

/**
 * What a handle says of itself for another actor: its kind, which names how it is revived (one
 * kind, one module registering it: see `registerHandleKind` in `_kernel/handles.ts`), and its
 * data.
 *
 * @ignore Internal: not part of the public API.
 */
export interface HandleDescription {
  kind: string;
  /** Plain data and SharedArrayBuffers only: nothing that must be transferred. */
  data: unknown;
}

/**
 * A value that crosses actors as a description of shared state. `recipient` is the pid of the
 * actor the description is for, when the sender knows it (a child at `start()`, the receiver of
 * mail): a handle that counts the actors holding it (a pipe end) counts the recipient at once,
 * so that the sender may close its own copy right after, as Python's `p.start();
 * child_end.close()` idiom does.
 */
export interface Portable {
  [describeHandle](recipient?: number): HandleDescription;
}

/** A handle with state an actor can hold; `isDead(pid)` tells which holders are gone. */
export interface Repairable {
  [repairHandle](isDead: (pid: number) => boolean): void;
}

/** True for an object that describes itself as a handle. */
export function isPortable(value: unknown): value is Portable {
  return typeof value === "object" && value !== null && describeHandle in value;
}
