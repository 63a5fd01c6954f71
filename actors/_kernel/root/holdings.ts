/**
 * The shared primitives that live workers hold, and their repair after exits. Each actor tells
 * the root which primitives it holds (see `HoldChange` in the protocol); the root keeps a copy
 * of each, revived from a holder's description, and repairs the copies while some live actor
 * holds them. A primitive the program dropped everywhere is forgotten, so the cost of an exit
 * follows the primitives alive, not every one ever created.
 *
 * @module
 */
import { type HoldChange, MAIN_PID } from "../protocol.ts";
import { inspect, type Inspectable, type Inspection } from "../../_shm/inspect.ts";
import {
  type Portable,
  type Repairable,
  repairHandle,
  reviveForAdoption,
  type SentDescription,
} from "../handles.ts";

/** A shared primitive as an observer shows it: its id, what it says, the actors holding it. */
export interface SharedInspection extends Inspection {
  key: string;
  heldBy: number[];
}

/** A shared primitive some live worker holds. */
interface Held {
  /** The root's copy, revived from a holder's description for repairs; null until then. */
  copy: Repairable | null;
  /** The live workers holding it. */
  readonly holders: Set<number>;
}

/** The holdings of every worker, and the repair of what they hold. */
export class RootHoldings {
  /** The primitives live workers hold, by id. */
  readonly #held = new Map<string, Held>();
  /** The ids of the primitives each worker holds, to drop its holds when it exits. */
  readonly #holdsOf = new Map<number, Set<string>>();
  readonly #mainHeld: () => Iterable<[string, Portable & Repairable]>;
  readonly #isDead: (pid: number) => boolean;

  /**
   * `mainHeld` lists the main program's own primitives (read from its runtime, not reported);
   * `isDead` tells a reaped pid, whose holds a repair releases.
   */
  constructor(
    mainHeld: () => Iterable<[string, Portable & Repairable]>,
    isDead: (pid: number) => boolean,
  ) {
    this.#mainHeld = mainHeld;
    this.#isDead = isDead;
  }

  /** The number of shared primitives that live workers hold (the main program's not counted). */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Repairs a primitive an actor has just revived: its description may have been in flight
   * (in a queue, a message) while an actor holding it died, when no live actor held it and so
   * nobody repaired it. Its new holder can acquire nothing from a dead holder before this: a
   * permit held by the dead stays taken until repaired.
   */
  repairOnce(handle: Repairable): void {
    handle[repairHandle](this.#isDead);
  }

  /**
   * Repairs every primitive some live actor holds: what the dead held is released. A primitive
   * the main program holds is repaired through its own live object, whose wake reaches the
   * main thread's waiters at once (a wake through another object of the same memory reaches
   * them only at their next poll); the others through the root's copy.
   */
  repairAll(): void {
    const repaired = new Set<string>();
    for (const [id, handle] of this.#mainHeld()) {
      handle[repairHandle](this.#isDead);
      if (this.#held.has(id)) repaired.add(id);
    }
    for (const [id, held] of this.#held) {
      if (!repaired.has(id)) held.copy?.[repairHandle](this.#isDead);
    }
  }

  /**
   * What an observer shows of every primitive shared between actors, once each: its own
   * description (`[inspect]`) and the actors holding it.
   */
  inspect(): SharedInspection[] {
    const found = new Map<string, SharedInspection>();
    const add = (id: string, handle: unknown, holders: number[]) => {
      const known = found.get(id);
      if (known !== undefined) return known.heldBy.push(...holders);
      if (typeof handle !== "object" || handle === null || !(inspect in handle)) return;
      const inspection = (handle as Inspectable)[inspect]() as Inspection;
      found.set(id, { key: id, ...inspection, heldBy: holders });
    };
    for (const [id, handle] of this.#mainHeld()) add(id, handle, [MAIN_PID]);
    for (const [id, held] of this.#held) add(id, held.copy, [...held.holders]);
    return [...found.values()];
  }

  /** Applies a worker's changes of holdings, in order. */
  apply(pid: number, changes: HoldChange[]): void {
    for (const change of changes) {
      if (change.type === "hold") this.#hold(pid, change.id, change.handle);
      else this.#release(pid, change.id);
    }
  }

  /** Drops the holds of an actor that exited, once the repair its exit triggered has run. */
  drop(pid: number): void {
    for (const id of this.#holdsOf.get(pid) ?? []) this.#release(pid, id);
    this.#holdsOf.delete(pid);
  }

  #hold(pid: number, id: string, description: SentDescription): void {
    let held = this.#held.get(id);
    if (held === undefined) {
      held = { copy: null, holders: new Set() };
      this.#held.set(id, held);
      const entry = held;
      reviveForAdoption(description).then(
        (copy) => {
          entry.copy = copy as Repairable;
          // Exits while it was being revived could not repair it, and a description may have
          // been in flight while a holder died: repair it now, whether still held or not.
          this.repairOnce(entry.copy);
        },
        (error) => {
          if (this.#held.get(id) === entry) this.#held.delete(id);
          console.error(
            `Cannot repair a shared primitive held by actor ${pid}: the main thread could not ` +
              "revive it",
            error,
          );
        },
      );
    }
    held.holders.add(pid);
    const ids = this.#holdsOf.get(pid) ?? new Set<string>();
    this.#holdsOf.set(pid, ids.add(id));
  }

  #release(pid: number, id: string): void {
    this.#holdsOf.get(pid)?.delete(id);
    const held = this.#held.get(id);
    if (held === undefined) return;
    held.holders.delete(pid);
    if (held.holders.size === 0) this.#held.delete(id);
  }
}
