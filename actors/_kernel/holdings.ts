/**
 * The shared primitives this actor holds, each with weak references to its live objects here.
 * The first object of a primitive reports a hold to the root supervisor and the collection of
 * the last one a release, so the root repairs a primitive after exits only while some live
 * actor may hold it, and a program that drops its locks and queues does not keep them. Nothing
 * here runs on a hot path: only where an object of a primitive is created or revived.
 *
 * @module
 */
import type { Portable, Repairable } from "./handles.ts";

/** A handle with holdable state: a lock, a queue, a pipe end... */
export type SharedPrimitive = Portable & Repairable;

/** Where holds and releases are reported: the root supervisor's link. */
export interface HoldingsLink {
  /**
   * This actor materialized its first object of the shared primitive `id`: `created` when it
   * made the primitive, else it revived it.
   */
  hold(id: string, handle: SharedPrimitive, created: boolean): void;
  /** This actor's last object of the shared primitive `id` was garbage-collected. */
  release(id: string): void;
}

interface Collected {
  id: string;
  ref: WeakRef<SharedPrimitive>;
}

/** The primitives held by this actor. */
export class Holdings {
  /** One weak reference per live object, a set when there are several. */
  readonly #objects = new Map<string, WeakRef<SharedPrimitive> | Set<WeakRef<SharedPrimitive>>>();
  readonly #registry = new FinalizationRegistry<Collected>((held) => this.#collected(held));
  readonly #link: () => HoldingsLink;

  /** `link` is read at each first hold and last release: a worker's is set after startup. */
  constructor(link: () => HoldingsLink) {
    this.#link = link;
  }

  /** Records a live object of primitive `id`; the first one is reported. */
  hold(handle: SharedPrimitive, id: string, created: boolean): void {
    const ref = new WeakRef(handle);
    const refs = this.#objects.get(id);
    this.#registry.register(handle, { id, ref });
    if (refs === undefined) {
      this.#objects.set(id, ref);
      this.#link().hold(id, handle, created);
    } else if (refs instanceof Set) {
      refs.add(ref);
    } else {
      this.#objects.set(id, new Set([refs, ref]));
    }
  }

  /** Each primitive held here with one of its live objects. */
  *live(): Generator<[string, SharedPrimitive]> {
    for (const [id, refs] of this.#objects) {
      for (const ref of refs instanceof Set ? refs : [refs]) {
        const handle = ref.deref();
        if (handle !== undefined) {
          yield [id, handle];
          break;
        }
      }
    }
  }

  #collected({ id, ref }: Collected): void {
    const refs = this.#objects.get(id);
    if (refs instanceof Set) {
      refs.delete(ref);
      if (refs.size > 0) return;
    } else if (refs !== ref) {
      return;
    }
    this.#objects.delete(id);
    this.#link().release(id);
  }
}
