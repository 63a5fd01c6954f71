/**
 * A client's link to a manager over TCP, authenticated with the authkey in both directions
 * before any request is sent: the way to a manager served by another program. Frames queued in
 * the same turn go out in one write, so a caller that does not await a reply never waits for
 * one. The connection keeps the actor alive only while a call awaits its reply.
 *
 * @module
 */
import { concatBytes, FrameReader, writeAll } from "../../_shm/frames.ts";
import { authenticateServer, HANDSHAKE_MAX_BYTES, importAuthkey } from "../_wire/hmac_auth.ts";
import type { LinkOwner, ManagerEndpoint, ManagerLink } from "./link.ts";
import { runtime } from "../../_kernel/runtime.ts";
import { startTimer, stopTimer } from "../../_shm/time.ts";
import { TimeoutError } from "../../errors.ts";

/** A connection to a manager served on a TCP address. */
export class TcpLink implements ManagerLink {
  readonly #endpoint: ManagerEndpoint;
  readonly #owner: LinkOwner;
  readonly #where: string;
  #opening: Promise<Deno.TcpConn> | null = null;
  #conn: Deno.TcpConn | null = null;
  #closed = false;
  readonly #ended = Promise.withResolvers<void>();
  #outbox: Uint8Array[] = [];
  #nextBatch = Promise.withResolvers<void>();
  #pumping = false;
  #reading = false;
  #awaiting = false;
  /** Gives up a connection being made. */
  #stopConnect: (() => void) | null = null;

  constructor(endpoint: ManagerEndpoint, owner: LinkOwner) {
    this.#endpoint = endpoint;
    this.#owner = owner;
    this.#where = `${endpoint.address.hostname}:${endpoint.address.port}`;
    this.#nextBatch.promise.catch(() => {});
  }

  get ended(): Promise<void> {
    return this.#ended.promise;
  }

  async open(): Promise<void> {
    await this.#open();
  }

  send(frame: Uint8Array): void {
    // A reaped actor (stuck in synchronous code when it was ended) sends nothing more.
    runtime.haltIfReaped();
    this.#outbox.push(frame.slice());
    if (!this.#pumping) {
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  written(): Promise<void> {
    return this.#nextBatch.promise;
  }

  awaiting(): void {
    if (this.#awaiting) return;
    this.#awaiting = true;
    this.#conn?.ref();
  }

  idle(): void {
    if (!this.#awaiting) return;
    this.#awaiting = false;
    this.#conn?.unref();
  }

  close(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopConnect?.();
    // Held until the read it ends has settled, so that `ended` resolves.
    this.#conn?.ref();
    this.#conn?.close();
    this.#nextBatch.reject(error);
    if (!this.#reading) this.#ended.resolve();
  }

  async #pump(): Promise<void> {
    let batch = this.#nextBatch;
    try {
      const conn = await this.#open();
      while (this.#outbox.length > 0) {
        const frames = this.#outbox;
        batch = this.#nextBatch;
        this.#outbox = [];
        this.#nextBatch = Promise.withResolvers();
        this.#nextBatch.promise.catch(() => {});
        await writeAll(conn, frames.length === 1 ? frames[0] : concatBytes(frames));
        batch.resolve();
      }
    } catch (error) {
      batch.reject(this.#owner.fail(error));
    } finally {
      this.#pumping = false;
    }
  }

  #open(): Promise<Deno.TcpConn> {
    this.#opening ??= this.#connect();
    return this.#opening;
  }

  /**
   * Connects and authenticates within the endpoint's `connectTimeout`: a peer that accepts the
   * connection but never answers (a stalled or wrong server) fails it with a `TimeoutError`
   * rather than leaving every call waiting. `close()` gives it up at once.
   */
  async #connect(): Promise<Deno.TcpConn> {
    const { address, connectTimeout } = this.#endpoint;
    const abort = new AbortController();
    let conn: Deno.TcpConn | null = null;
    let stopped: "timeout" | "close" | null = null;
    const closeConn = () => {
      conn?.close();
      conn = null;
    };
    const stop = (why: "timeout" | "close") => {
      if (stopped !== null) return;
      stopped = why;
      abort.abort();
      closeConn(); // Ends the handshake's pending read.
    };
    if (this.#closed) stop("close");
    this.#stopConnect = () => stop("close");
    const timer = startTimer(connectTimeout ?? Infinity, () => stop("timeout"));
    try {
      conn = await Deno.connect({
        hostname: address.hostname,
        port: address.port,
        signal: abort.signal,
      });
      if (stopped !== null) throw new Error("the connection was given up");
      conn.setNoDelay(true);
      const reader = new FrameReader(conn, HANDSHAKE_MAX_BYTES);
      const key = await importAuthkey(this.#endpoint.authkey);
      await authenticateServer(conn, reader, key, this.#where);
      reader.cutter.maxBytes = this.#endpoint.maxFrameBytes;
      if (stopped !== null) throw new Error("the connection was given up");
      const connected: Deno.TcpConn = conn;
      this.#conn = connected;
      if (!this.#awaiting) connected.unref();
      this.#reading = true;
      void this.#read(reader);
      return connected;
    } catch (error) {
      closeConn();
      if (stopped === "timeout") {
        throw new TimeoutError(
          `the manager at ${this.#where} did not complete the handshake within ` +
            `${connectTimeout} ms (connectTimeout); check that a manager serves at that address`,
          { cause: error },
        );
      }
      if (stopped === "close") {
        throw new Error(`the connection to the manager at ${this.#where} closed`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      stopTimer(timer);
      this.#stopConnect = null;
    }
  }

  async #read(reader: FrameReader): Promise<void> {
    try {
      for (let payload = await reader.next(); payload !== null; payload = await reader.next()) {
        this.#owner.receive(payload);
      }
      this.#owner.end(new Error(`the manager at ${this.#where} closed the connection`));
    } catch (error) {
      this.#owner.fail(error);
    } finally {
      this.#reading = false;
      this.#ended.resolve();
    }
  }
}
