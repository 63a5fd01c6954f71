import type { ExitReport } from "./_kernel/protocol.ts";
import { pidOf } from "./_kernel/actor_handle.ts";
import { runtime } from "./_kernel/runtime.ts";
import { checkSignal, describeValue } from "./_shm/time.ts";
import type { ActorRef } from "./actor_ref.ts";
import type { ExitReason } from "./exit_reason.ts";
import { reasonOf } from "./_kernel/exit_report.ts";

/** Options of {@linkcode monitor}. */
export interface MonitorOptions {
  /** Removes the monitor (Erlang's `demonitor`): the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Watches an actor, as Erlang's `monitor(process, Pid)`: resolves exactly once, with how the
 * actor ended, when it ends. Any actor can monitor any other, and a monitor does not affect
 * the actor watched (see {@linkcode link} for that). Monitoring an actor that has already
 * ended resolves at once.
 *
 * @param ref The actor to watch.
 * @param options A signal that removes the monitor.
 * @returns The reason the actor ended: `normal`, `error` (with the error and its stack),
 * `terminated`, `killed`, or `noproc` if it was gone and its end is unknown.
 * @throws {TypeError} If `ref` is not an actor reference or the signal not an `AbortSignal`.
 *
 * @example Learn how an actor ended
 * ```ts
 * import assert from "node:assert/strict";
 * import { monitor, spawn } from "../mod.ts";
 * import { crashAtOnce } from "../examples/doc_targets.ts";
 *
 * const actor = await spawn(crashAtOnce, ["bad input"]);
 * const reason = await monitor(actor.ref);
 * assert.equal(reason.kind, "error");
 * assert.equal(reason.error?.message, "bad input");
 * ```
 */
export async function monitor(ref: ActorRef, options: MonitorOptions = {}): Promise<ExitReason> {
  const pid = pidOf(ref, "monitor");
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot monitor: options must be an object, got ${describeValue(options)}`);
  }
  const signal = checkSignal(options.signal, "monitor");
  signal?.throwIfAborted();
  const { id, answer } = runtime.rootCall({ type: "monitor", pid });
  const aborted = Promise.withResolvers<never>();
  const onAbort = () => {
    void runtime.rootCall({ type: "demonitor", monitorId: id });
    aborted.reject(signal?.reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const report = await runtime.waitFor(
      Promise.race([answer, aborted.promise]),
    ) as ExitReport;
    const known = (ref as { exitcode?: number | null }).exitcode ?? null;
    return reasonOf(report.exitcode === null ? { ...report, exitcode: known } : report);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
