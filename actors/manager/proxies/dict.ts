import { BaseProxy, type ProxyBinding } from "./_base.ts";
import { checkDictKey, dictEntries } from "../_wire/args.ts";
import type { UpdateOp } from "../update_op.ts";
import type { DictKey } from "../_wire/protocol.ts";

export type { DictKey };

/**
 * A proxy to a dict that lives in a {@linkcode Manager}, as Python's `manager.dict()`. Every
 * method is a request to the manager, so the dict is the same for every actor the proxy is
 * passed to (as a Process argument, or stored inside another managed object). Values keep
 * structured-clone fidelity; proxies of the same manager may be stored as values.
 *
 * A read-modify-write such as `set(k, (await get(k)) + 1)` races with other actors, exactly as
 * in Python: guard it with a managed lock, or use an operation the manager applies atomically:
 * {@linkcode DictProxy.prototype.increment}, `update(key, op)`,
 * {@linkcode DictProxy.prototype.setDefault}, {@linkcode DictProxy.prototype.compareAndSet},
 * {@linkcode DictProxy.prototype.append}.
 *
 * `set` does not wait for the manager's answer (see {@linkcode DictProxy.prototype.set}), so
 * a run of writes costs no round trip each.
 *
 * @typeParam K The key type.
 * @typeParam V The value type; not checked at run time.
 *
 * @example The seeds' shared counter, made safe by an atomic increment
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager, Process } from "../../../mod.ts";
 * import { countWords } from "../../../examples/doc_targets.ts";
 *
 * await using manager = new Manager();
 * const counts = await manager.dict<string, number>();
 * const workers = ["a b a", "b a"].map((text) => new Process({ target: countWords, args: [counts, text] }));
 * for (const p of workers) await p.start();
 * for (const p of workers) await p.join();
 * assert.equal(await counts.get("a"), 3);
 * assert.equal(await counts.get("b"), 2);
 * ```
 */
export class DictProxy<K extends DictKey = string, V = unknown> extends BaseProxy {
  /**
   * Binds a proxy; proxies are made by {@linkcode Manager.prototype.dict}, not constructed.
   *
   * @param binding The manager connection and the object.
   */
  constructor(binding: ProxyBinding) {
    super(binding);
  }

  /**
   * Reads the value under `key`.
   *
   * @param key The key.
   * @returns The value, or undefined when the key is missing.
   * @throws {ManagerClosedError} If the manager is out of reach.
   */
  get(key: K): Promise<V | undefined>;
  /**
   * Reads the value under `key`, or `fallback` when it is missing (Python's `get(k, default)`).
   *
   * @typeParam D The fallback's type.
   * @param key The key.
   * @param fallback What a missing key reads as.
   * @returns The value or the fallback.
   */
  get<D>(key: K, fallback: D): Promise<V | D>;
  get(key: K, ...fallback: unknown[]): Promise<unknown> {
    return this.call("get", [key, ...fallback]);
  }

  /**
   * Stores `value` under `key`. The request is sent without waiting for the manager's answer:
   * the promise resolves once it is written, every later request of this actor sees the value,
   * and an error the manager raises is reported by the next call on this proxy or by `flush()`.
   *
   * @param key The key.
   * @param value The value, copied; may hold proxies of the same manager.
   * @throws {TypeError} If the key is not a string, number, bigint or boolean.
   * @throws {CloneError} If the value cannot be stored (a function, a class instance, a handle
   * on shared memory, a proxy of another manager).
   * @throws {ManagerClosedError} If the manager is out of reach.
   */
  set(key: K, value: V): Promise<void> {
    if (typeof key === "string") return this.cast("set", [key, value]);
    return this.castWith("set", () => [checkDictKey(key, "call dict.set"), value]);
  }

  /**
   * Removes `key`.
   *
   * @param key The key.
   * @returns True if it was present.
   */
  delete(key: K): Promise<boolean> {
    return this.call("delete", [key]);
  }

  /**
   * Whether `key` is present (Python's `k in d`).
   *
   * @param key The key.
   * @returns True if present.
   */
  has(key: K): Promise<boolean> {
    return this.call("has", [key]);
  }

  /**
   * The keys, in insertion order, at one moment.
   *
   * @returns A copy of the keys.
   */
  keys(): Promise<K[]> {
    return this.call("keys");
  }

  /**
   * The values, in insertion order, at one moment.
   *
   * @returns A copy of the values.
   */
  values(): Promise<V[]> {
    return this.call("values");
  }

  /**
   * The `[key, value]` pairs, in insertion order, at one moment (Python's `items()`).
   *
   * @returns A copy of the entries.
   */
  entries(): Promise<[K, V][]> {
    return this.call("entries");
  }

  /**
   * The number of keys (Python's `len(d)`).
   *
   * @returns The size.
   */
  size(): Promise<number> {
    return this.call("size");
  }

  /**
   * Removes every key.
   *
   * @returns Once cleared.
   */
  clear(): Promise<void> {
    return this.call("clear");
  }

  /**
   * Copies every entry of `other` in, as Python's `d.update(other)`, in one atomic step.
   *
   * @param other Entries, a Map, or a plain object (for string keys).
   * @returns Once applied.
   * @throws {TypeError} If `other` is none of those, or holds a key that is not a primitive.
   */
  update(other: Iterable<readonly [K, V]> | Record<K & string, V>): Promise<void>;
  /**
   * Applies `op` to the value under `key` inside the manager, atomically: no update by another
   * actor can come between its read and its write. See {@linkcode UpdateOp}.
   *
   * @param key The key.
   * @param op The operation, e.g. `{ op: "add", value: 1 }`.
   * @returns The new value.
   * @throws {TypeError} If the operation does not apply to the current value.
   */
  update(key: K, op: UpdateOp): Promise<V>;
  update(
    keyOrOther: K | Iterable<readonly [K, V]> | Record<K & string, V>,
    op?: UpdateOp,
  ): Promise<unknown> {
    if (op !== undefined) return this.call("update", [keyOrOther, op]);
    return this.callWith("merge", () => [dictEntries(keyOrOther, "call dict.update", "other")]);
  }

  /**
   * Adds `by` to the number under `key` atomically; a missing key counts as 0.
   *
   * @param key The key.
   * @param by The amount, 1 by default.
   * @returns The new number.
   * @throws {TypeError} If the value under `key` is not a number.
   */
  increment(key: K, by = 1): Promise<number> {
    return this.call("update", [key, { op: "add", value: by }]);
  }

  /**
   * Appends `item` to the array under `key` atomically; a missing key counts as `[]`.
   *
   * @param key The key.
   * @param item The item.
   * @returns The new array.
   * @throws {TypeError} If the value under `key` is not an array.
   */
  append(key: K, item: unknown): Promise<V> {
    return this.call("update", [key, { op: "append", value: item }]);
  }

  /**
   * Returns the value under `key`, first storing `value` there if the key is missing
   * (Python's `setdefault`), atomically.
   *
   * @param key The key.
   * @param value The value to store when missing.
   * @returns The value now under `key`.
   */
  setDefault(key: K, value: V): Promise<V> {
    return this.call("setDefault", [key, value]);
  }

  /**
   * Removes `key` and returns its value.
   *
   * @param key The key.
   * @returns The value it had.
   * @throws {RangeError} If the key is missing (Python's `KeyError`).
   */
  pop(key: K): Promise<V>;
  /**
   * Removes `key` and returns its value, or `fallback` when it is missing.
   *
   * @typeParam D The fallback's type.
   * @param key The key.
   * @param fallback What a missing key returns.
   * @returns The value it had, or the fallback.
   */
  pop<D>(key: K, fallback: D): Promise<V | D>;
  pop(key: K, ...fallback: unknown[]): Promise<unknown> {
    return this.call("pop", [key, ...fallback]);
  }

  /**
   * Stores `value` under `key` only if the current value equals `expected` (deep equality);
   * `expected` undefined means "only if the key is missing". Atomic.
   *
   * @param key The key.
   * @param expected The value the key must hold, or undefined for a missing key.
   * @param value The new value.
   * @returns True if it was stored.
   */
  compareAndSet(key: K, expected: V | undefined, value: V): Promise<boolean> {
    return this.call("compareAndSet", [key, expected, value]);
  }

  /** Iterates over the keys as they were when the iteration started. */
  async *[Symbol.asyncIterator](): AsyncIterator<K> {
    yield* await this.keys();
  }
}
