/**
 * The number of logical CPUs, as Python's `cpu_count()`: the default size of a pool.
 *
 * @returns At least 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuCount } from "../mod.ts";
 *
 * assert.ok(cpuCount() >= 1);
 * ```
 */
export function cpuCount(): number {
  return Math.max(1, navigator.hardwareConcurrency ?? 1);
}
