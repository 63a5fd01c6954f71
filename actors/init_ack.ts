import { runtime } from "./_kernel/runtime.ts";

/**
 * Tells the parent that this process is ready, with `value`, as OTP's `proc_lib:init_ack`: in
 * a process started with `initAck: true`, the parent's `start()` resolves to `value` only now,
 * so the parent never talks to a server before it listens or to a worker before its setup is
 * done. The value crosses to the parent as a message does (structured clone; handles such as
 * actor references and queues work).
 *
 * Python has no such call: its `start()` returns once the child exists, and a program that
 * needs the child ready waits on an `Event` or a `Pipe`. Only the first call counts, and in a
 * process started without `initAck: true` it does nothing, so a target may call it either way.
 *
 * @param value What the parent's `start()` resolves to.
 * @throws {ProcessStateError} When called by the main program, which no parent started.
 * @throws {CloneError} If `value` cannot be copied to the parent.
 *
 * @example A child that says when its setup is done
 * ```ts
 * import assert from "node:assert/strict";
 * import { Process } from "../mod.ts";
 * import { warmCache } from "../examples/doc_targets.ts";
 *
 * const p = new Process({ target: warmCache, args: [3], initAck: true });
 * const entries = await p.start<number>();
 * assert.equal(entries, 3);
 * await p.join();
 * ```
 */
export function initAck(value?: unknown): void {
  runtime.acknowledgeStart(value);
}
