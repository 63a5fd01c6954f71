import type { ExitReport } from "./protocol.ts";
import { deserializeError } from "./wire_errors.ts";
import { type ExitReason, exitReason } from "../exit_reason.ts";

/** Rebuilds an exit reason that crossed from the supervisor. */
export function reasonOf(report: ExitReport): ExitReason {
  const error = report.error === null ? null : deserializeError(report.error);
  return exitReason(report.pid, report.exitcode, error);
}
