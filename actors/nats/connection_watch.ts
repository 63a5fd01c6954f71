/**
 * {@linkcode ConnectionWatch}: the losses and returns of one NATS connection, as events, and a
 * way to fail an operation in flight when the connection is lost under it.
 *
 * @module
 */
import type { NatsConnection } from "./connection.ts";
import { NatsConnectionLostError } from "./errors.ts";

/** The connection lost its server (`"disconnect"`) or has one again (`"reconnect"`). */
export interface ConnectionEvent {
  /** What happened. */
  readonly type: "disconnect" | "reconnect";
  /** The server lost, or the one connected to, as `host:port`. */
  readonly server: string;
}

/** Called with each {@linkcode ConnectionEvent}, in order. */
export type ConnectionListener = (event: ConnectionEvent) => void;

/**
 * Follows one connection's status. The client reports many kinds of status; this keeps the two
 * that change whether an operation can complete, and hands them to every listener. Create it
 * right after `connectNats`, so that it starts connected; it follows the connection until
 * `close()`, so it needs no disposal of its own.
 *
 * @example Fail an ask in flight when the server goes away
 * ```ts ignore
 * import { connectNats } from "./connection.ts";
 * import { ConnectionWatch } from "./connection_watch.ts";
 *
 * const nc = await connectNats({ servers: "127.0.0.1:4222" });
 * const watch = new ConnectionWatch(nc);
 * const stop = watch.onStatus((event) => console.log(event.type, event.server));
 * // Rejects with NatsConnectionLostError if the connection is lost before the reply comes.
 * const reply = await watch.guard(nc.request("svc.time", "", { timeout: 5000 }), "ask svc.time");
 * stop();
 * await nc.close();
 * ```
 */
export class ConnectionWatch {
  readonly #listeners = new Set<ConnectionListener>();
  #connected = true;
  #closed = false;
  #server: string;

  /**
   * Starts following the connection.
   *
   * @param connection A connection that is open now, as `connectNats` returns it.
   */
  constructor(connection: NatsConnection) {
    this.#server = connection.getServer();
    this.#follow(connection);
  }

  /** False from a `"disconnect"` to the next `"reconnect"`, and after the connection closed. */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Calls `listener` with every later {@linkcode ConnectionEvent}. A listener that throws does
   * not stop the others; its error is reported as an uncaught one (`reportError`), as an event
   * listener's is.
   *
   * @param listener Called with each event.
   * @returns A function that removes the listener.
   */
  onStatus(listener: ConnectionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Settles as `operation` does, unless the connection is lost first: then it rejects with
   * {@linkcode NatsConnectionLostError}, at once if the connection is down already. A later
   * outcome of `operation` is dropped (its rejection is handled here).
   *
   * @param operation An operation in flight on this connection.
   * @param action What it does, for the error's message, as "ask actor 7".
   * @returns The operation's result.
   */
  guard<T>(operation: Promise<T>, action: string): Promise<T> {
    operation.catch(() => {});
    if (!this.#connected) return Promise.reject(this.#lost(action));
    return new Promise<T>((resolve, reject) => {
      const stop = this.onStatus((event) => {
        if (event.type !== "disconnect") return;
        stop();
        reject(this.#lost(action));
      });
      operation.then(resolve, reject).finally(stop);
    });
  }

  #lost(action: string): NatsConnectionLostError {
    const what = this.#closed
      ? "the connection to NATS is closed"
      : `the connection to NATS (${this.#server}) was lost before it completed; it reconnects ` +
        "by itself, so retry once it does if the operation is safe to repeat";
    return new NatsConnectionLostError(`Cannot ${action}: ${what}`);
  }

  async #follow(connection: NatsConnection) {
    for await (const status of connection.status()) {
      if (status.type !== "disconnect" && status.type !== "reconnect") continue;
      this.#connected = status.type === "reconnect";
      this.#server = status.server;
      const event: ConnectionEvent = { type: status.type, server: status.server };
      for (const listener of [...this.#listeners]) {
        try {
          listener(event);
        } catch (error) {
          reportError(error);
        }
      }
    }
    this.#connected = false;
    this.#closed = true;
  }
}
