/**
 * The little the bridge needs of a NATS connection: publish, and subscribe with a callback. A
 * seam of its own so that the bridge's unit tests run on one thread without a server.
 *
 * @module
 */
import type { NatsConnection } from "../connection.ts";
import { ConnectionWatch } from "../connection_watch.ts";

/** Publish and subscribe on subjects. */
export interface Transport {
  publish(subject: string, payload: Uint8Array): void;
  /** Calls `deliver` with each message on `subject` (NATS wildcards allowed); returns the unsubscribe. */
  subscribe(subject: string, deliver: (payload: Uint8Array, subject: string) => void): () => void;
  /**
   * Calls `listener` when the connection loses its server and when it has one again. Mail in
   * flight may be lost in between, so both sides treat a loss as the other's death.
   */
  onConnection(listener: (state: "lost" | "back") => void): void;
}

/** A {@linkcode Transport} over a NATS connection. */
export function natsTransport(connection: NatsConnection): Transport {
  const watch = new ConnectionWatch(connection);
  return {
    onConnection(listener) {
      watch.onStatus((event) => listener(event.type === "disconnect" ? "lost" : "back"));
    },
    publish: (subject, payload) => connection.publish(subject, payload),
    subscribe(subject, deliver) {
      const subscription = connection.subscribe(subject, {
        callback: (error, message) => {
          if (error === null) deliver(message.data, message.subject);
        },
      });
      return () => subscription.unsubscribe();
    },
  };
}
