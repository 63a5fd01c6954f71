/**
 * What makes a value a handle: the two methods a queue, lock, pipe end, actor reference or proxy
 * implements to cross between actors (described, then revived by its defining module) and to be
 * repaired after a holder's death. The codec and the clone check of this layer recognise
 * handles by them; the kernel's walk (`_kernel/handles.ts`) describes and revives them.
 *
 * @module
 */

/** Method that describes a handle for another actor. */
export const describeHandle: unique symbol = Symbol.for("multiprocessing.describeHandle");
/** Method the supervisor calls after an actor exits, to release what the dead held. */
export const repairHandle: unique symbol = Symbol.for("multiprocessing.repairHandle");

/**
 * How another actor rebuilds a handle: the defining module, a kind registered there, its data.
 *
 * @ignore Internal: not part of the public API.
 */
export interface HandleDescription {
  module: string;
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

/**
 * The longest array whose named properties the walks look for. Finding them takes
 * `Object.keys`, which makes a string per index and costs about as much as serializing the
 * array, so longer arrays are walked by index only: a named property on such an array still
 * crosses (structured clone copies it), but a handle or a class instance there is not seen.
 *
 * @ignore Internal: not part of the public API.
 */
export const NAMED_KEYS_LIMIT = 256;

const NO_KEYS: readonly string[] = [];

/**
 * The named (non-index) own enumerable properties of `items`, in order, when it is no longer
 * than {@linkcode NAMED_KEYS_LIMIT} (or `always`).
 *
 * @ignore Internal: not part of the public API.
 */
export function namedKeys(items: unknown[], always = false): readonly string[] {
  if (!always && items.length > NAMED_KEYS_LIMIT) return NO_KEYS;
  const keys = Object.keys(items);
  // Index keys come first, in order: the named ones are the tail after the last index.
  let first = keys.length;
  while (first > 0 && !isIndex(keys[first - 1])) first--;
  return first === keys.length ? NO_KEYS : keys.slice(first);
}

function isIndex(key: string): boolean {
  const code = key.charCodeAt(0);
  if (code < 48 || code > 57) return false;
  const index = Number(key);
  return index < 2 ** 32 - 1 && String(index) === key;
}
