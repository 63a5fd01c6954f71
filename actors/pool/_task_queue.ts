/**
 * A pool's queue of units waiting for a worker, and the sources that feed it lazily. A unit is
 * one `apply` task or one chunk of a map; a source is a submission (a map over an iterable) that
 * turns into units only while the queue has room, which is how `maxQueue` applies backpressure
 * to huge or infinite inputs.
 *
 * @module
 */
import { assertCloneable } from "../_shm/clone.ts";
import type { UnitKind, WireValues } from "./_protocol.ts";
import { containsHandles, encodeHandles } from "../_kernel/handles.ts";

/** Who receives a unit's outcome: an `apply` task or a map job. */
export interface UnitOwner {
  /** True once the owner has settled: its remaining units are dropped, their outcomes ignored. */
  readonly done: boolean;
  /** Delivers the value of `unit` (a chunk's values for a map unit). */
  resolveUnit(unit: Unit, value: unknown): void;
  /** Fails `unit`. */
  rejectUnit(unit: Unit, error: Error): void;
}

/** One unit of work, as the engine tracks it. */
export interface Unit {
  /** The engine's id of the function to call. */
  readonly fn: number;
  readonly kind: UnitKind;
  /** Arguments (apply) or items (map, starmap, maybe packed), with handles encoded. */
  readonly payload: WireValues;
  /** The payload holds handles: the worker revives them first. */
  readonly handles: boolean;
  /**
   * The pid of the worker that must run the unit: its handles were described for that worker,
   * which holds them from the moment the unit was submitted. Undefined for any worker.
   */
  readonly recipient: number | undefined;
  readonly owner: UnitOwner;
  /** The chunk's index within its map; 0 for apply. */
  readonly index: number;
  /** The index of the chunk's first item in the map's input; 0 for apply. */
  readonly start: number;
  /** Milliseconds the unit may run once a worker takes it; undefined for no limit. */
  readonly timeout: number | undefined;
  /** The task function's name, for error messages. */
  readonly label: string;
}

/** A submission that yields its units on demand. */
export interface UnitSource {
  /** The next unit, `"wait"` if the source holds back for now, or `"done"` once exhausted. */
  next(): Unit | "wait" | "done";
  /** The task function's name, for error messages. */
  readonly label: string;
  /** Fails the whole submission (terminate, abort, broken pool). */
  cancel(error: Error): void;
}

/** A submission: it yields units, receives their outcomes, and settles once. */
export interface Job extends UnitOwner, UnitSource {
  /** Settles (either way) once the job is finished. */
  readonly settled: Promise<unknown>;
}

/**
 * What a job asks of the engine that runs it: the id of its function, the worker its handles go
 * to, and a call when it has more units to give.
 */
export interface JobHost {
  /**
   * The id workers know `fn` by.
   *
   * @throws {TargetNotFoundError} If `fn` is an anonymous function.
   */
  // deno-lint-ignore ban-types
  functionId(fn: Function, label: string): number;
  /** Picks the worker a unit whose payload holds handles will run on (see `preparePayload`). */
  readonly recipientFor: () => number | undefined;
  /** The job may have more units to give (its consumer made room). */
  wake(): void;
}

/** FIFO of units with an optional bound, refilled from sources in submission order. */
export class TaskQueue {
  #units: Unit[] = [];
  #head = 0;
  #sources: UnitSource[] = [];
  readonly #limit: number;

  /** @param limit The most units waiting at once (`maxQueue`). */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The number of units waiting. */
  get size(): number {
    return this.#units.length - this.#head;
  }

  /** True when no unit waits and no source has more to give. */
  get idle(): boolean {
    return this.size === 0 && this.#sources.length === 0;
  }

  /** True while one more unit fits. */
  hasRoom(): boolean {
    return this.size < this.#limit;
  }

  /** Appends `unit`; the caller checked {@linkcode TaskQueue.prototype.hasRoom}. */
  push(unit: Unit): void {
    this.#units.push(unit);
  }

  /** Puts units back at the front, in order: those a dead worker never started. */
  requeue(units: Unit[]): void {
    if (units.length === 0) return;
    this.#units = [...units, ...this.#units.slice(this.#head)];
    this.#head = 0;
  }

  /**
   * The next unit of a live owner that the worker `recipient` may run (one for any worker, or
   * one for it), refilling from the sources first; it stays queued.
   */
  peek(recipient: number, onlyFor = false): Unit | undefined {
    this.refill();
    while (this.size > 0 && this.#units[this.#head].owner.done) this.#advance();
    const index = this.#find(recipient, onlyFor);
    return index === -1 ? undefined : this.#units[index];
  }

  /** Removes and returns the unit {@linkcode TaskQueue.prototype.peek} showed. */
  shift(recipient: number, onlyFor = false): Unit | undefined {
    const index = this.#find(recipient, onlyFor);
    if (index === -1) return undefined;
    const unit = this.#units[index];
    if (index === this.#head) this.#advance();
    else this.#units.splice(index, 1);
    return unit;
  }

  /** True if a unit that only the worker `recipient` may run is waiting. */
  hasFor(recipient: number): boolean {
    return this.#find(recipient, true) !== -1;
  }

  /** Removes and returns the units that only the worker `recipient` may run. */
  takeFor(recipient: number): Unit[] {
    const kept: Unit[] = [];
    const taken: Unit[] = [];
    for (const unit of this.#units.slice(this.#head)) {
      (unit.recipient === recipient ? taken : kept).push(unit);
    }
    this.#units = kept;
    this.#head = 0;
    return taken;
  }

  /**
   * The first unit `recipient` may run, or with `onlyFor` the first one only it may run. Units
   * for other workers (rare: they carry handles) are skipped, not waited for.
   */
  #find(recipient: number, onlyFor: boolean): number {
    for (let index = this.#head; index < this.#units.length; index++) {
      const unit = this.#units[index];
      if (unit.owner.done) continue;
      if (unit.recipient === recipient || (!onlyFor && unit.recipient === undefined)) {
        return index;
      }
    }
    return -1;
  }

  /** Adds a source and takes what fits from it. */
  addSource(source: UnitSource): void {
    this.#sources.push(source);
    this.refill();
  }

  /** Forgets a job and drops its units still waiting. */
  remove(job: Job): void {
    this.#sources = this.#sources.filter((source) => source !== job);
    this.#units = this.#units.slice(this.#head).filter((unit) => unit.owner !== job);
    this.#head = 0;
  }

  /** Empties the queue: returns the waiting units and the sources, which are forgotten. */
  clear(): { units: Unit[]; sources: UnitSource[] } {
    const cleared = { units: this.#units.slice(this.#head), sources: this.#sources };
    this.#units = [];
    this.#head = 0;
    this.#sources = [];
    return cleared;
  }

  /** Takes units from the sources, oldest source first, while there is room. */
  refill(): void {
    let index = 0;
    while (index < this.#sources.length && this.hasRoom()) {
      const next = this.#sources[index].next();
      if (next === "done") this.#sources.splice(index, 1);
      else if (next === "wait") index++;
      else this.#units.push(next);
    }
  }

  #advance(): void {
    this.#head++;
    if (this.#head * 2 >= this.#units.length) {
      this.#units = this.#units.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** True for values that cross to a worker as they are, with nothing to check or encode. */
function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== "object" && typeof value !== "function" &&
    typeof value !== "symbol");
}

/** A payload ready to queue: see {@linkcode preparePayload}. */
export interface Payload {
  payload: unknown[];
  handles: boolean;
  recipient: number | undefined;
}

/**
 * Checks that `values` can cross to a worker and encodes the handles in them, for the worker
 * `recipientFor()` picks: it holds them from now on, so the caller may close its own copy of a
 * pipe end at once. Plain primitives (the common case of tiny tasks) skip every step, values
 * without handles the encoding. Errors name the value as `label[index]`, counting from
 * `offset` (a chunk's place in its map's input).
 *
 * @throws {CloneError} Naming the first value that cannot cross.
 */
export function preparePayload(
  values: unknown[],
  label: string,
  action: string,
  recipientFor: () => number | undefined,
  offset = 0,
): Payload {
  if (values.every(isPrimitive)) return { payload: values, handles: false, recipient: undefined };
  for (let index = 0; index < values.length; index++) {
    if (!isPrimitive(values[index])) {
      assertCloneable(values[index], `${label}[${offset + index}]`, action);
    }
  }
  if (!containsHandles(values)) return { payload: values, handles: false, recipient: undefined };
  const recipient = recipientFor();
  return { payload: encodeHandles(values, recipient), handles: true, recipient };
}

/** Calls `callback` as the pool's user wrote it; what it throws is reported, never swallowed. */
export function runCallback<A extends unknown[]>(
  callback: ((...args: A) => void) | undefined,
  ...args: A
): void {
  if (callback === undefined) return;
  try {
    callback(...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
