import { isMainThread } from "node:worker_threads";
import { SystemExit } from "./errors.ts";

/**
 * Ends the current actor with `code`, as Python's `sys.exit(code)`. In a child it throws
 * {@linkcode SystemExit}, which the worker host turns into the process's `exitcode` (after
 * ending the child's own children as a normal exit does); it works from any callback, not only
 * from the target. In the main program it ends the program, children included. In a child,
 * `Deno.exit(code)` (and `process.exit(code)`) does the same: the exit code is kept.
 *
 * @param code An integer exit code.
 * @returns Never.
 * @throws {SystemExit} Always, in a child: let it propagate.
 * @throws {RangeError} If `code` is not an integer from 0 to 255.
 *
 * @example Exit early from a target
 * ```ts ignore
 * import { exit } from "../mod.ts";
 *
 * export function work(items: number[]) {
 *   if (items.length === 0) exit(3);
 * }
 * ```
 */
export function exit(code = 0): never {
  if (!Number.isInteger(code) || code < 0 || code > 255) {
    throw new RangeError(`Cannot exit: code must be an integer from 0 to 255, got ${code}`);
  }
  if (isMainThread) Deno.exit(code);
  throw new SystemExit(code);
}
