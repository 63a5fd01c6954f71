/**
 * The program's NATS connection, in a Worker of its own. nats.js keeps its socket and timers
 * referenced, so a connection on the main thread keeps the program alive after its code is done
 * (a program run with `MP_CONTEXT` would never end). In an unreferenced Worker it cannot: the
 * program lives as long as its actors, local or remote, as it does without NATS.
 *
 * The main thread's side is `worker_transport.ts`; they speak {@linkcode ToConnection} and
 * {@linkcode FromConnection}.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { connectNats, type NatsConnection, type NatsOptions } from "../connection.ts";
import { ConnectionWatch } from "../connection_watch.ts";
import { serializeError } from "../../_kernel/wire_errors.ts";
import type { SerializedError } from "../../_kernel/wire_errors.ts";

/** Main thread -> connection worker. */
export type ToConnection =
  | { t: "connect"; options: NatsOptions }
  | { t: "publish"; subject: string; payload: Uint8Array }
  | { t: "subscribe"; id: number; subject: string }
  | { t: "unsubscribe"; id: number }
  | { t: "close" };

/** Connection worker -> main thread. */
export type FromConnection =
  | { t: "connected" }
  | { t: "failed"; error: SerializedError }
  | { t: "message"; id: number; subject: string; payload: Uint8Array }
  | { t: "connection"; state: "lost" | "back" }
  | { t: "closed" };

const port = parentPort;
if (port !== null) {
  let connection: NatsConnection | null = null;
  const subscriptions = new Map<number, { unsubscribe(): void }>();
  const tell = (message: FromConnection, transfer: ArrayBuffer[] = []) =>
    port.postMessage(message, transfer);
  port.on("message", async (message: ToConnection) => {
    switch (message.t) {
      case "connect":
        try {
          connection = await connectNats(message.options);
          new ConnectionWatch(connection).onStatus((event) => {
            tell({ t: "connection", state: event.type === "disconnect" ? "lost" : "back" });
          });
          tell({ t: "connected" });
        } catch (error) {
          tell({ t: "failed", error: serializeError(error) });
        }
        return;
      case "publish":
        connection?.publish(message.subject, message.payload);
        return;
      case "subscribe": {
        const { id } = message;
        const subscription = connection?.subscribe(message.subject, {
          callback: (error, received) => {
            if (error !== null) return;
            // A copy of its own: the data may be a Buffer view into the client's read buffer, and
            // `Buffer#slice` would share it (transferring would then detach the client's).
            const payload = new Uint8Array(received.data);
            tell({ t: "message", id, subject: received.subject, payload }, [payload.buffer]);
          },
        });
        if (subscription !== undefined) subscriptions.set(id, subscription);
        return;
      }
      case "unsubscribe":
        subscriptions.get(message.id)?.unsubscribe();
        subscriptions.delete(message.id);
        return;
      case "close":
        await connection?.close();
        tell({ t: "closed" });
        return;
    }
  });
}
