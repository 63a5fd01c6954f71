/**
 * A {@linkcode Transport} whose NATS connection lives in an unreferenced Worker (see
 * `connection_host.ts`): it never keeps the program alive.
 *
 * @module
 */
import { SHARE_ENV, Worker } from "node:worker_threads";
import type { NatsOptions } from "../connection.ts";
import { deserializeError } from "../../_kernel/wire_errors.ts";
import {
  JetStreamUnavailableError,
  NatsCredentialsError,
  NatsUnavailableError,
} from "../errors.ts";
import type { FromConnection, ToConnection } from "./connection_host.ts";
import type { Transport } from "./transport.ts";

const HOST = new URL("./connection_host.ts", import.meta.url);
const NAMED = [NatsUnavailableError, JetStreamUnavailableError, NatsCredentialsError];

/** The connection's transport, and how to close it. */
export interface WorkerTransport extends Transport {
  close(): Promise<void>;
}

/**
 * Connects in a new Worker.
 *
 * @throws What `connectNats` throws: `NatsUnavailableError`, `JetStreamUnavailableError`,
 * `NatsCredentialsError`, `TypeError`, `RangeError`.
 */
export async function connectInWorker(options: NatsOptions): Promise<WorkerTransport> {
  // Referenced while connecting, so the program waits for the answer; unreferenced after.
  const worker = new Worker(HOST, { env: SHARE_ENV });
  const deliveries = new Map<number, (payload: Uint8Array, subject: string) => void>();
  const watchers: ((state: "lost" | "back") => void)[] = [];
  const connected = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<void>();
  worker.on("message", (message: FromConnection) => {
    switch (message.t) {
      case "connected":
        return connected.resolve();
      case "failed":
        return connected.reject(rebuilt(message.error));
      case "message":
        return deliveries.get(message.id)?.(message.payload, message.subject);
      case "closed":
        return closed.resolve();
      case "connection":
        for (const watcher of watchers) watcher(message.state);
        return;
    }
  });
  worker.on("error", (error) => connected.reject(error));
  const tell = (message: ToConnection, transfer: ArrayBuffer[] = []) =>
    worker.postMessage(message, transfer);
  tell({ t: "connect", options });
  try {
    await connected.promise;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.unref();
  let next = 0;
  let closing: Promise<void> | null = null;
  return {
    onConnection(listener) {
      watchers.push(listener);
    },
    publish(subject, payload) {
      tell({ t: "publish", subject, payload });
    },
    subscribe(subject, deliver) {
      const id = ++next;
      deliveries.set(id, deliver);
      tell({ t: "subscribe", id, subject });
      return () => {
        deliveries.delete(id);
        tell({ t: "unsubscribe", id });
      };
    },
    close() {
      closing ??= (async () => {
        worker.ref();
        tell({ t: "close" });
        await closed.promise;
        await worker.terminate();
      })();
      return closing;
    },
  };
}

/** The connection's error, as the class the caller can catch. */
function rebuilt(serialized: { name: string; message: string }): Error {
  const named = NAMED.find((errorClass) => errorClass.name === serialized.name);
  if (named === undefined) return deserializeError(serialized as never);
  const error = new named(serialized.message);
  return error;
}
