/**
 * The common shape of supervisor-owned primitives: state in shared words, described to other
 * actors as those words, adopted by the root supervisor once where it is created so that its
 * repair hook runs after every exit.
 *
 * @module
 */
import {
  describeHandle,
  type HandleDescription,
  type Portable,
  registerHandleKind,
  type Repairable,
  repairHandle,
} from "./_portable.ts";
import { runtime } from "./_runtime.ts";

let revivedState: unknown = undefined;

/**
 * Base of every shared primitive. Subclasses call `super(kind, module, fresh)` where `fresh`
 * builds new state; when the object is being revived in another actor, the described state is
 * used instead and the handle is not adopted again.
 *
 * @ignore Internal: not part of the public API.
 */
export abstract class SharedHandle<State> implements Portable, Repairable {
  /** The shared state, identical in every actor that holds the handle. */
  protected readonly state: State;
  readonly #kind: string;
  readonly #module: string;

  protected constructor(kind: string, module: string, fresh: () => State) {
    this.#kind = kind;
    this.#module = module;
    if (revivedState !== undefined) {
      this.state = revivedState as State;
      revivedState = undefined;
    } else {
      this.state = fresh();
      runtime.adopt(this);
    }
  }

  /** Describes the handle for another actor (`recipient`, when known: see `Portable`). */
  [describeHandle](_recipient?: number): HandleDescription {
    return { module: this.#module, kind: this.#kind, data: this.state as unknown };
  }

  /** Releases what dead actors held; called by the root supervisor after every exit. */
  abstract [repairHandle](isDead: (pid: number) => boolean): void;
}

/**
 * Registers how to revive `kind`: `construct` is called while the described state is pending,
 * and the subclass constructor picks it up instead of allocating.
 */
export function registerSharedKind<State>(
  meta: ImportMeta,
  kind: string,
  construct: () => SharedHandle<State>,
): void {
  registerHandleKind(meta, kind, (data) => {
    revivedState = data;
    try {
      return construct();
    } finally {
      revivedState = undefined;
    }
  });
}
