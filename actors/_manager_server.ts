/**
 * The manager actor: listens on a TCP address, authenticates every connection in both
 * directions before reading any request, then feeds each connection's requests, in order, to
 * the one engine that owns the objects. A connection that sends a malformed or oversized frame,
 * or ends in the middle of one, is closed and its session ended (its locks released, its waits
 * dropped); nothing else is affected, and a request is applied whole or not at all.
 *
 * @module
 */
import { wake } from "./_futex.ts";
import { concatBytes, FrameError, FrameReader, writeAll } from "./_frame_codec.ts";
import { decodeMessage, encodeFrame } from "./_manager_codec.ts";
import { authenticateClient, HANDSHAKE_MAX_BYTES, importAuthkey } from "./_hmac_auth.ts";
import { type EngineSession, ManagerEngine } from "./_manager_engine.ts";
import { isManagerRequest, type ManagerReply } from "./_manager_protocol.ts";
import { serializeError } from "./_serialized_error.ts";
import { task } from "./task.ts";

/** How long a connection may take to authenticate before it is closed. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** What the manager actor is started with. */
export interface ServeOptions {
  hostname: string;
  port: number;
  authkey: Uint8Array;
  maxFrameBytes: number;
  /** Futex words; the port the manager listens on is stored at `portWord`, then woken. */
  ready: Int32Array;
  portWord: number;
}

/** The target of the manager actor: serves until a `shutdown` request. */
export const serveManager = task(
  import.meta,
  async function serveManager(options: ServeOptions): Promise<void> {
    const key = await importAuthkey(options.authkey);
    const listener = Deno.listen({ hostname: options.hostname, port: options.port });
    Atomics.store(options.ready, options.portWord, listener.addr.port);
    wake(options.ready);
    await new ManagerServer(listener, key, options.maxFrameBytes).serve();
  },
);

class ManagerServer {
  readonly #engine = new ManagerEngine();
  readonly #sessions = new Set<ServerSession>();
  readonly #listener: Deno.TcpListener;
  readonly #key: CryptoKey;
  readonly #maxFrameBytes: number;
  readonly #stopped = Promise.withResolvers<void>();
  #nextSession = 1;

  constructor(listener: Deno.TcpListener, key: CryptoKey, maxFrameBytes: number) {
    this.#listener = listener;
    this.#key = key;
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Accepts connections until {@linkcode ManagerServer.prototype.stop}. */
  async serve(): Promise<void> {
    const accepting = this.#accept();
    await this.#stopped.promise;
    await accepting;
  }

  async #accept(): Promise<void> {
    while (true) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        // The listener was closed by stop(): serving is over.
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
          return;
        }
        throw error;
      }
      const session = new ServerSession(this.#nextSession++, conn, this);
      this.#sessions.add(session);
      void session.run().finally(() => this.#sessions.delete(session));
    }
  }

  get engine(): ManagerEngine {
    return this.#engine;
  }

  get key(): CryptoKey {
    return this.#key;
  }

  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /** Stops listening, ends every session once its answers are written, and ends `serve()`. */
  async stop(): Promise<void> {
    this.#listener.close();
    this.#engine.close();
    await Promise.all([...this.#sessions].map((session) => session.close()));
    this.#stopped.resolve();
  }
}

class ServerSession implements EngineSession {
  readonly id: number;
  readonly #conn: Deno.TcpConn;
  readonly #server: ManagerServer;
  #outbox: Uint8Array[] = [];
  #flushing: Promise<void> | null = null;
  #handling = false;
  #closed = false;

  constructor(id: number, conn: Deno.TcpConn, server: ManagerServer) {
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
      reader.decoder.maxBytes = this.#server.maxFrameBytes;
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
    this.#outbox.push(this.#encode(reply));
    if (!this.#handling) this.#flush();
  }

  /** Writes what is queued, then closes the connection. */
  async close(): Promise<void> {
    this.#flush();
    await this.#flushing;
    this.#closeConn();
  }

  #encode(reply: ManagerReply): Uint8Array {
    try {
      return encodeFrame(reply, this.#server.maxFrameBytes, "send a manager reply");
    } catch (error) {
      if (reply.type === "castFailed") throw error;
      return encodeFrame(
        { type: "error", id: reply.id, error: serializeError(error) },
        this.#server.maxFrameBytes,
        "send a manager reply",
      );
    }
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
