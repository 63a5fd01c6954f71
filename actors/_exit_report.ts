import type { ExitReport } from "./_protocol.ts";
import { deserializeError } from "./_serialized_error.ts";
import { type ExitReason, exitReason } from "./exit_reason.ts";

/** Rebuilds an exit reason that crossed from the supervisor. */
export function reasonOf(report: ExitReport): ExitReason {
  const error = report.error === null ? null : deserializeError(report.error);
  return exitReason(report.pid, report.exitcode, error);
}
