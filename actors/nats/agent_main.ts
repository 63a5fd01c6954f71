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
    solo: { type: "boolean", default: false },
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
const stop = async () => {
  await agent.close();
  await connection.drain();
  Deno.exit(0);
};

/** Ends a solo agent's process at once (its actor may be stuck), once its last words are out. */
const endSolo = async () => {
  await connection.flush().catch(() => {});
  Deno.exit(0);
};

/**
 * The flags of a solo agent: this agent's permissions where they are whole (`--allow-read`
 * granted without a path), none where they are partial, so a solo agent never has more.
 */
function soloPermissions(): string[] {
  const names = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;
  return names
    .filter((permission) => Deno.permissions.querySync({ name: permission }).state === "granted")
    .map((permission) => `--allow-${permission}`);
}

/** Starts a solo agent on this machine; resolves once it is ready. */
async function fork(soloName: string): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...soloPermissions(),
      new URL(import.meta.url).pathname,
      "--servers",
      values.servers,
      "--name",
      soloName,
      "--cluster",
      values.cluster,
      "--heartbeat-ms",
      `${liveness.heartbeatMs}`,
      "--dead-after-ms",
      `${liveness.deadAfterMs}`,
      "--solo",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  child.unref();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The process for ${soloName} ended before it was ready:\n${seen}`);
    seen += value;
  }
  // Its actor's output is this agent's, as a Worker's would be.
  void (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      await Deno.stdout.write(new TextEncoder().encode(value));
    }
  })();
}

const agent = new Agent(natsTransport(connection), {
  name,
  cluster: values.cluster,
  liveness,
  fork: values.solo ? undefined : fork,
  solo: values.solo ? { done: () => void endSolo() } : undefined,
});
console.log(`agent ${name} ready (cluster ${values.cluster}, ${values.servers})`);
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
