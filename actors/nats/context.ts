/**
 * The NATS context: `getContext("nats", options)` connects, opens this program's session on the
 * cluster (see `_bridge/plane.ts`) and installs it as the kernel's remote hosts, so processes
 * whose placement names an agent start there.
 *
 * @module
 */
// A full npm specifier, not an import-map name: a program importing this library from a URL
// has no import map of ours.
// deno-lint-ignore no-import-prefix
import { connect } from "npm:@nats-io/transport-node@3.4.0";
import { remoteHosts, useRemoteHosts } from "../_kernel/root/remote.ts";
import { ProcessStateError } from "../errors.ts";
import { Plane } from "./_bridge/plane.ts";
import type { NatsContextOptions, NatsPlacement } from "./placement.ts";
import { natsTransport } from "./_bridge/transport.ts";
import { DEFAULT_LIVENESS } from "./_bridge/protocol.ts";

/** Connects and opens this program's session on the cluster (see `getContext`). */
export async function openNatsPlacement(options: NatsContextOptions): Promise<NatsPlacement> {
  if (remoteHosts() !== null) {
    throw new ProcessStateError(
      "Cannot open a second NATS context: this program has one open; close it first, or use " +
        "the one you have",
    );
  }
  const connection = await connect({
    servers: options.servers,
    name: options.name,
  });
  const plane = new Plane(natsTransport(connection), options.cluster ?? "default", {
    heartbeatMs: options.heartbeatMs ?? DEFAULT_LIVENESS.heartbeatMs,
    deadAfterMs: options.deadAfterMs ?? DEFAULT_LIVENESS.deadAfterMs,
  });
  useRemoteHosts(plane);
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
        await connection.close();
      })();
      return closed;
    },
  };
}
