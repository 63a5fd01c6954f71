/**
 * An atomic read-modify-write that a manager applies to one of its values, for
 * `DictProxy.update(key, op)` and `ValueProxy.update(op)`. Functions cannot cross between
 * actors, and a manager never runs code a client names (a remote client could otherwise make it
 * import any module), so the operation is described as data:
 *
 * - `{ op: "add", value }`: adds a number or a bigint; a missing value counts as 0.
 * - `{ op: "max", value }` / `{ op: "min", value }`: keeps the larger / smaller; a missing value
 *   becomes `value`.
 * - `{ op: "append", value }`: appends to an array; a missing value counts as `[]`.
 * - `{ op: "extend", values }`: appends every item of `values` to an array.
 * - `{ op: "merge", value }`: copies the fields of a plain object over the current one; a missing
 *   value counts as `{}`.
 *
 * The manager applies each operation to the value it holds in one step, between two requests,
 * so concurrent updates from any number of actors are never lost.
 *
 * @example Count words from several actors without a lock
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager, type UpdateOp } from "../../mod.ts";
 *
 * await using manager = new Manager();
 * const counts = await manager.dict<string, number>();
 * const one: UpdateOp = { op: "add", value: 1 };
 * await Promise.all(["a", "b", "a"].map((word) => counts.update(word, one)));
 * assert.equal(await counts.get("a"), 2);
 * ```
 */
export type UpdateOp =
  | { op: "add"; value: number | bigint }
  | { op: "max"; value: number | bigint | string }
  | { op: "min"; value: number | bigint | string }
  | { op: "append"; value: unknown }
  | { op: "extend"; values: unknown[] }
  | { op: "merge"; value: Record<string, unknown> };
