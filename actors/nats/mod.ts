/**
 * The library on NATS: a connection with named errors and a reconnect policy, and the watch
 * that fails operations in flight when the connection is lost. Only this entry point loads the
 * NATS client (npm `@nats-io/transport-node`); the others stay free of dependencies.
 *
 * @example Connect to a server without JetStream
 * ```ts ignore
 * import { ConnectionWatch, connectNats } from "./mod.ts";
 *
 * const nc = await connectNats({ servers: "127.0.0.1:4222", requireJetStream: false });
 * const watch = new ConnectionWatch(nc);
 * watch.onStatus((event) => console.log(`${event.type}: ${event.server}`));
 * await nc.close();
 * ```
 *
 * @module
 */
export { connectNats, type NatsConnection, type NatsOptions } from "./connection.ts";
export {
  type ConnectionEvent,
  type ConnectionListener,
  ConnectionWatch,
} from "./connection_watch.ts";
export * from "./errors.ts";
