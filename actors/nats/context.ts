/**
 * The NATS context: `getContext("nats", options)` connects, opens this program's session on the
 * cluster (see `_bridge/plane.ts`) and installs it as the kernel's remote hosts, so processes
 * whose placement names an agent start there.
 *
 * @module
 */
import { remoteHosts, useRemoteHosts } from "../_kernel/root/remote.ts";
import { ProcessStateError } from "../errors.ts";
import { checkInteger, describeValue } from "../_shm/time.ts";
import { Plane } from "./_bridge/plane.ts";
import type { NatsContextOptions, NatsPlacement } from "./placement.ts";
import { connectInWorker } from "./_bridge/worker_transport.ts";
import { DEFAULT_LIVENESS } from "./_bridge/protocol.ts";

/** Connects and opens this program's session on the cluster (see `getContext`). */
export async function openNatsPlacement(options: NatsContextOptions): Promise<NatsPlacement> {
  if (remoteHosts() !== null) {
    throw new ProcessStateError(
      "Cannot open a second NATS context: this program has one open; close it first, or use " +
        "the one you have",
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot get a NATS context: options must be an object with servers, got ${
        describeValue(options)
      }`,
    );
  }
  const { servers, name, credentials, timeout, cluster = "default" } = options;
  if (typeof cluster !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(cluster)) {
    throw new TypeError(
      "Cannot get a NATS context: cluster must be 1 to 64 letters, digits, - or _ (it names " +
        `NATS subjects), got ${describeValue(cluster)}`,
    );
  }
  const action = "get a NATS context";
  const heartbeatMs = options.heartbeatMs === undefined
    ? DEFAULT_LIVENESS.heartbeatMs
    : checkInteger(options.heartbeatMs, action, "heartbeatMs", { min: 1, max: 60_000 });
  const deadAfterMs = options.deadAfterMs === undefined
    ? Math.max(DEFAULT_LIVENESS.deadAfterMs, 3 * heartbeatMs)
    : checkInteger(options.deadAfterMs, action, "deadAfterMs", {
      min: 2 * heartbeatMs,
      max: 3_600_000,
    });
  const transport = await connectInWorker({ servers, name, credentials, timeout });
  const plane = new Plane(transport, cluster, { heartbeatMs, deadAfterMs });
  useRemoteHosts(plane);
  // A program's first spawn follows at once (with MP_CONTEXT, before any of its code runs):
  // the agents must be known by then.
  await plane.discovered();
  let closed: Promise<void> | null = null;
  const agents = async (wanted: { atLeast?: number; timeout?: number } = {}) => {
    const { atLeast = 0, timeout = 5000 } = wanted;
    return atLeast === 0 ? plane.agents() : await plane.waitForAgents(atLeast, timeout);
  };
  return {
    kind: "nats",
    placement: "any",
    agents,
    becomeDefault(isDefault) {
      plane.defaultPlacement = isDefault ? "any" : "local";
    },
    close() {
      closed ??= (async () => {
        plane.close();
        if (remoteHosts() === plane) useRemoteHosts(null);
        await transport.close();
      })();
      return closed;
    },
  };
}
