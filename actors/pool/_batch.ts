/**
 * The wire form of a pool's work: the numbers task functions go by, and the batch request that
 * carries units to a worker. Each worker is sent a function's definition the first time it gets
 * a unit of it; consecutive units of one function and kind travel as one group, with numbers
 * packed (see `packValues`), and chunk values come back packed too.
 *
 * It is apart from the engine, which decides which worker gets which units and when: this is
 * only how units are written down, so the engine never builds a wire group.
 *
 * @module
 */
import {
  packValues,
  type PoolRequest,
  unpackValues,
  type WireGroup,
  type WireValues,
} from "./_protocol.ts";
import type { TargetRef } from "../_kernel/protocol.ts";
import { runtime } from "../_kernel/runtime.ts";
import { refFor } from "../_kernel/targets.ts";
import type { Unit } from "./_task_queue.ts";

// deno-lint-ignore ban-types
type Callable = Function;

/** The ids workers know task functions by: one per function, whatever object it is reached by. */
export class FunctionTable {
  readonly #ids = new Map<string, number>();
  readonly #seen = new WeakMap<Callable, number>();
  readonly #refs: TargetRef[] = [];

  /**
   * The id of `fn`.
   *
   * @throws {TargetNotFoundError} If `fn` is an anonymous function.
   */
  idOf(fn: Callable, label: string): number {
    const known = this.#seen.get(fn);
    if (known !== undefined) return known;
    const ref = refFor(fn, runtime.mainModule, `task "${label}" in the pool`);
    const key = `${ref.via}:${ref.module}#${ref.name}`;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#refs.push(ref) - 1;
      this.#ids.set(key, id);
    }
    this.#seen.set(fn, id);
    return id;
  }

  /** Where a worker finds the function numbered `id`. */
  refOf(id: number): TargetRef {
    return this.#refs[id];
  }
}

/**
 * The request that sends `units` to a worker, with the definitions of the functions not in
 * `known`, which it adds them to.
 */
export function batchRequest(
  units: Unit[],
  known: Set<number>,
  functions: FunctionTable,
): PoolRequest {
  const defs: [number, TargetRef][] = [];
  const groups: WireGroup[] = [];
  for (let start = 0, end = 1; start < units.length; start = end++) {
    const first = units[start];
    while (end < units.length && sameGroup(units[end], first)) end++;
    groups.push(groupOf(units.slice(start, end)));
    if (!known.has(first.fn)) {
      known.add(first.fn);
      defs.push([first.fn, functions.refOf(first.fn)]);
    }
  }
  return { type: "batch", defs, groups };
}

/** A unit's result as its owner takes it: a chunk's values unpacked. */
export function valueOf(unit: Unit, value: unknown): unknown {
  return unit.kind === "apply" ? value : unpackValues(value as WireValues);
}

function sameGroup(unit: Unit, first: Unit): boolean {
  return unit.fn === first.fn && unit.kind === first.kind && unit.handles === first.handles;
}

/** Units of one group on the wire; apply units of one arity send their arguments end to end. */
function groupOf(units: Unit[]): WireGroup {
  const { fn, kind, handles } = units[0];
  const count = units.length;
  if (kind === "apply" && !handles && count > 1) {
    const args = argumentsEndToEnd(units);
    if (args !== null) return { fn, kind, handles, count, payloads: args };
  }
  const payloads = units.map((unit) => unit.payload);
  if (kind === "apply") return { fn, kind, handles, count, payloads };
  return {
    fn,
    kind,
    handles,
    count,
    payloads,
    starts: packValues(units.map((unit) => unit.start)),
  };
}

/** The arguments of apply units of one arity, end to end; null if their arities differ. */
function argumentsEndToEnd(units: Unit[]): { arity: number; args: WireValues } | null {
  const arity = (units[0].payload as unknown[]).length;
  const args: unknown[] = [];
  for (const unit of units) {
    const list = unit.payload as unknown[];
    if (list.length !== arity) return null;
    for (const arg of list) args.push(arg);
  }
  return { arity, args: packValues(args) };
}
