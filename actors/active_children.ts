import { runtime } from "./_kernel/runtime.ts";
import type { Process } from "./process.ts";

/**
 * The children of the current process that are still alive, as Python's
 * `active_children()`. Ended children are already reaped by the supervisor: nothing to join.
 *
 * @returns The live children, in start order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { activeChildren } from "../mod.ts";
 *
 * assert.equal(activeChildren().length, 0);
 * ```
 */
export function activeChildren(): Process[] {
  return runtime.liveChildren()
    .map((child) => child.handle as Process)
    .filter((process) => process.isAlive());
}
