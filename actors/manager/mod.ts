/**
 * A Manager: an actor that owns shared dicts, lists, namespaces, queues, locks, events and values,
 * and hands out typed proxies to them, within a program or over TCP.
 *
 * @example A shared dict
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager } from "./mod.ts";
 *
 * await using manager = new Manager();
 * const counts = await manager.dict<string, number>();
 * await counts.increment("a");
 * assert.equal(await counts.get("a"), 1);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./manager.ts";
export * from "./proxies/mod.ts";
export * from "./update_op.ts";
