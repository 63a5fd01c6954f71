/**
 * The common shape of supervisor-owned primitives: state in shared words, described to other
 * actors as those words, and held. An actor holds a primitive from the moment its object of it
 * can matter to another actor: when it first describes it (passes it on) or when it revives it
 * from a description. It tells the root supervisor, and again once its last such object is
 * garbage-collected, so that the root repairs the primitive after every exit while some live
 * actor may hold it, and forgets it after. A primitive no other actor ever saw needs no repair
 * (only its creator can touch it) and costs nothing: creating one sends nothing, allocates no id.
 * A primitive that is only data (a shared array, a number in a Value) has nothing to repair: it is
 * never held, and is described as its bare state.
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
} from "./handles.ts";
import { runtime } from "./runtime.ts";
import { inspect, type Inspection } from "../_shm/inspect.ts";

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

/**
 * What the reviver of a kind hands the constructor: the described state instead of new state.
 * Only {@linkcode registerSharedKind} makes one (the class is exported as a type only), so no
 * argument a user passes to a public constructor can revive an object.
 */
class Revival {
  constructor(
    /** The described state, of the kind's class: the reviver is registered by its module. */
    readonly state: unknown,
    /** The primitive's id; undefined for an object that must never be held (a closed end). */
    readonly id: string | undefined,
    /** The root supervisor revives it only to repair it: see `registerHandleKind`. */
    readonly forAdoption: boolean,
  ) {}
}

export type { Revival };

/**
 * Repairs that freed what a dead holder held, per primitive id: counted where the repairs run
 * (the root supervisor, on the main thread, where an observer reads them). Only a primitive that
 * crossed between actors (so has an id) is repaired.
 */
const ownerDeaths = new Map<string, number>();

/** Numbers the primitives this actor creates; with its pid, an id unique in the program. */
let created = 0;

/**
 * Base of every shared primitive. A public constructor takes the revival its reviver passes
 * (see {@linkcode registerSharedKind}) after its documented parameters, in a signature its
 * documentation does not show, and hands it on to this one.
 *
 * @ignore Internal: not part of the public API.
 */
export abstract class SharedHandle<State> implements Portable, Repairable {
  /** The shared state, identical in every actor that holds the handle. */
  protected readonly state: State;
  readonly #kind: string;
  /**
   * The primitive's id, the same in every actor: given when it is first described, so undefined
   * until then; a revived object without one (a closed pipe end) is never held.
   */
  #id: string | undefined;
  /** Whether this object counts as this actor's hold of the primitive. */
  #held = false;
  /**
   * False for an object that must never be held: a primitive with nothing to repair, the
   * supervisor's own copies, closed ends.
   */
  readonly #holdable: boolean;

  /**
   * Builds new state, or takes the described state when the object is being revived.
   *
   * @param kind The kind registered with {@linkcode registerSharedKind}.
   * @param fresh Builds new state; not called when reviving.
   * @param revival What the reviver passed, if any.
   * @param repairable False for a primitive in whose state no actor can leave anything held
   * (a permit, a writer's turn): it is never held.
   */
  protected constructor(
    kind: string,
    fresh: () => State,
    revival?: Revival,
    repairable = true,
  ) {
    this.#kind = kind;
    // Only a Revival revives: any other extra argument (given in JavaScript) is ignored.
    if (!(revival instanceof Revival)) {
      this.state = fresh();
      this.#holdable = repairable;
      return;
    }
    this.state = revival.state as State;
    this.#id = revival.id;
    // The root supervisor's own copies, revived only to be repaired, hold nothing.
    this.#holdable = revival.id !== undefined && !revival.forAdoption;
    if (this.#holdable) {
      this.#held = true;
      runtime.hold(this, revival.id!, false);
    }
  }

  /**
   * Whether this object counts as this actor's hold of the primitive; in the constructor (after
   * `super`), whether it was revived as a hold.
   */
  protected get held(): boolean {
    return this.#held;
  }

  /**
   * Describes the handle for another actor (`recipient`, when known: see `Portable`). The first
   * description of an object this actor created makes the actor a holder.
   */
  [describeHandle](_recipient?: number): HandleDescription {
    if (!this.#holdable) return { kind: this.#kind, data: this.state };
    this.#id ??= `${runtime.pid}.${++created}`;
    if (!this.#held) {
      this.#held = true;
      runtime.hold(this, this.#id, true);
    }
    const data: Described = { [ID]: this.#id, state: this.state };
    return { kind: this.#kind, data };
  }

  /** Releases what dead actors held; called by the root supervisor after exits. */
  abstract [repairHandle](isDead: (pid: number) => boolean): void;

  /**
   * What an observer shows of the primitive: its class, its id, and
   * {@linkcode SharedHandle.prototype.inspectState}. The root supervisor lists the primitives
   * shared between actors (those it repairs), so one that never crossed costs nothing.
   */
  [inspect](): Inspection {
    const label = this.#id === undefined ? this.#kind : `${this.#kind} ${this.#id}`;
    return { kind: this.#kind, label, state: this.inspectState() };
  }

  /** Notes a repair that freed what a dead actor held, for an observer. */
  protected countOwnerDied(): void {
    if (this.#id !== undefined) ownerDeaths.set(this.#id, (ownerDeaths.get(this.#id) ?? 0) + 1);
  }

  /** The repairs in this thread that freed what a dead actor held. */
  protected get ownerDiedEvents(): number {
    return this.#id === undefined ? 0 : ownerDeaths.get(this.#id) ?? 0;
  }

  /** The primitive's state now, as plain data, for an observer; nothing by default. */
  protected inspectState(): Record<string, unknown> {
    return {};
  }
}

/**
 * Registers how to revive `kind`: `revive` passes the revival it is given to the constructor,
 * which uses the described state instead of allocating.
 */
export function registerSharedKind(
  meta: ImportMeta,
  kind: string,
  revive: (revival: Revival) => SharedHandle<unknown>,
): void {
  registerHandleKind(meta, kind, (data, forAdoption) =>
    revive(
      isDescribed(data)
        ? new Revival(data.state, data[ID], forAdoption)
        : new Revival(data, undefined, forAdoption),
    ));
}
