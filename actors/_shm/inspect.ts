/**
 * What an observer can see of an object: `[inspect]()` describes its state now. Pools,
 * managers and supervisors (few, long-lived) register here when they are built; the registry
 * holds them weakly, so registering keeps nothing alive, and nothing is read until an observer
 * asks. Shared primitives (locks, queues, pipes, ...) do not register: the root supervisor
 * already keeps every one that crossed between actors, to repair it, and lists those, so a
 * primitive costs nothing more to create.
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

/**
 * An object an observer can list: `[inspect]()` describes its state now; it may ask another
 * actor (a manager) and so resolve later.
 */
export interface Inspectable {
  [inspect](): Inspection | Promise<Inspection>;
}

const registered = new Set<WeakRef<Inspectable>>();
/** Forgets an object once it is collected, so the set follows the objects alive. */
const forget = new FinalizationRegistry<WeakRef<Inspectable>>((entry) => registered.delete(entry));

/** Lets observers see `object` while it lives. */
export function registerInspectable(object: Inspectable): void {
  const entry = new WeakRef(object);
  registered.add(entry);
  forget.register(object, entry);
}

/** The objects registered in this thread that are still alive. */
export function inspectables(): Inspectable[] {
  const found: Inspectable[] = [];
  for (const entry of registered) {
    const object = entry.deref();
    if (object !== undefined) found.push(object);
  }
  return found;
}
