import { BaseProxy, type ProxyBinding } from "./_base.ts";
import { describeValue } from "../../_shm/time.ts";

/**
 * A proxy to a namespace that lives in a {@linkcode Manager}, as Python's
 * `manager.Namespace()`: named attributes shared by every actor. JavaScript has no asynchronous
 * property access, so attributes are read and written by name, typed by `T`.
 *
 * @typeParam T The attributes and their types; not checked at run time.
 *
 * @example Share settings with a process
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager, Process } from "../../../mod.ts";
 * import { raiseLevel } from "../../../examples/doc_targets.ts";
 *
 * await using manager = new Manager();
 * const settings = await manager.namespace<{ level: number }>({ level: 1 });
 * const p = new Process({ target: raiseLevel, args: [settings] });
 * await p.start();
 * await p.join();
 * assert.equal(await settings.get("level"), 2);
 * ```
 */
export class NamespaceProxy<T extends Record<string, unknown> = Record<string, unknown>>
  extends BaseProxy {
  /**
   * Binds a proxy; proxies are made by {@linkcode Manager.prototype.namespace}, not
   * constructed.
   *
   * @param binding The manager connection and the object.
   */
  constructor(binding: ProxyBinding) {
    super(binding);
  }

  /**
   * Reads the attribute `name` (Python's `ns.name`).
   *
   * @typeParam N The attribute name.
   * @param name The attribute name.
   * @returns Its value, or undefined when it was never set.
   */
  get<N extends keyof T & string>(name: N): Promise<T[N] | undefined> {
    return this.call("get", [name]);
  }

  /**
   * Sets the attribute `name` (Python's `ns.name = value`), without waiting for the manager's
   * answer: every later request of this actor sees it.
   *
   * @typeParam N The attribute name.
   * @param name The attribute name.
   * @param value The value, copied.
   * @returns Once sent.
   * @throws {TypeError} If `name` is not a string.
   */
  set<N extends keyof T & string>(name: N, value: T[N]): Promise<void> {
    if (typeof name === "string") return this.cast("set", [name, value]);
    return Promise.reject(
      new TypeError(
        `Cannot call namespace.set: the attribute name must be a string, got ${
          describeValue(name)
        }`,
      ),
    );
  }

  /**
   * Whether the attribute `name` is set (Python's `hasattr`).
   *
   * @param name The attribute name.
   * @returns True if set.
   */
  has(name: keyof T & string): Promise<boolean> {
    return this.call("has", [name]);
  }

  /**
   * Removes the attribute `name` (Python's `del ns.name`).
   *
   * @param name The attribute name.
   * @returns True if it was set.
   */
  delete(name: keyof T & string): Promise<boolean> {
    return this.call("delete", [name]);
  }

  /**
   * Every attribute at one moment, as a plain object.
   *
   * @returns A copy of the attributes.
   */
  toObject(): Promise<Partial<T>> {
    return this.call("toObject");
  }
}
