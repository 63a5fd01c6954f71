// A full npm specifier, not an import-map name: a program that imports this library from a URL
// has no import map of ours, and this module loads only in a NATS context.
// deno-lint-ignore-file no-import-prefix
/**
 * One way to open a connection to NATS for the whole library: {@linkcode connectNats} checks its
 * options, reads a credentials file, connects with a reconnect policy fit for long-lived actors,
 * checks that JetStream answers, and turns every failure into a named error.
 *
 * This file and its neighbours are the only ones that import the NATS client (npm
 * `@nats-io/transport-node`), so a program that never asks for NATS loads none of it.
 *
 * @module
 */
import {
  type Authenticator,
  connect,
  credsAuthenticator,
  errors,
  type NatsConnection as Client,
} from "npm:@nats-io/transport-node@3.4.0";
import { checkInteger, describeValue, MAX_TIMER_MS } from "../_shm/time.ts";
import { JetStreamUnavailableError, NatsCredentialsError, NatsUnavailableError } from "./errors.ts";

/** A connection to NATS: the client's own (`@nats-io/transport-node`), as `connect` returns it. */
export type NatsConnection = Client;

const ACTION = "connect to NATS";
const DEFAULT_TIMEOUT_MS = 5000;
/**
 * Between two dials of a lost server. The client's default (2 s) suits big fleets; an actor's
 * pending asks wait for the connection, so it is dialled again sooner. Jitter (up to 100 ms, the
 * client's default) keeps many clients from dialling in step.
 */
const RECONNECT_WAIT_MS = 250;
/**
 * Between two client PINGs. The client's default (2 min, with 2 unanswered PINGs allowed) takes
 * minutes to notice a server that vanished without closing the socket (a cut cable, a paused
 * VM); at 5 s it notices in 10 to 15 s and starts reconnecting. A PING is a few bytes.
 */
const PING_INTERVAL_MS = 5000;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCHEMES = new Set(["nats:", "tls:"]);

/** How to reach NATS: {@linkcode connectNats}'s options. */
export interface NatsOptions {
  /**
   * The server, or several servers of one cluster, as `"nats://host:port"` (`"tls://"` to
   * require TLS) or `"host:port"`; the port defaults to 4222. The first that answers is used,
   * and a lost connection moves to any of them.
   */
  servers: string | string[];
  /** The client's name, shown by the server's monitoring pages (`/connz`). */
  name?: string;
  /**
   * The path of a `.creds` file (a user JWT and its nkey seed, as `nsc generate creds` writes)
   * when the server requires one. It is read once, when connecting.
   */
  credentials?: string;
  /**
   * Milliseconds each server has to complete the NATS handshake, and JetStream to answer, before
   * {@linkcode connectNats} gives up on it: an integer from 1 to 2147483647.
   *
   * @default {5000}
   */
  timeout?: number;
  /**
   * When true, a server without JetStream (or an account without it) is refused with a
   * {@linkcode JetStreamUnavailableError}. Queues, pools and locks on NATS need JetStream; core
   * messaging (send, ask) does not.
   *
   * @default {true}
   */
  requireJetStream?: boolean;
}

interface CheckedOptions {
  servers: string[];
  name: string | undefined;
  credentials: string | undefined;
  timeout: number;
  requireJetStream: boolean;
}

/**
 * Connects to NATS. The connection is for the life of the program: when its server goes away it
 * reports `"disconnect"` (see `ConnectionWatch`), dials the servers again every 250 ms (plus up
 * to 100 ms of jitter) without ever giving up, and reports `"reconnect"` once one answers; its
 * subscriptions are restored by the client. Only `close()` ends it, and the caller must call it.
 *
 * The first connection is not retried: if no server answers, the promise rejects with
 * {@linkcode NatsUnavailableError} once each has refused or used up its `timeout`, and nothing
 * is left running. Needs `--allow-net` for the servers, and `--allow-read` for a credentials
 * file.
 *
 * @example Connect, send a request, close
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { connectNats } from "./connection.ts";
 *
 * const nc = await connectNats({ servers: "nats://127.0.0.1:4222", name: "billing" });
 * const echo = nc.subscribe("echo", { callback: (_error, msg) => void msg.respond(msg.data) });
 * const reply = await nc.request("echo", "hello", { timeout: 1000 });
 * assert.equal(reply.string(), "hello");
 * echo.unsubscribe();
 * await nc.close();
 * ```
 *
 * @param options The servers, and optionally a name, credentials, a timeout and whether
 * JetStream is required.
 * @returns The open connection.
 * @throws {TypeError} If an option has the wrong type.
 * @throws {RangeError} If a server address is malformed, `servers` is empty, or `timeout` is not
 * an integer from 1 to 2147483647.
 * @throws {NatsCredentialsError} If the credentials file cannot be read or is not a `.creds` file.
 * @throws {NatsUnavailableError} If no server could be connected to.
 * @throws {JetStreamUnavailableError} If JetStream is required and the server has none.
 */
export async function connectNats(options: NatsOptions): Promise<NatsConnection> {
  const { servers, name, credentials, timeout, requireJetStream } = checkOptions(options);
  const where = servers.join(", ");
  const authenticator = credentials === undefined ? undefined : await readCredentials(credentials);
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers,
      name,
      timeout,
      authenticator,
      maxReconnectAttempts: -1,
      reconnectTimeWait: RECONNECT_WAIT_MS,
      pingInterval: PING_INTERVAL_MS,
    });
  } catch (error) {
    const reason = error instanceof errors.TimeoutError
      ? `no server completed the NATS handshake within ${timeout} ms`
      : (error as Error).message;
    throw new NatsUnavailableError(
      `Cannot ${ACTION} at ${where}: ${reason}. Check that nats-server runs there, is reachable ` +
        "from this machine and accepts this client",
      { cause: error },
    );
  }
  if (requireJetStream) {
    try {
      await checkJetStream(connection, where, timeout);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }
  return connection;
}

/** Asks the account's JetStream for its info: the one answer that proves it serves us. */
async function checkJetStream(connection: NatsConnection, where: string, timeout: number) {
  const advice = "or pass requireJetStream: false if this connection needs only core NATS";
  let answer: { error?: { description?: string } };
  try {
    answer = (await connection.request("$JS.API.INFO", "", { timeout })).json();
  } catch (error) {
    const reason = error instanceof errors.RequestError && error.isNoResponders()
      ? "the server has no JetStream; start nats-server with -js (and -sd <dir>)"
      : `JetStream did not answer within ${timeout} ms`;
    throw new JetStreamUnavailableError(`Cannot ${ACTION} at ${where}: ${reason}, ${advice}`, {
      cause: error,
    });
  }
  if (answer.error !== undefined) {
    throw new JetStreamUnavailableError(
      `Cannot ${ACTION} at ${where}: JetStream refused this account ` +
        `(${answer.error.description}); enable JetStream for it in the server's configuration, ` +
        advice,
    );
  }
}

async function readCredentials(path: string): Promise<Authenticator> {
  let contents: Uint8Array;
  try {
    contents = await Deno.readFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : (error as Error).message;
    throw new NatsCredentialsError(
      `Cannot ${ACTION}: cannot read the credentials file ${path}: ${reason}`,
      { cause: error },
    );
  }
  const authenticator = credsAuthenticator(contents);
  try {
    // The client parses the file lazily, at the server's challenge; signing a nonce now turns a
    // bad file into this error instead of a refused connection.
    authenticator("nonce");
  } catch (error) {
    throw new NatsCredentialsError(
      `Cannot ${ACTION}: ${path} is not a NATS credentials file (${(error as Error).message}); ` +
        "pass the .creds file `nsc generate creds` writes, with a user JWT and its nkey seed",
      { cause: error },
    );
  }
  return authenticator;
}

function checkOptions(options: NatsOptions): CheckedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${ACTION}: options must be an object with servers, got ${describeValue(options)}`,
    );
  }
  const { servers, name, credentials, requireJetStream = true } = options;
  const list = typeof servers === "string" ? [servers] : servers;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `Cannot ${ACTION}: servers must be a server address such as "nats://127.0.0.1:4222", or ` +
        `an array of them, got ${describeValue(servers)}`,
    );
  }
  if (list.length === 0) throw new RangeError(`Cannot ${ACTION}: servers must name a server`);
  for (const server of list) checkServer(server);
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`Cannot ${ACTION}: name must be a string, got ${describeValue(name)}`);
  }
  if (credentials !== undefined && (typeof credentials !== "string" || credentials === "")) {
    throw new TypeError(
      `Cannot ${ACTION}: credentials must be the path of a .creds file, got ${
        describeValue(credentials)
      }`,
    );
  }
  if (typeof requireJetStream !== "boolean") {
    throw new TypeError(
      `Cannot ${ACTION}: requireJetStream must be a boolean, got ${
        describeValue(requireJetStream)
      }`,
    );
  }
  const timeout = checkInteger(options.timeout ?? DEFAULT_TIMEOUT_MS, ACTION, "timeout", {
    min: 1,
    max: MAX_TIMER_MS,
  });
  return { servers: [...list], name, credentials, timeout, requireJetStream };
}

function checkServer(server: unknown): void {
  if (typeof server !== "string") {
    throw new TypeError(
      `Cannot ${ACTION}: each server must be a string such as "nats://127.0.0.1:4222", got ${
        describeValue(server)
      }`,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(SCHEME.test(server) ? server : `nats://${server}`);
  } catch {
    url = undefined;
  }
  const wellFormed = url !== undefined && SCHEMES.has(url.protocol) && url.hostname !== "" &&
    url.port !== "0" && (url.pathname === "" || url.pathname === "/") && url.search === "" &&
    url.hash === "";
  if (!wellFormed) {
    throw new RangeError(
      `Cannot ${ACTION}: ${JSON.stringify(server)} is not a server address; write ` +
        `"nats://host:port", "tls://host:port" or "host:port"`,
    );
  }
}
