import { ManagerClient } from "./_client/client.ts";
import type { LocalEndpoint, ManagerAddress, ManagerEndpoint } from "./_client/link.ts";
import { checkMaxsize, checkPermits, dictEntries, listItems } from "./_wire/args.ts";
import { LISTEN_REQUEST, type ManagerStats, type ObjectKind } from "./_wire/protocol.ts";
import {
  inspect,
  type Inspectable,
  type Inspection,
  registerInspectable,
} from "../_shm/inspect.ts";
import { type ActorHandle, askSystem } from "../_kernel/actor_handle.ts";
import { launchManager } from "./_server/launch.ts";
import { isProxyLike } from "./_client/values.ts";
import { checkInteger, checkTimeout, describeValue } from "../_shm/time.ts";
import type {
  DictKey,
  DictProxy,
  EventProxy,
  ListProxy,
  LockProxy,
  ManagedProxy,
  NamespaceProxy,
  QueueProxy,
  SemaphoreProxy,
  ValueProxy,
} from "./proxies/mod.ts";
// For its effect too: it registers the proxy classes the client builds from replies.
import "./proxies/mod.ts";
import type { Process } from "../process.ts";
import { ManagerClosedError } from "./errors.ts";

export type { ManagerAddress };

/** Options of {@linkcode Manager}. */
export interface ManagerOptions {
  /**
   * Where the manager listens ({@linkcode Manager.prototype.start}) or where to reach it
   * ({@linkcode Manager.prototype.connect}). Port 0 picks a free port when serving. A manager
   * that is not started with `start()` listens nowhere: the actors of its program reach it
   * through shared memory.
   *
   * @default {{ hostname: "127.0.0.1", port: 0 }}
   */
  address?: { hostname?: string; port?: number };
  /**
   * The secret every connection proves it knows, in both directions, before any request is
   * read: Python's `authkey`. A string is used as its UTF-8 bytes.
   *
   * @default {32 random bytes, which only this manager's proxies carry}
   */
  authkey?: Uint8Array | string;
  /**
   * The largest message, in bytes, a connection accepts; a larger frame closes it. At most
   * 2^30 (1 GiB).
   *
   * @default {16777216}
   */
  maxFrameBytes?: number;
  /**
   * How long `connect()` (and the first call of a proxy of a remote manager, in an actor it was
   * passed to) may take to reach the manager and authenticate, in milliseconds; then it
   * rejects with `ManagerClosedError`, whose `cause` is a `TimeoutError`. A peer that accepts
   * the connection but never answers (a stalled program, or a server of another protocol)
   * would otherwise leave it waiting for ever. `Infinity` waits without limit.
   *
   * @default {10000}
   */
  connectTimeout?: number;
  /**
   * Once serving with `start()`: the most TCP connections that may be authenticating at once.
   * A connection beyond it closes the one that has waited longest, and a connection that has
   * not authenticated within 10 s is closed, so a flood of connections (or a program that
   * opens many and never speaks) costs only those connections: clients that authenticate keep
   * being served, and the manager never runs out of file descriptors because of them.
   *
   * @default {128}
   */
  maxPendingConnections?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PENDING_CONNECTIONS = 128;
const MAX_FRAME_BYTES = 2 ** 30;

/** How long a shut-down manager actor may take to end before it is terminated. */
const SHUTDOWN_GRACE_MS = 1000;

/**
 * A manager, as Python's `multiprocessing.Manager()`: an actor that owns shared objects (dicts,
 * lists, namespaces, queues, locks, events, semaphores, values) and hands out typed async
 * proxies to them. A proxy can be passed to any process (as an argument, or stored inside
 * another managed object), and every call on it is applied by the manager, one request at a
 * time, so each call is atomic. The actors of the program that created it reach it through
 * shared memory (no port, no `--allow-net`); after `start()` it also listens on its TCP
 * address and authenticates every connection with its authkey, so other programs and machines
 * can reach it with `connect()` (`address` + `authkey`).
 *
 * Proxy calls reject with `ManagerClosedError` once the manager is shut down or gone; none
 * hangs. A process that dies in the middle of a request leaves the data as it was before the
 * request, or after it, never half-applied, and the managed locks it held are released.
 *
 * @example The seeds' shared dict: ten processes each subtract one under a managed lock
 * ```ts
 * import assert from "node:assert/strict";
 * import { Manager, Process } from "../../mod.ts";
 * import { addUnderLock } from "../../examples/doc_targets.ts";
 *
 * await using manager = new Manager();
 * const shared = await manager.dict<string, number>({ count: 100 });
 * const lock = await manager.lock();
 * const workers = Array.from({ length: 10 }, () => new Process({ target: addUnderLock, args: [shared, lock, -1] }));
 * for (const p of workers) await p.start();
 * for (const p of workers) await p.join();
 * assert.equal(await shared.get("count"), 90);
 * ```
 *
 * @example A remote manager (run the server and the client in two programs)
 * ```ts ignore
 * import { Manager } from "../../mod.ts";
 *
 * // server.ts
 * const server = new Manager({ address: { hostname: "127.0.0.1", port: 50000 }, authkey: "abc" });
 * await server.start();
 * server.register("jobs", await server.queue<string>());
 *
 * // client.ts
 * const client = new Manager({ address: { hostname: "127.0.0.1", port: 50000 }, authkey: "abc" });
 * await client.connect();
 * const jobs = await client.lookup<QueueProxy<string>>("jobs");
 * await jobs.put("hello");
 * ```
 */
export class Manager {
  readonly #hostname: string;
  #port: number;
  readonly #authkey: Uint8Array;
  readonly #maxFrameBytes: number;
  readonly #connectTimeout: number | undefined;
  readonly #maxPendingConnections: number;
  #role: "server" | "client" | null = null;
  #ready: Promise<ManagerClient> | null = null;
  #process: Process<never[]> | null = null;
  /** The client of `connect()`, from before it has connected. */
  #connecting: ManagerClient | null = null;
  #listening: Promise<void> | null = null;
  #shutdown: Promise<void> | null = null;
  /** What an observer lists; it lives as long as the manager object. */
  readonly #inspector: Inspectable = {
    [inspect]: () => this.#inspect(),
  };

  /**
   * Creates a manager; nothing runs until {@linkcode Manager.prototype.start}, `connect()`, or,
   * for a local manager (port 0), the first object created, which starts it for this program.
   *
   * @param options The address, the authkey, the frame limit and the connection limits.
   * @throws {TypeError} If an option has the wrong type (an address that is not an object, a
   * hostname that is not a string, an authkey that is neither a string nor a Uint8Array, ...).
   * @throws {RangeError} If the port, the frame limit, the timeout or the connection limit is
   * out of range, or the authkey is empty.
   */
  constructor(options: ManagerOptions = {}) {
    const action = "create manager";
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot ${action}: options must be an object, got ${describeValue(options)}`,
      );
    }
    const address = options.address ?? {};
    if (typeof address !== "object" || address === null) {
      throw new TypeError(
        `Cannot ${action}: address must be an object like { hostname: "127.0.0.1", port: ` +
          `50000 }, got ${describeValue(address)}`,
      );
    }
    const { hostname = "127.0.0.1", port = 0 } = address;
    if (typeof hostname !== "string" || hostname === "") {
      throw new TypeError(
        `Cannot ${action}: address.hostname must be a host name or an IP address, got ${
          describeValue(hostname)
        }`,
      );
    }
    this.#hostname = hostname;
    this.#port = checkInteger(port, action, "address.port", { max: 65535 });
    this.#authkey = authkeyOf(options.authkey, action);
    this.#maxFrameBytes = checkInteger(
      options.maxFrameBytes ?? 16 * 1024 * 1024,
      action,
      "maxFrameBytes",
      { min: 1024, max: MAX_FRAME_BYTES },
    );
    this.#connectTimeout = options.connectTimeout === undefined
      ? DEFAULT_CONNECT_TIMEOUT_MS
      : checkTimeout(options.connectTimeout, action, "connectTimeout");
    this.#maxPendingConnections = checkInteger(
      options.maxPendingConnections ?? DEFAULT_MAX_PENDING_CONNECTIONS,
      action,
      "maxPendingConnections",
      { min: 1 },
    );
    registerInspectable(this.#inspector);
  }

  /**
   * Where the manager listens or is reached; the port is the one chosen once started with
   * `start()`, 0 while the manager listens nowhere.
   */
  get address(): ManagerAddress {
    return { hostname: this.#hostname, port: this.#port };
  }

  /**
   * Starts the manager actor and makes it listen on the address, for other programs:
   * Python's `manager.start()`. The first object created starts the manager without it, for
   * the actors of this program only (which need no `--allow-net`); `start()` then makes that
   * manager listen too. Calling it again returns the same start.
   *
   * @returns Once the manager listens.
   * @throws {TypeError} If this manager was connected to a remote one with `connect()`.
   * @throws {ManagerClosedError} If it was shut down.
   * @throws {Error} The listen error (`AddrInUse`, `NotCapable` without `--allow-net`, ...).
   */
  async start(): Promise<void> {
    this.#listening ??= this.#listen();
    await this.#listening;
  }

  /**
   * Connects to a manager served at the address by another program, authenticating with the
   * authkey: Python's `manager.connect()`. Objects created then live in that manager.
   *
   * @returns Once connected and authenticated in both directions.
   * @throws {AuthenticationError} If either side does not know the authkey.
   * @throws {ManagerClosedError} If nothing serves at the address, the peer does not complete
   * the handshake within `connectTimeout` (its `cause` is then a `TimeoutError`), or this
   * manager was shut down.
   * @throws {TypeError} If this manager was started with `start()`, or no port was given.
   */
  async connect(): Promise<void> {
    await this.#begin("client", "connect to manager");
  }

  /**
   * Creates a shared dict, as Python's `manager.dict()`.
   *
   * @typeParam K The key type: string, number, bigint or boolean.
   * @typeParam V The value type.
   * @param init Initial entries: pairs, a Map, or a plain object.
   * @returns A proxy to the new dict.
   * @throws {TypeError} If `init` is none of those, or holds a key that is not a primitive.
   * @throws {CloneError} If a value cannot be stored.
   * @throws {ManagerClosedError} If the manager is out of reach.
   */
  dict<K extends DictKey = string, V = unknown>(
    init: Iterable<readonly [K, V]> | Record<K & string, V> = [],
  ): Promise<DictProxy<K, V>> {
    return this.#create("dict", () => dictEntries(init, "create managed dict", "init"));
  }

  /**
   * Creates a shared list, as Python's `manager.list()`.
   *
   * @typeParam T The item type.
   * @param items Initial items: any iterable.
   * @returns A proxy to the new list.
   * @throws {TypeError} If `items` is not iterable.
   * @throws {CloneError} If an item cannot be stored.
   */
  list<T = unknown>(items: Iterable<T> = []): Promise<ListProxy<T>> {
    return this.#create("list", () => listItems(items, "create managed list", "items"));
  }

  /**
   * Creates a shared namespace, as Python's `manager.Namespace()`.
   *
   * @typeParam T The attributes and their types.
   * @param init Initial attributes, as a plain object.
   * @returns A proxy to the new namespace.
   * @throws {TypeError} If `init` is not a plain object.
   * @throws {CloneError} If a value cannot be stored.
   */
  namespace<T extends Record<string, unknown> = Record<string, unknown>>(
    init: Partial<T> = {},
  ): Promise<NamespaceProxy<T>> {
    return this.#create("namespace", () => {
      const prototype = typeof init === "object" && init !== null
        ? Object.getPrototypeOf(init)
        : undefined;
      if (prototype !== Object.prototype && prototype !== null) {
        throw new TypeError(
          `Cannot create managed namespace: init must be a plain object of attributes, got ${
            describeValue(init)
          }`,
        );
      }
      return Object.entries(init);
    });
  }

  /**
   * Creates a managed FIFO queue, as Python's `manager.Queue(maxsize)`.
   *
   * @typeParam T The item type.
   * @param maxsize The most items it holds; 0 for no limit.
   * @returns A proxy to the new queue.
   * @throws {RangeError} If `maxsize` is not an integer >= 0.
   */
  queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.#create("queue", () => checkMaxsize(maxsize));
  }

  /**
   * Creates a managed lock, as Python's `manager.Lock()`.
   *
   * @returns A proxy to the new lock.
   */
  lock(): Promise<LockProxy> {
    return this.#create("lock", () => undefined);
  }

  /**
   * Creates a managed counting semaphore, as Python's `manager.Semaphore(value)`. Its permits
   * are a count in the manager, so a large value costs nothing.
   *
   * @param value The initial number of permits, from 0 to 2^31-1.
   * @returns A proxy to the new semaphore.
   * @throws {RangeError} If `value` is not an integer in that range.
   */
  semaphore(value = 1): Promise<SemaphoreProxy> {
    return this.#create("semaphore", () => checkPermits(value));
  }

  /**
   * Creates a managed event, as Python's `manager.Event()`.
   *
   * @returns A proxy to the new event, clear.
   */
  event(): Promise<EventProxy> {
    return this.#create("event", () => undefined);
  }

  /**
   * Creates a managed value, as Python's `manager.Value(typecode, value)`; any storable value.
   *
   * @typeParam T The value's type.
   * @param initial The initial value.
   * @returns A proxy to the new value.
   * @throws {CloneError} If the value cannot be stored (a function, a class instance, ...).
   */
  value<T>(initial: T): Promise<ValueProxy<T>> {
    return this.#create("value", () => initial);
  }

  /**
   * Shares `proxy`'s object under `name`, for clients to {@linkcode Manager.prototype.lookup}.
   *
   * @param name The name; registering a name again replaces it.
   * @param proxy A proxy of this manager.
   * @returns Once registered.
   * @throws {TypeError} If `name` is not a string or `proxy` is not a proxy.
   * @throws {CloneError} If the proxy belongs to another manager.
   */
  async register(name: string, proxy: ManagedProxy): Promise<void> {
    const action = `register ${nameOf(name, "register on manager")} on manager`;
    if (!isProxyLike(proxy)) {
      throw new TypeError(
        `Cannot ${action}: expected a proxy this manager handed out, got ${describeValue(proxy)}`,
      );
    }
    const client = await this.#connection(action);
    await client.request(
      { type: "register", name, object: client.refOf(proxy, action).object },
      action,
    );
  }

  /**
   * A proxy to the object registered under `name`, in this manager or the one connected to.
   *
   * @typeParam P The proxy type expected; not checked at run time.
   * @param name The name it was registered under.
   * @returns The proxy.
   * @throws {TypeError} If `name` is not a string.
   * @throws {RangeError} If nothing is registered under `name`.
   */
  async lookup<P extends ManagedProxy = ManagedProxy>(name: string): Promise<P> {
    const action = `look up ${nameOf(name, "look up on manager")} on manager`;
    const client = await this.#connection(action);
    return await client.request({ type: "lookup", name }, action) as P;
  }

  /**
   * Stops the manager (when this program started it) or disconnects from it (after
   * `connect()`). Pending and later calls of its proxies reject with `ManagerClosedError`.
   * Calling it again, or on a manager never started, does nothing.
   *
   * @returns Once the manager actor has ended, or the connection is closed.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#stop();
    return this.#shutdown;
  }

  /** Shuts the manager down: `await using manager = new Manager()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * Its role and address and, once it runs, what it holds (asked of the manager's actor):
   * objects by kind, registered names, connected clients.
   */
  async #inspect(): Promise<Inspection> {
    const label = `Manager ${this.#where()}`;
    const base = { role: this.#role, address: this.#where() };
    if (this.#shutdown !== null) {
      return { kind: "manager", label, state: { ...base, status: "shut down" } };
    }
    if (this.#ready === null) {
      return { kind: "manager", label, state: { ...base, status: "not started" } };
    }
    try {
      const client = await this.#ready;
      const stats = await client.request({ type: "stats" }, "inspect manager") as ManagerStats;
      return { kind: "manager", label, state: { ...base, status: "running", ...stats } };
    } catch (error) {
      return { kind: "manager", label, state: { ...base, status: `unreachable: ${error}` } };
    }
  }

  #where(): string {
    return `${this.#hostname}:${this.#port}`;
  }

  #begin(role: "server" | "client", action: string, listen = false): Promise<ManagerClient> {
    if (this.#shutdown !== null) {
      return Promise.reject(
        new ManagerClosedError(`Cannot ${action} at ${this.#where()}: it was shut down`),
      );
    }
    if (this.#role !== null && this.#role !== role) {
      return Promise.reject(
        new TypeError(
          `Cannot ${action} at ${this.#where()}: it was already ${
            this.#role === "server" ? "started with start()" : "connected with connect()"
          }; use one Manager object per role`,
        ),
      );
    }
    this.#role = role;
    this.#ready ??= role === "server" ? this.#serve(listen) : this.#connect();
    return this.#ready;
  }

  /** The manager in use; a local manager (port 0) starts on first use. */
  #connection(action: string): Promise<ManagerClient> {
    if (this.#role === null && this.#port !== 0) {
      return Promise.reject(
        new TypeError(
          `Cannot ${action} at ${this.#where()}: call start() to serve on that address, or ` +
            "connect() to use the manager served there, first",
        ),
      );
    }
    return this.#begin(this.#role ?? "server", action);
  }

  /** Creates an object of `kind` from what `init` checks and returns; its errors reject. */
  async #create<P>(kind: ObjectKind, init: () => unknown): Promise<P> {
    const action = `create managed ${kind}`;
    const data = init();
    const client = await this.#connection(action);
    return await client.request({ type: "create", kind, init: data }, action) as P;
  }

  #endpoint(local?: LocalEndpoint): ManagerEndpoint {
    return {
      address: { hostname: this.#hostname, port: this.#port },
      authkey: this.#authkey,
      maxFrameBytes: this.#maxFrameBytes,
      connectTimeout: this.#connectTimeout,
      local,
    };
  }

  /** Starts the manager if needed, and makes it listen on its TCP address. */
  async #listen(): Promise<void> {
    const listenNow = this.#ready === null;
    await this.#begin("server", "start manager", listenNow);
    if (listenNow) return;
    // Started by its first object, for this program only: listen now.
    const process = this.#process!;
    try {
      this.#port = await (process.ref as ActorHandle)[askSystem](LISTEN_REQUEST, null) as number;
    } catch (error) {
      if (process.exitcode !== null || this.#shutdown !== null) {
        throw new ManagerClosedError(`Cannot start manager at ${this.#where()}: it has ended`, {
          cause: error,
        });
      }
      (error as Error).message = `Cannot start manager at ${this.#where()}: ${
        (error as Error).message
      }`;
      throw error;
    }
  }

  /**
   * Starts the manager's actor. It serves the actors of this program through shared memory,
   * and listens on the TCP address when `listen` is set (by `start()`).
   */
  async #serve(listen: boolean): Promise<ManagerClient> {
    const launched = await launchManager(
      {
        hostname: this.#hostname,
        port: this.#port,
        authkey: this.#authkey,
        maxFrameBytes: this.#maxFrameBytes,
        maxPendingConnections: this.#maxPendingConnections,
        listen,
      },
      (process) => this.#process = process,
      `start manager at ${this.#where()}`,
    );
    if (listen) this.#port = launched.port;
    return ManagerClient.fresh(this.#endpoint(launched.local));
  }

  async #connect(): Promise<ManagerClient> {
    if (this.#port === 0) {
      throw new TypeError(
        `Cannot connect to manager at ${this.#where()}: address.port was not given; give the ` +
          "port the manager serves on",
      );
    }
    const client = ManagerClient.fresh(this.#endpoint());
    this.#connecting = client;
    await client.open();
    return client;
  }

  async #stop(): Promise<void> {
    if (this.#ready === null) return;
    const reason = new Error(
      this.#role === "server"
        ? `the manager at ${this.#where()} was shut down`
        : `this actor disconnected from the manager at ${this.#where()} with shutdown()`,
    );
    // A connection still being made is given up rather than waited for: with a peer that
    // never answers and no connectTimeout, it would never end.
    this.#connecting?.close(reason);
    let client: ManagerClient;
    try {
      client = await this.#ready;
    } catch {
      return; // It never started or connected: there is nothing to stop.
    }
    if (this.#role === "server") {
      // Rejects only if the manager is already gone, which is what shutdown wants anyway.
      await client.request({ type: "shutdown" }, "shut down manager").catch(() => {});
    }
    client.close(reason);
    await client.ended;
    const process = this.#process;
    if (process === null) return;
    await process.join(SHUTDOWN_GRACE_MS);
    if (process.exitcode === null) await process.terminate();
  }
}

/** The authkey option as bytes of its own. */
function authkeyOf(authkey: unknown, action: string): Uint8Array {
  if (authkey === undefined) return crypto.getRandomValues(new Uint8Array(32));
  let bytes: Uint8Array;
  if (typeof authkey === "string") bytes = new TextEncoder().encode(authkey);
  else if (authkey instanceof Uint8Array) bytes = Uint8Array.from(authkey);
  else {
    throw new TypeError(
      `Cannot ${action}: authkey must be a string or a Uint8Array, got ${describeValue(authkey)}`,
    );
  }
  if (bytes.length === 0) throw new RangeError(`Cannot ${action}: the authkey is empty`);
  return bytes;
}

/** A name to register or look up, quoted for messages. */
function nameOf(name: unknown, action: string): string {
  if (typeof name !== "string") {
    throw new TypeError(`Cannot ${action}: the name must be a string, got ${describeValue(name)}`);
  }
  return JSON.stringify(name);
}
