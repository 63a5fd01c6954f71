import { SIGNAL_EXITCODES } from "./_stop_signal.ts";

/**
 * How an actor ended, in Erlang's terms: `normal` (exit code 0), `error` (an uncaught error or
 * a non-zero `exit(code)`), `terminated` (`terminate()`, or a linked actor's abnormal exit),
 * `killed` (`kill()`), or `noproc` (a monitor of an actor that was already gone and whose end is
 * no longer known).
 */
export type ExitKind = "normal" | "error" | "terminated" | "killed" | "noproc";

/**
 * Why an actor ended: what {@linkcode monitor} resolves to, what a trapped
 * {@linkcode ExitSignal} carries and what a {@linkcode Supervisor} decides restarts on.
 */
export interface ExitReason {
  /** The pid of the actor that ended. */
  pid: number;
  /** How it ended. */
  kind: ExitKind;
  /** Its exit code (Python's `exitcode`), or null for `noproc`. */
  exitcode: number | null;
  /** The error it died of, with the child's stack, when there was one. */
  error: Error | null;
}

/**
 * Classifies an exit: the reason for exit code `exitcode` and the error the actor died of.
 *
 * @param pid The actor's pid.
 * @param exitcode Its exit code, or null if it is unknown.
 * @param error The error it died of, if any.
 * @returns The reason.
 *
 * @example An uncaught error and a terminate
 * ```ts
 * import assert from "node:assert/strict";
 * import { exitReason } from "../mod.ts";
 *
 * assert.equal(exitReason(2, 1, new Error("boom")).kind, "error");
 * assert.equal(exitReason(3, -15, null).kind, "terminated");
 * assert.equal(exitReason(4, 0, null).kind, "normal");
 * ```
 */
export function exitReason(pid: number, exitcode: number | null, error: Error | null): ExitReason {
  return { pid, kind: kindOf(exitcode), exitcode, error };
}

function kindOf(exitcode: number | null): ExitKind {
  if (exitcode === null) return "noproc";
  if (exitcode === 0) return "normal";
  if (exitcode === SIGNAL_EXITCODES.terminate) return "terminated";
  if (exitcode === SIGNAL_EXITCODES.kill) return "killed";
  return "error";
}

/**
 * True for an exit a `transient` child is restarted after and a link propagates: anything but
 * `normal`.
 *
 * @param reason How the actor ended.
 * @returns Whether the exit was abnormal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exitReason, isAbnormal } from "../mod.ts";
 *
 * assert.equal(isAbnormal(exitReason(2, 0, null)), false);
 * assert.equal(isAbnormal(exitReason(2, -9, null)), true);
 * ```
 */
export function isAbnormal(reason: ExitReason): boolean {
  return reason.kind !== "normal";
}
