/**
 * The manager actor: one engine that owns the objects, fed by two kinds of sessions. Actors of
 * the same program are served through shared memory (`local_hub.ts`): each hands
 * over its channel by mail, and the manager monitors it. Other programs reach it over TCP, when
 * it listens: every connection is authenticated in both directions before any request is read,
 * then its requests are fed, in order, to the engine. A session that sends a malformed or
 * oversized frame, or ends in the middle of one, is closed and ended (its locks released, its
 * waits dropped); nothing else is affected, and a request is applied whole or not at all.
 *
 * A flood of connections costs only the flood: at most `maxPendingConnections` connections
 * may be authenticating at once (one more closes the one that has waited longest, so a client
 * that answers at once still gets in), a connection that does not authenticate within 10 s is
 * closed, and when the process runs out of file descriptors the manager sheds the oldest
 * unauthenticated connection and goes on accepting after a short pause, instead of ending.
 *
 * @module
 */
import { concatBytes, FrameError, FrameReader, writeAll } from "../../_shm/frames.ts";
import { decodeMessage } from "../_wire/messages.ts";
import { authenticateClient, HANDSHAKE_MAX_BYTES, importAuthkey } from "../_wire/hmac_auth.ts";
import { type EngineSession, ManagerEngine } from "./engine.ts";
import { encodeReply, type ManagerServer } from "./host.ts";
import { LocalHub } from "./local_hub.ts";
import {
  CONNECT_REQUEST,
  isManagerRequest,
  LISTEN_REQUEST,
  type ManagerReply,
} from "../_wire/protocol.ts";
import { type Letter, mail } from "../../_kernel/mail.ts";
import { delay } from "../../_shm/time.ts";
import { task } from "../../task.ts";
import { initAck } from "../../init_ack.ts";

/** How long a connection may take to authenticate before it is closed. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** The first and the longest pause after `accept` fails (out of file descriptors). */
const ACCEPT_RETRY_MS = 5;
const ACCEPT_RETRY_MAX_MS = 1000;

/** What the manager actor is started with. */
export interface ServeOptions {
  hostname: string;
  port: number;
  authkey: Uint8Array;
  maxFrameBytes: number;
  /** The most TCP connections that may be authenticating at once. */
  maxPendingConnections: number;
  /** Whether to listen on TCP from the start; a `LISTEN_REQUEST` can ask for it later. */
  listen: boolean;
  /** The words local clients ring (`_wire/session_ring.ts`). */
  hub: SharedArrayBuffer;
}

/**
 * The target of the manager actor: serves until a `shutdown` request. Its start is acknowledged
 * (`initAck`) once it serves, with the port it listens on (0 when it does not listen yet).
 */
export const serveManager = task(
  import.meta,
  async function serveManager(options: ServeOptions): Promise<void> {
    const server = new ManagerActor(options);
    initAck(options.listen ? await server.listen() : 0);
    await server.serve();
  },
);

/** Serves local and TCP sessions until a `shutdown` request. */
class ManagerActor implements ManagerServer {
  readonly #options: ServeOptions;
  readonly #engine = new ManagerEngine();
  readonly #sessions = new Set<ServerSession>();
  /** TCP sessions not authenticated yet, oldest first. */
  readonly #unauthenticated = new Set<ServerSession>();
  readonly #hub: LocalHub;
  readonly #stopped = Promise.withResolvers<void>();
  readonly #mailStop = new AbortController();
  #listener: Deno.TcpListener | null = null;
  #listening: Promise<number> | null = null;
  #key: CryptoKey | null = null;
  #nextSession = 1;
  #stopping = false;

  constructor(options: ServeOptions) {
    this.#options = options;
    this.#hub = new LocalHub(this, options.hub, options.maxFrameBytes);
  }

  get engine(): ManagerEngine {
    return this.#engine;
  }

  get key(): CryptoKey {
    return this.#key!;
  }

  get maxFrameBytes(): number {
    return this.#options.maxFrameBytes;
  }

  /** A new session id, unique among local and TCP sessions. */
  nextSessionId(): number {
    return this.#nextSession++;
  }

  /** Starts listening on the TCP address (once); resolves to the port. */
  listen(): Promise<number> {
    this.#listening ??= (async () => {
      this.#key = await importAuthkey(this.#options.authkey);
      const { hostname, port } = this.#options;
      prepareForFloods();
      const listener = Deno.listen({ hostname, port });
      this.#listener = listener;
      void this.#accept(listener);
      return listener.addr.port;
    })();
    return this.#listening;
  }

  /** Serves until {@linkcode ManagerActor.prototype.stop}. */
  async serve(): Promise<void> {
    const mail = this.#serveMail();
    const local = this.#hub.run();
    await this.#stopped.promise;
    await Promise.all([mail, local]);
  }

  async #serveMail(): Promise<void> {
    while (true) {
      let letter: Letter;
      try {
        letter = await mail.takeLetter(undefined, { signal: this.#mailStop.signal });
      } catch {
        return; // Stopped.
      }
      this.#answerMail(letter);
    }
  }

  #answerMail(letter: Letter): void {
    const answer = (value: unknown) => {
      if (letter.ask !== undefined) mail.answer(letter, { ok: true, value });
    };
    const refuse = (error: Error) => {
      if (letter.ask !== undefined) mail.answer(letter, { ok: false, error });
    };
    if (letter.system === CONNECT_REQUEST) {
      if (this.#stopping) return refuse(new Error("the manager was shut down"));
      try {
        this.#hub.connect(letter.body, this.#mailStop.signal);
      } catch (error) {
        return refuse(error as Error);
      }
      return answer(true);
    }
    if (letter.system === LISTEN_REQUEST) {
      if (this.#stopping) return refuse(new Error("the manager was shut down"));
      this.listen().then(answer, refuse);
      return;
    }
    refuse(notForManager());
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    let retryMs = 0;
    while (!this.#stopping) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        // The listener was closed by stop(): serving is over.
        if (
          this.#stopping || error instanceof Deno.errors.BadResource ||
          error instanceof Deno.errors.Interrupted
        ) {
          return;
        }
        // Out of file descriptors (EMFILE, ENFILE) or a connection that failed before it was
        // taken: free a descriptor held by a connection that has not authenticated, and try
        // again after a pause that grows while the failures last, rather than end the manager.
        const code = (error as { code?: unknown }).code;
        if (code === "EMFILE" || code === "ENFILE") this.#shedOldest();
        retryMs = Math.min(Math.max(2 * retryMs, ACCEPT_RETRY_MS), ACCEPT_RETRY_MAX_MS);
        await delay(retryMs, { ref: false });
        continue;
      }
      retryMs = 0;
      if (this.#unauthenticated.size >= this.#options.maxPendingConnections) this.#shedOldest();
      const session = new ServerSession(this.nextSessionId(), conn, this);
      this.#sessions.add(session);
      this.#unauthenticated.add(session);
      void session.run().finally(() => {
        this.#sessions.delete(session);
        this.#unauthenticated.delete(session);
      });
    }
  }

  /** A session has authenticated: it no longer counts against `maxPendingConnections`. */
  authenticated(session: ServerSession): void {
    this.#unauthenticated.delete(session);
  }

  /** Closes the connection that has waited longest to authenticate, if any. */
  #shedOldest(): void {
    const oldest = this.#unauthenticated.values().next().value;
    if (oldest === undefined) return;
    this.#unauthenticated.delete(oldest);
    oldest.abort();
  }

  /**
   * Stops listening, ends every session once its answers are written, and ends `serve()`.
   * Called by a session that received `shutdown`, after it queued its answer.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#listener?.close();
    this.#engine.close();
    this.#mailStop.abort();
    this.#hub.stop();
    await Promise.all([...this.#sessions].map((session) => session.close()));
    this.#stopped.resolve();
  }
}

/**
 * Makes Deno set up its signal handling now, while file descriptors are free. Deno 2.9 sets it
 * up on first use, which needs descriptors, and aborts the whole process (a panic, not an
 * error) if there are none; under a connection flood that uses them all, something in the
 * runtime comes to use it. A listener for SIGWINCH, whose default action is to ignore it,
 * changes nothing else; it is removed at once.
 */
function prepareForFloods(): void {
  if (Deno.build.os === "windows") return;
  const ignore = () => {};
  try {
    Deno.addSignalListener("SIGWINCH", ignore);
    Deno.removeSignalListener("SIGWINCH", ignore);
  } catch {
    // A runtime that refuses signal listeners has no signal handling to set up early.
  }
}

function notForManager(): Error {
  return new TypeError("This actor is a manager: it takes no messages but its clients'");
}

/** One TCP connection: its handshake, then its requests in order. */
class ServerSession implements EngineSession {
  readonly id: number;
  readonly #conn: Deno.TcpConn;
  readonly #server: ManagerActor;
  #outbox: Uint8Array[] = [];
  #flushing: Promise<void> | null = null;
  #handling = false;
  #closed = false;

  constructor(id: number, conn: Deno.TcpConn, server: ManagerActor) {
    this.id = id;
    this.#conn = conn;
    this.#server = server;
  }

  /** Authenticates the peer, then serves its requests until it leaves or misbehaves. */
  async run(): Promise<void> {
    const reader = new FrameReader(this.#conn, HANDSHAKE_MAX_BYTES);
    let authenticated = false;
    try {
      this.#conn.setNoDelay(true);
      const timer = setTimeout(() => this.#closeConn(), HANDSHAKE_TIMEOUT_MS);
      try {
        authenticated = await authenticateClient(this.#conn, reader, this.#server.key);
      } finally {
        clearTimeout(timer);
      }
      if (!authenticated) return;
      this.#server.authenticated(this);
      reader.cutter.maxBytes = this.#server.maxFrameBytes;
      await this.#serve(reader);
    } catch {
      // A peer that vanishes, or sends a frame that breaks the protocol, ends only its own
      // session; its partial request was never applied.
    } finally {
      if (authenticated) this.#server.engine.disconnect(this);
      this.#closeConn();
    }
  }

  async #serve(reader: FrameReader): Promise<void> {
    for (let payload = await reader.next(); payload !== null; payload = await reader.next()) {
      // Frames read before the connection was closed are not applied.
      if (this.#closed) return;
      const request = decodeMessage(payload);
      if (!isManagerRequest(request)) throw new FrameError("Not a manager request");
      this.#handling = true;
      if (request.type === "shutdown") {
        this.send({ type: "result", id: request.id, value: undefined });
        await this.#server.stop();
        return;
      }
      this.#server.engine.handle(this, request);
      this.#handling = false;
      if (!reader.buffered) this.#flush();
    }
  }

  /** Queues `reply`; replies to the frames of one read go out in one write. */
  send(reply: ManagerReply): void {
    if (this.#closed) return;
    this.#outbox.push(encodeReply(reply, this.#server.maxFrameBytes));
    if (!this.#handling) this.#flush();
  }

  /** Closes the connection of a session that has not authenticated: its handshake fails. */
  abort(): void {
    this.#closeConn();
  }

  /** Writes what is queued, then closes the connection. */
  async close(): Promise<void> {
    this.#flush();
    await this.#flushing;
    this.#closeConn();
  }

  #flush(): void {
    if (this.#flushing !== null || this.#outbox.length === 0) return;
    this.#flushing = this.#writeOut().finally(() => this.#flushing = null);
  }

  async #writeOut(): Promise<void> {
    try {
      while (this.#outbox.length > 0 && !this.#closed) {
        const frames = this.#outbox;
        this.#outbox = [];
        await writeAll(this.#conn, frames.length === 1 ? frames[0] : concatBytes(frames));
      }
    } catch {
      // The peer is gone: its session ends when its read fails.
      this.#closeConn();
    }
  }

  #closeConn(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close();
  }
}
