import { runtime } from "./_kernel/runtime.ts";
import { Process } from "./process.ts";

/**
 * The process this code runs in, as Python's `current_process()`: in the main program a
 * `MainProcess` object (pid 1), in a child its own `Process` (or subclass) instance, whose
 * `name`, `pid` and `daemon` are those its parent gave it.
 *
 * @returns The current process; always the same object within one actor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentProcess } from "../mod.ts";
 *
 * assert.equal(currentProcess().name, "MainProcess");
 * ```
 */
export function currentProcess(): Process {
  runtime.selfHandle ??= runtime.constructSelf(() => new Process());
  return runtime.selfHandle as Process;
}
