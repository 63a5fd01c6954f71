/**
 * Starts the manager's actor and waits until it serves: the actor sets a futex word once it
 * serves (and, when it listens, stores the port it got in the next), and the starter waits on
 * that word or on the actor's end, whichever comes first.
 *
 * @module
 */
import { FIRST_STATE_WORD, sharedWords, waitUntil } from "../../_shm/futex.ts";
import type { LocalEndpoint } from "../_client/link.ts";
import { HUB_WORDS } from "../_wire/session_ring.ts";
import { serveManager, type ServeOptions } from "./server.ts";
import { Process } from "../../process.ts";

/** Where the manager actor says it serves, and stores the port it listens on. */
const READY_WORD = FIRST_STATE_WORD;
const PORT_WORD = FIRST_STATE_WORD + 1;

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
 * @param options What the actor serves with; the shared words are made here.
 * @param started Told the actor's process as soon as it is started, so shutdown can reach it.
 * @param action What is being done, for messages ("start manager at 127.0.0.1:0").
 * @throws {Error} The actor's own error, if it ended before it served.
 */
export async function launchManager(
  options: Omit<ServeOptions, "hub" | "ready" | "readyWord" | "portWord">,
  started: (process: Process<never[]>) => void,
  action: string,
): Promise<Launched> {
  const ready = sharedWords(PORT_WORD + 1);
  const hub = new SharedArrayBuffer(HUB_WORDS * Int32Array.BYTES_PER_ELEMENT);
  const process = new Process({
    target: serveManager,
    args: [{ ...options, hub, ready, readyWord: READY_WORD, portWord: PORT_WORD }],
    daemon: true,
  });
  started(process as Process<never[]>);
  await process.start();
  await waitUntil(
    ready,
    () => Atomics.load(ready, READY_WORD) !== 0 || process.exitcode !== null,
    {},
    "start manager",
  );
  if (Atomics.load(ready, READY_WORD) === 0) {
    await process.join();
    const error = process.error ??
      new Error(`its actor ended before ${options.listen ? "listening" : "serving"}`);
    error.message = `Cannot ${action}: ${error.message}`;
    throw error;
  }
  return {
    local: { id: crypto.randomUUID(), hub, manager: process.ref },
    port: options.listen ? Atomics.load(ready, PORT_WORD) : 0,
  };
}
