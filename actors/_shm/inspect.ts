/**
 * What an observer can see of the objects alive in this thread: pools, locks, queues, pipes,
 * managers and supervisors register here when they are built, each with a function that
 * describes its state now. The registry holds them weakly, so registering keeps nothing alive,
 * and it costs nothing after construction: nothing is read until an observer asks, and no hot
 * path passes through here.
 *
 * A handle passed to another actor is also revived in the main thread by the root supervisor,
 * which repairs it after deaths: so the main thread sees every lock, semaphore, queue and pipe
 * that crossed between actors, whichever actor created it.
 *
 * @module
 */

/** One object as an observer shows it: its kind, a label, and plain data (numbers, strings). */
export interface Inspection {
  /** `"pool"`, `"lock"`, `"semaphore"`, `"queue"`, `"pipe"`, `"manager"`, `"supervisor"`, ... */
  kind: string;
  /** What the user would call it: a class name, a manager address, a supervisor's name. */
  label: string;
  /** The state now; plain data only. */
  state: Record<string, unknown>;
}

/** Method that describes an object's state now: see {@linkcode Inspectable}. */
export const inspect: unique symbol = Symbol.for("multiprocessing.inspect");
/** Method naming the state an object stands for: see {@linkcode Inspectable}. */
export const inspectIdentity: unique symbol = Symbol.for("multiprocessing.inspectIdentity");

/**
 * An object an observer can list. `[inspect]()` describes its state now; it may ask another
 * actor (a manager) and so resolve later. Two objects of one shared state (a lock and the
 * root's copy of it) give the same `[inspectIdentity]()` (an object or a string), so it is
 * listed once.
 */
export interface Inspectable {
  [inspectIdentity](): unknown;
  [inspect](): Inspection | Promise<Inspection>;
}

const registered = new Set<WeakRef<Inspectable>>();
/** Registrations after which dead entries are swept, so the set follows the objects alive. */
let sweepAt = 1024;

/** Lets observers see `object` while it lives. */
export function registerInspectable(object: Inspectable): void {
  registered.add(new WeakRef(object));
  if (registered.size >= sweepAt) {
    for (const entry of registered) if (entry.deref() === undefined) registered.delete(entry);
    sweepAt = Math.max(1024, 2 * registered.size);
  }
}

/** The objects alive in this thread, each shared state once. */
export function inspectables(): Inspectable[] {
  const found: Inspectable[] = [];
  const identities = new Set<unknown>();
  for (const entry of registered) {
    const object = entry.deref();
    if (object === undefined) {
      registered.delete(entry);
      continue;
    }
    const identity = object[inspectIdentity]();
    if (identities.has(identity)) continue;
    identities.add(identity);
    found.push(object);
  }
  return found;
}
