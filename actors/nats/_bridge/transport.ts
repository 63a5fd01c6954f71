/**
 * The little the bridge needs of a NATS connection: publish, and subscribe with a callback. A
 * seam of its own so that the bridge's unit tests run on one thread without a server.
 *
 * @module
 */

/** The part of a nats.js connection the bridge uses. */
export interface NatsLike {
  publish(subject: string, payload: Uint8Array): void;
  subscribe(
    subject: string,
    options: {
      callback: (error: Error | null, message: { data: Uint8Array; subject: string }) => void;
    },
  ): { unsubscribe(): void };
}

/** Publish and subscribe on subjects. */
export interface Transport {
  publish(subject: string, payload: Uint8Array): void;
  /** Calls `deliver` with each message on `subject` (NATS wildcards allowed); returns the unsubscribe. */
  subscribe(subject: string, deliver: (payload: Uint8Array, subject: string) => void): () => void;
}

/** A {@linkcode Transport} over a NATS connection. */
export function natsTransport(connection: NatsLike): Transport {
  return {
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
