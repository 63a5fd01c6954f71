import { ActorHandle } from "./_kernel/actor_handle.ts";
import { runtime } from "./_kernel/runtime.ts";
import type { ActorRef } from "./actor_ref.ts";

/**
 * A child's view of its parent: a reference to it (pid, name, whether it still runs, its
 * mailbox). The supervisor ends a subtree whose root dies, so a child never outlives its
 * parent for long: no orphans.
 */
export type ParentProcess = ActorRef;

let cached: ParentProcess | null = null;

/**
 * The parent of the current process, as Python's `parent_process()`: null in the main
 * program.
 *
 * @returns The parent, or null in the main program.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parentProcess } from "../mod.ts";
 *
 * assert.equal(parentProcess(), null);
 * ```
 */
export function parentProcess(): ParentProcess | null {
  const parent = runtime.parent;
  if (parent === null) return null;
  cached ??= new ActorHandle({
    pid: parent.pid,
    name: parent.name,
    status: parent.status.buffer as SharedArrayBuffer,
    mailbox: parent.mailbox.buffer as SharedArrayBuffer,
  });
  return cached;
}
