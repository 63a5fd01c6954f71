/**
 * The number of logical CPUs, as Python's `cpu_count()`: the default size of a pool.
 *
 * @returns At least 1.
 *
 * @example
 * ```ts
 * import { cpuCount } from "../mod.ts";
 *
 * console.assert(cpuCount() >= 1);
 * ```
 */
export function cpuCount(): number {
  return Math.max(1, navigator.hardwareConcurrency ?? 1);
}
