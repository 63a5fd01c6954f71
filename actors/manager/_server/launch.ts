/**
 * Starts the manager's actor and waits until it serves: the actor acknowledges its start
 * (`initAck`) once it serves, with the port it listens on, so the starter's `start()` resolves
 * then, or rejects with the actor's error if it ended before.
 *
 * @module
 */
import type { LocalEndpoint } from "../_client/link.ts";
import { HUB_WORDS } from "../_wire/session_ring.ts";
import { serveManager, type ServeOptions } from "./server.ts";
import { Process } from "../../process.ts";

/** A manager actor that serves. */
export interface Launched {
  /** How this program's actors reach it. */
  local: LocalEndpoint;
  /** The port it listens on, when it was started listening. */
  port: number;
}

/**
 * Starts the manager's actor with `options` and resolves once it serves.
 *
 * @param options What the actor serves with; the hub's words are made here.
 * @param started Told the actor's process as soon as it is started, so shutdown can reach it.
 * @param action What is being done, for messages ("start manager at 127.0.0.1:0").
 * @throws {Error} The actor's own error, if it ended before it served.
 */
export async function launchManager(
  options: Omit<ServeOptions, "hub">,
  started: (process: Process<never[]>) => void,
  action: string,
): Promise<Launched> {
  const hub = new SharedArrayBuffer(HUB_WORDS * Int32Array.BYTES_PER_ELEMENT);
  const process = new Process({
    target: serveManager,
    args: [{ ...options, hub }],
    daemon: true,
    initAck: true,
    // On this machine whatever the program's default context: it shares its hub's words with
    // the manager's local clients, and shared memory does not cross machines.
    placement: "local",
  });
  started(process as Process<never[]>);
  let port: number;
  try {
    port = await process.start<number>();
  } catch (failure) {
    await process.join();
    const error = process.error ?? (failure as Error);
    error.message = `Cannot ${action}: ${error.message}`;
    throw error;
  }
  return { local: { id: crypto.randomUUID(), hub, manager: process.ref }, port };
}
