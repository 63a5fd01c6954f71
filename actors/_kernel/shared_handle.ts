/**
 * The common shape of supervisor-owned primitives: state in shared words, described to other
 * actors as those words, and held. An actor holds a primitive from the moment its object of it
 * can matter to another actor: when it first describes it (passes it on) or when it revives it
 * from a description. It tells the root supervisor, and again once its last such object is
 * garbage-collected, so that the root repairs the primitive after every exit while some live
 * actor may hold it, and forgets it after. A primitive no other actor ever saw needs no repair
 * (only its creator can touch it) and costs nothing: creating one sends nothing, allocates no id.
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
  revivingForAdoption,
} from "./handles.ts";
import { runtime } from "./runtime.ts";

/**
 * The key of the primitive's id in a description's data, next to its state. A description
 * whose data is the bare state (a closed pipe end describes itself that way) revives an object
 * that is not held: it can change nothing the supervisor would have to repair.
 */
const ID = "\u0000sharedId";

interface Described {
  [ID]: string;
  state: unknown;
}

function isDescribed(data: unknown): data is Described {
  return typeof data === "object" && data !== null && ID in data;
}

let revived: { state: unknown; id: string | undefined } | undefined = undefined;
/** Numbers the primitives this actor creates; with its pid, an id unique in the program. */
let created = 0;

/**
 * Base of every shared primitive. Subclasses call `super(kind, module, fresh)` where `fresh`
 * builds new state; when the object is being revived in another actor, the described state is
 * used instead.
 *
 * @ignore Internal: not part of the public API.
 */
export abstract class SharedHandle<State> implements Portable, Repairable {
  /** The shared state, identical in every actor that holds the handle. */
  protected readonly state: State;
  readonly #kind: string;
  readonly #module: string;
  /**
   * The primitive's id, the same in every actor: given when it is first described, so undefined
   * until then; a revived object without one (a closed pipe end) is never held.
   */
  #id: string | undefined;
  /** Whether this object counts as this actor's hold of the primitive. */
  #held = false;
  /** False for an object that must never be held: the supervisor's own copies, closed ends. */
  readonly #holdable: boolean;

  protected constructor(kind: string, module: string, fresh: () => State) {
    this.#kind = kind;
    this.#module = module;
    const from = revived;
    revived = undefined;
    if (from === undefined) {
      this.state = fresh();
      this.#holdable = true;
      return;
    }
    this.state = from.state as State;
    this.#id = from.id;
    // The root supervisor's own copies, revived only to be repaired, hold nothing.
    this.#holdable = from.id !== undefined && !revivingForAdoption();
    if (this.#holdable) {
      this.#held = true;
      runtime.hold(this, from.id!, false);
    }
  }

  /**
   * Describes the handle for another actor (`recipient`, when known: see `Portable`). The first
   * description of an object this actor created makes the actor a holder.
   */
  [describeHandle](_recipient?: number): HandleDescription {
    if (!this.#holdable) return { module: this.#module, kind: this.#kind, data: this.state };
    this.#id ??= `${runtime.pid}.${++created}`;
    if (!this.#held) {
      this.#held = true;
      runtime.hold(this, this.#id, true);
    }
    const data: Described = { [ID]: this.#id, state: this.state };
    return { module: this.#module, kind: this.#kind, data };
  }

  /** Releases what dead actors held; called by the root supervisor after exits. */
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
    revived = isDescribed(data)
      ? { state: data.state, id: data[ID] }
      : { state: data, id: undefined };
    try {
      return construct();
    } finally {
      revived = undefined;
    }
  });
}
