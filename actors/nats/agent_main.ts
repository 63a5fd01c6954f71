/**
 * The agent program: `deno task agent -- --servers nats://127.0.0.1:4222 [--name NAME]
 * [--cluster NAME] [--heartbeat-ms 100] [--dead-after-ms 500]`. It hosts the actors that
 * programs of the cluster place on this machine, within this program's own Deno permissions
 * (which are the ceiling for every actor it hosts), until it is stopped with Ctrl-C or SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { hostname } from "node:os";
import { connectNats } from "./connection.ts";
import { Agent } from "./_bridge/agent.ts";
import { natsTransport } from "./_bridge/transport.ts";
import { DEFAULT_LIVENESS } from "./_bridge/protocol.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    servers: { type: "string", default: "nats://127.0.0.1:4222" },
    name: { type: "string" },
    cluster: { type: "string", default: "default" },
    "heartbeat-ms": { type: "string" },
    "dead-after-ms": { type: "string" },
  },
});

function positive(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${flag} must be a positive integer of milliseconds, got ${text}`);
    Deno.exit(2);
  }
  return value;
}

const name = values.name ?? `${hostname()}-${Deno.pid}`;
const liveness = {
  heartbeatMs: positive(values["heartbeat-ms"], DEFAULT_LIVENESS.heartbeatMs, "heartbeat-ms"),
  deadAfterMs: positive(values["dead-after-ms"], DEFAULT_LIVENESS.deadAfterMs, "dead-after-ms"),
};
const connection = await connectNats({
  servers: values.servers.split(","),
  name: `agent ${name}`,
  requireJetStream: false,
});
const agent = new Agent(natsTransport(connection), { name, cluster: values.cluster, liveness });
console.log(`agent ${name} ready (cluster ${values.cluster}, ${values.servers})`);

const stop = async () => {
  await agent.close();
  await connection.drain();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
