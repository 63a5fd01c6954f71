import { BaseProxy, type ProxyBinding } from "./_base.ts";
import { listItems } from "../_wire/args.ts";

/**
 * A proxy to a list that lives in a {@linkcode Manager}, as Python's `manager.list()`. Every
 * method is a request to the manager, applied there atomically, so any number of actors can
 * append to it without losing an item. Indexes follow Python: a negative index counts from the
 * end. Items are compared by value (deep equality) in `remove`, `index` and `count`.
 *
 * @typeParam T The item type; not checked at run time.
 *
 * @example Several processes fill one list
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager, Process } from "../../../mod.ts";
 * import { appendSquares } from "../../../examples/doc_targets.ts";
 *
 * await using manager = new Manager();
 * const squares = await manager.list<number>();
 * const workers = [[1, 2], [3]].map((numbers) => new Process({ target: appendSquares, args: [squares, numbers] }));
 * for (const p of workers) await p.start();
 * for (const p of workers) await p.join();
 * assert.deepEqual((await squares.slice()).sort(), [1, 4, 9]);
 * ```
 */
export class ListProxy<T = unknown> extends BaseProxy {
  /**
   * Binds a proxy; proxies are made by {@linkcode Manager.prototype.list}, not constructed.
   *
   * @param binding The manager connection and the object.
   */
  constructor(binding: ProxyBinding) {
    super(binding);
  }

  /**
   * Reads the item at `index`.
   *
   * @param index The index; negative counts from the end.
   * @returns The item.
   * @throws {RangeError} If the index is out of range.
   */
  get(index: number): Promise<T> {
    return this.call("get", [index]);
  }

  /**
   * Replaces the item at `index`.
   *
   * @param index The index; negative counts from the end.
   * @param item The new item.
   * @returns Once replaced.
   * @throws {RangeError} If the index is out of range.
   */
  set(index: number, item: T): Promise<void> {
    return this.call("set", [index, item]);
  }

  /**
   * Appends `item`, as Python's `append`, without waiting for the manager's answer: the promise
   * resolves once the request is written, and every later request of this actor sees the item.
   *
   * @param item The item, copied; may be a proxy of the same manager.
   * @returns Once sent.
   * @throws {CloneError} If the item cannot be stored.
   */
  append(item: T): Promise<void> {
    return this.cast("append", [item]);
  }

  /**
   * Appends `items` in one atomic step, as JavaScript's `push`.
   *
   * @param items The items.
   * @returns The new length.
   */
  push(...items: T[]): Promise<number> {
    return this.call("push", [items]);
  }

  /**
   * Appends every item of `items` in one atomic step, as Python's `extend`, without waiting
   * for the manager's answer.
   *
   * @param items The items.
   * @returns Once sent.
   * @throws {TypeError} If `items` is not iterable.
   */
  extend(items: Iterable<T>): Promise<void> {
    return this.castWith("extend", () => [listItems(items, "call list.extend", "items")]);
  }

  /**
   * Removes and returns the item at `index`, the last one by default.
   *
   * @param index The index; negative counts from the end.
   * @returns The item.
   * @throws {RangeError} If the list is empty or the index is out of range.
   */
  pop(index = -1): Promise<T> {
    return this.call("pop", [index]);
  }

  /**
   * Inserts `item` before `index`, as Python's `insert` (an index past either end inserts at
   * that end).
   *
   * @param index The position.
   * @param item The item.
   * @returns Once inserted.
   */
  insert(index: number, item: T): Promise<void> {
    return this.call("insert", [index, item]);
  }

  /**
   * Removes the first item equal to `item`.
   *
   * @param item The value to remove.
   * @returns Once removed.
   * @throws {RangeError} If no item equals it (Python's `ValueError`).
   */
  remove(item: T): Promise<void> {
    return this.call("remove", [item]);
  }

  /**
   * The index of the first item equal to `item`.
   *
   * @param item The value to find.
   * @returns Its index, or -1 when absent (as `indexOf`; Python raises).
   */
  index(item: T): Promise<number> {
    return this.call("index", [item]);
  }

  /**
   * How many items equal `item`.
   *
   * @param item The value to count.
   * @returns The count.
   */
  count(item: T): Promise<number> {
    return this.call("count", [item]);
  }

  /**
   * A copy of the items from `start` up to (not including) `end`, as `Array.prototype.slice`;
   * with no arguments, a copy of the whole list.
   *
   * @param start The first index; negative counts from the end.
   * @param end The index to stop before.
   * @returns The items.
   */
  slice(start?: number, end?: number): Promise<T[]> {
    return this.call("slice", [start, end]);
  }

  /**
   * The number of items (Python's `len`).
   *
   * @returns The length.
   */
  length(): Promise<number> {
    return this.call("length");
  }

  /**
   * Removes every item.
   *
   * @returns Once cleared.
   */
  clear(): Promise<void> {
    return this.call("clear");
  }

  /** Iterates over the items as they were when the iteration started. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* await this.slice();
  }
}
