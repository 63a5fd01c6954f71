/**
 * The seam through which actors run on other machines. The root supervisor treats every actor as
 * a worker it posts commands to and hears reports from; an {@linkcode ActorWorker} on another
 * machine (a NATS agent's Worker, bridged) is, to it, one more worker. A context that can place
 * actors elsewhere installs its {@linkcode RemoteHosts} here; without one, every actor runs on
 * this machine and nothing here costs anything.
 *
 * @module
 */
import type { Transferable } from "node:worker_threads";
import type { ActorAddress, ActorSpec, HostCommand, HostReport } from "../protocol.ts";
import type { Placement } from "../../placement.ts";
import { describeValue } from "../../_shm/time.ts";

/** What the root supervisor uses of a Worker: `node:worker_threads`' Worker is one. */
export interface ActorWorker {
  postMessage(command: HostCommand, transfer?: readonly Transferable[]): void;
  /** Ends the worker; its `exit` event follows. */
  terminate(): unknown;
  on(event: "message", listener: (report: HostReport) => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
  on(event: "exit", listener: () => void): unknown;
}

/** Places actors on other machines. */
export interface RemoteHosts {
  /**
   * The worker for `spec` on another machine, or null to run it on this one. `parent` is the
   * worker of the actor that starts it (undefined for the main program): a child of an actor
   * on another machine runs there unless its placement names another.
   *
   * @throws {SpawnError} When the placement names no live agent.
   */
  place(spec: ActorSpec, parent: ActorWorker | undefined): ActorWorker | null;
  /** The actor at `address` has been reaped with `exitcode`: copies of its words elsewhere learn it. */
  reaped(address: ActorAddress, exitcode: number): void;
}

let hosts: RemoteHosts | null = null;

/** Installs (or, with null, removes) the hosts that place actors on other machines. */
export function useRemoteHosts(remote: RemoteHosts | null): void {
  hosts = remote;
}

/** The installed hosts, if any. */
export function remoteHosts(): RemoteHosts | null {
  return hosts;
}

/**
 * Validates a placement option; `prefix` starts the error's message ("Cannot create process").
 *
 * @throws {TypeError} If `value` is not a placement.
 */
export function checkPlacement(value: unknown, prefix: string): Placement {
  if (value === "local" || value === "any") return value;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const { agent, isolation, ...rest } = value as Record<string, unknown>;
    const agentOk = agent === undefined || (typeof agent === "string" && agent.length > 0);
    const isolationOk = isolation === undefined || isolation === "worker" ||
      isolation === "process";
    if (agentOk && isolationOk && Object.keys(rest).length === 0 && Object.keys(value).length > 0) {
      return {
        ...(agent === undefined ? {} : { agent }),
        ...(isolation === undefined ? {} : { isolation }),
      } as Placement;
    }
  }
  throw new TypeError(
    `${prefix}: placement must be "local", "any" or { agent?: "name", isolation?: "worker" | ` +
      `"process" }, got ${describeValue(value)}`,
  );
}
