/**
 * The live observer: a web page, a JSON snapshot and a stream of snapshots, served by the
 * program itself, as Erlang's `observer` shows a running node.
 *
 * @module
 */
import { checkInteger, describeValue } from "../_shm/time.ts";
import { type Snapshot, takeSnapshot } from "./snapshot.ts";
import { OBSERVER_PAGE } from "./page.ts";

/** Options of {@linkcode observe}. */
export interface ObserveOptions {
  /** The port to listen on; 0 (the default) picks a free one: read it from `observer.url`. */
  port?: number;
  /**
   * The address to listen on. Only loopback addresses are allowed unless `allowRemote` is true.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * Allows a hostname other than a loopback address; `token` is then required, since the page
   * shows names, errors and arguments of the program to whoever reaches it.
   *
   * @default {false}
   */
  allowRemote?: boolean;
  /**
   * A secret every request must carry, as `?token=...` or `Authorization: Bearer ...`; at
   * least 16 characters. Required with `allowRemote`.
   */
  token?: string;
  /**
   * How often an open page receives a new snapshot, in milliseconds (100 to 60,000).
   *
   * @default {1000}
   */
  intervalMs?: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
const MIN_TOKEN = 16;

/** Compares a given token with the secret in time that does not depend on where they differ. */
function sameSecret(given: string, secret: string): boolean {
  let difference = given.length ^ secret.length;
  for (let index = 0; index < secret.length; index++) {
    difference |= (given.charCodeAt(index) || 0) ^ secret.charCodeAt(index);
  }
  return difference === 0;
}

/** JSON of a snapshot: numbers JSON cannot hold (Infinity, NaN) become their names. */
function toJson(snapshot: Snapshot): string {
  return JSON.stringify(
    snapshot,
    (_key, value) => typeof value === "number" && !Number.isFinite(value) ? String(value) : value,
  );
}

/**
 * A running observer: its page is at {@linkcode Observer.prototype.url}. Stop it with
 * {@linkcode Observer.prototype.close} or `await using`.
 */
export class Observer implements AsyncDisposable {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #token: string | undefined;
  readonly #intervalMs: number;
  readonly #streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  readonly #encoder = new TextEncoder();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed: Promise<void> | null = null;

  /**
   * Starts serving; {@linkcode observe} is the same as a promise.
   *
   * @param observeOptions Where to listen, a token, how often an open page is updated.
   * @throws {TypeError | RangeError} For bad options: see {@linkcode observe}.
   */
  constructor(observeOptions: ObserveOptions = {}) {
    const options = checkOptions(observeOptions);
    this.#token = options.token;
    this.#intervalMs = options.intervalMs;
    this.#server = Deno.serve({
      port: options.port,
      hostname: options.hostname,
      onListen: () => {},
    }, (request) => this.#handle(request));
    // An observer never keeps the program alive: it shows the program while the program runs.
    this.#server.unref();
  }

  /** The page's address, with the token when there is one. */
  get url(): string {
    const { hostname, port } = this.#server.addr;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    const query = this.#token === undefined ? "" : `?token=${encodeURIComponent(this.#token)}`;
    return `http://${host}:${port}/${query}`;
  }

  /** The port it listens on. */
  get port(): number {
    return this.#server.addr.port;
  }

  /** The pages connected now. */
  get viewers(): number {
    return this.#streams.size;
  }

  /** The snapshot the page shows, taken now. */
  snapshot(): Promise<Snapshot> {
    return takeSnapshot();
  }

  /** Stops serving; open pages see the stream end. Safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      this.#timer = undefined;
      for (const stream of this.#streams) {
        try {
          stream.close();
        } catch {
          // Already closed by the page leaving.
        }
      }
      this.#streams.clear();
      await this.#server.shutdown();
    })();
    return this.#closed;
  }

  /** Stops serving, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (!this.#authorized(request, url)) {
      return new Response("Unauthorized: pass the observer's token as ?token=...\n", {
        status: 401,
      });
    }
    if (request.method !== "GET") return new Response("Method not allowed\n", { status: 405 });
    switch (url.pathname) {
      case "/":
        return new Response(OBSERVER_PAGE, {
          headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
        });
      case "/snapshot.json":
        return new Response(toJson(await takeSnapshot()), {
          headers: { "content-type": "application/json", "cache-control": "no-store" },
        });
      case "/events":
        return this.#events();
      default:
        return new Response("Not found\n", { status: 404 });
    }
  }

  #authorized(request: Request, url: URL): boolean {
    if (this.#token === undefined) return true;
    const bearer = request.headers.get("authorization");
    const fromHeader = bearer?.startsWith("Bearer ") ? bearer.slice("Bearer ".length) : null;
    return [url.searchParams.get("token"), fromHeader].some((given) =>
      given !== null && sameSecret(given, this.#token!)
    );
  }

  /** A stream of snapshots, one at once and one per interval, while the page stays. */
  #events(): Response {
    let controller: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (opened) => {
        controller = opened;
        this.#streams.add(controller);
        this.#ensureTimer();
        void this.#push([controller]);
      },
      cancel: () => {
        this.#streams.delete(controller);
        if (this.#streams.size === 0) {
          clearInterval(this.#timer);
          this.#timer = undefined;
        }
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      },
    });
  }

  /** Snapshots are taken only while a page is open: an unwatched program pays nothing. */
  #ensureTimer(): void {
    if (this.#timer !== undefined) return;
    const timer = setInterval(() => void this.#push([...this.#streams]), this.#intervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  async #push(streams: ReadableStreamDefaultController<Uint8Array>[]): Promise<void> {
    if (streams.length === 0) return;
    let message: Uint8Array;
    try {
      message = this.#encoder.encode(`data: ${toJson(await takeSnapshot())}\n\n`);
    } catch (error) {
      message = this.#encoder.encode(`event: failure\ndata: ${JSON.stringify(String(error))}\n\n`);
    }
    for (const stream of streams) {
      try {
        stream.enqueue(message);
      } catch {
        this.#streams.delete(stream);
      }
    }
  }
}

/**
 * Serves a live view of this program: `GET /` is a page with the actor tree, pools, locks,
 * queues, pipes, managers and supervisors, updated as they change; `GET /snapshot.json` is one
 * {@linkcode Snapshot}; `GET /events` streams them (server-sent events). It listens on
 * 127.0.0.1 by default and never keeps the program alive. The tree and the primitives shared
 * between actors are the whole program's; pools, managers and supervisors are those of the
 * actor that observes (call it from the main program to see the main program's).
 *
 * @example Observe a program and read its snapshot
 * ```ts
 * import assert from "node:assert/strict";
 * import { observe, Pool } from "../../mod.ts";
 * import { double } from "../../examples/doc_targets.ts";
 *
 * const pool = new Pool({ processes: 2 });
 * assert.deepEqual(await pool.map(double, [1, 2, 3]), [2, 4, 6]);
 * await using observer = await observe();
 * const snapshot = await (await fetch(new URL("snapshot.json", observer.url))).json();
 * assert.equal(snapshot.actors[0].name, "MainProcess");
 * assert.equal(snapshot.pools[0].state.workers, 2);
 * pool.close();
 * await pool.join();
 * ```
 *
 * @param options Where to listen, a token, how often an open page is updated.
 * @returns The running observer.
 * @throws {TypeError} If an option has the wrong type, or a non-loopback hostname is given
 * without `allowRemote` and a token.
 * @throws {RangeError} If the port or the interval is out of range, or the token too short.
 */
export function observe(options: ObserveOptions = {}): Promise<Observer> {
  try {
    return Promise.resolve(new Observer(options));
  } catch (error) {
    return Promise.reject(error);
  }
}

function checkOptions(options: ObserveOptions) {
  const action = "observe";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object, got ${describeValue(options)}`,
    );
  }
  const { hostname = "127.0.0.1", allowRemote = false, token } = options;
  if (typeof hostname !== "string" || hostname === "") {
    throw new TypeError(
      `Cannot ${action}: hostname must be a host name or an IP address, got ${
        describeValue(hostname)
      }`,
    );
  }
  if (typeof allowRemote !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: allowRemote must be a boolean, got ${describeValue(allowRemote)}`,
    );
  }
  if (token !== undefined) {
    if (typeof token !== "string") {
      throw new TypeError(`Cannot ${action}: token must be a string, got ${describeValue(token)}`);
    }
    if (token.length < MIN_TOKEN) {
      throw new RangeError(
        `Cannot ${action}: token must have at least ${MIN_TOKEN} characters, got ${token.length}`,
      );
    }
  }
  if (!LOOPBACK.has(hostname) && (!allowRemote || token === undefined)) {
    throw new TypeError(
      `Cannot ${action} on ${hostname}: a hostname other than loopback shows the program to the ` +
        "network; pass allowRemote: true and a token (at least 16 characters)",
    );
  }
  return {
    hostname,
    token,
    port: checkInteger(options.port ?? 0, action, "port", { max: 65535 }),
    intervalMs: checkInteger(options.intervalMs ?? 1000, action, "intervalMs", {
      min: 100,
      max: 60_000,
    }),
  };
}
