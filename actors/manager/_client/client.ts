/**
 * One actor's connection to one manager, shared by every proxy of that manager in the actor.
 * Requests are pipelined: each is framed and handed to the link at once, so a caller that does
 * not await a reply never waits for one. The manager answers calls in order per connection;
 * replies are matched by id. When the connection ends, every pending call rejects with
 * `ManagerClosedError` (or the `AuthenticationError` that ended it), and so does every later
 * call: nothing hangs.
 *
 * The link is shared memory for a manager of this program (`local_link.ts`) and authenticated
 * TCP for one served by another program (`tcp_link.ts`); the frames are the same. Either keeps
 * the actor alive only while a call awaits its reply.
 *
 * A reply that holds a reference to a managed object becomes a proxy of the class registered
 * for its kind in the kernel's table of handle kinds, the one that revives proxies passed from
 * other actors (`reviveRefs` in `values.ts`): the proxies sit above the client and register
 * themselves, as comlink's transfer handlers do, so the client imports none of them. The kinds
 * come from a fixed list, and a reply is revived from modules already imported, so nothing a
 * manager sends can make this actor load or run code.
 *
 * @module
 */
import { FrameError } from "../../_shm/frames.ts";
import { decodeMessage, encodeFrameView } from "../_wire/messages.ts";
import { LocalLink } from "./local_link.ts";
import { TcpLink } from "./tcp_link.ts";
import {
  isManagerReply,
  type ManagerReply,
  type ManagerRequest,
  type ProxyRef,
} from "../_wire/protocol.ts";
import {
  encodeProxies,
  holdsRefs,
  isProxyLike,
  type ProxyLike as ValueProxyLike,
  proxyTarget,
  reviveRefs,
} from "./values.ts";
import { errorClassNamed, type SerializedError } from "../../_kernel/wire_errors.ts";
import type { LinkOwner, ManagerEndpoint, ManagerLink } from "./link.ts";
import { CloneError, TimeoutError } from "../../errors.ts";
import { AuthenticationError, ManagerClosedError, RemoteError } from "../errors.ts";

export { isProxyLike, proxyTarget };

/** What a proxy is bound to: a client and the object it stands for. */
export interface ProxyBinding {
  readonly client: ManagerClient;
  readonly ref: ProxyRef;
}

/** A proxy as the client sees it. */
export interface ProxyLike extends ValueProxyLike {
  [proxyTarget](): ProxyBinding;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
type RequestBody = DistributiveOmit<ManagerRequest, "id">;

interface Pending {
  action: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * An error of the manager rebuilt as its own class when this actor has it (a built-in error or
 * one of the framework's, `Empty`, `Full`, `ReleaseError`, ...), else as a `RemoteError` that
 * keeps its name, as Python's manager does with a traceback it cannot re-raise.
 */
function rebuildError(error: SerializedError): Error {
  const known = error.name === "Error" ? undefined : errorClassNamed(error.name);
  return known === undefined
    ? new RemoteError(error.name, error.message)
    : new known(error.message);
}

/** Values stored as they are, with nothing to check or replace. */
function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "boolean" || value == null;
}

function endpointKey({ address, authkey, local }: ManagerEndpoint): string {
  if (local !== undefined) return `local#${local.id}`;
  return `${address.hostname}:${address.port}#${authkey.join(",")}`;
}

/** The client of this actor for each manager, by endpoint key. */
const clients = new Map<string, ManagerClient>();
/**
 * The client made for each endpoint object: a reply revived with its client's own endpoint
 * binds its proxies to that client, even after `fresh()` gave a newer one its key.
 */
const owners = new WeakMap<ManagerEndpoint, ManagerClient>();

/** One actor's connection to one manager. */
export class ManagerClient implements LinkOwner {
  /** Where the manager is and how to authenticate to it. */
  readonly endpoint: ManagerEndpoint;
  readonly #where: string;
  readonly #link: ManagerLink;
  #failure: Error | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #deferred = new Map<number, Error>();

  /** The client of this actor for `endpoint`, created on first use. */
  static of(endpoint: ManagerEndpoint): ManagerClient {
    const owner = owners.get(endpoint);
    if (owner !== undefined) return owner;
    const key = endpointKey(endpoint);
    let client = clients.get(key);
    if (client === undefined) {
      client = new ManagerClient(endpoint);
      clients.set(key, client);
    }
    return client;
  }

  /** A new client for `endpoint`, which later proxies of this actor will share. */
  static fresh(endpoint: ManagerEndpoint): ManagerClient {
    const client = new ManagerClient(endpoint);
    clients.set(endpointKey(endpoint), client);
    return client;
  }

  /** Use {@linkcode ManagerClient.of} or {@linkcode ManagerClient.fresh}, which keep the map. */
  constructor(endpoint: ManagerEndpoint) {
    this.endpoint = endpoint;
    owners.set(endpoint, this);
    this.#where = endpoint.local === undefined
      ? `${endpoint.address.hostname}:${endpoint.address.port}`
      : `actor ${endpoint.local.manager.pid}`;
    this.#link = endpoint.local === undefined
      ? new TcpLink(endpoint, this)
      : new LocalLink(endpoint.local, endpoint.maxFrameBytes, this.#where, this);
  }

  /** Where the manager is, for messages: its address, or its actor for a local one. */
  get where(): string {
    return this.#where;
  }

  /** Resolves once the connection has ended, for any reason, and its reads have stopped. */
  get ended(): Promise<void> {
    return this.#link.ended;
  }

  /** Whether a call awaits its reply. */
  get awaitingReplies(): boolean {
    return this.#pending.size > 0;
  }

  /** Connects (and authenticates) now rather than on the first request. */
  async open(): Promise<void> {
    if (this.#failure !== null) throw this.#closedError("connect to the manager");
    try {
      await this.#link.open();
    } catch (error) {
      this.fail(error);
      throw this.#closedError("connect to the manager");
    }
  }

  /** Sends a request and resolves to its reply, with proxies in it rebuilt. */
  request(body: RequestBody, action: string): Promise<unknown> {
    try {
      const id = this.#queue(body, action);
      const { promise, resolve, reject } = Promise.withResolvers<unknown>();
      this.#pending.set(id, { action, resolve, reject });
      this.#link.awaiting();
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends a request that gets no reply unless it fails; resolves once it is on its way to the
   * manager. A failure is kept for {@linkcode ManagerClient.prototype.takeDeferred}.
   */
  cast(body: RequestBody, action: string): Promise<void> {
    try {
      this.#queue(body, action);
      return this.#link.written();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The error of a failed cast on `object`, once. */
  takeDeferred(object: number): Error | undefined {
    const error = this.#deferred.get(object);
    this.#deferred.delete(object);
    return error;
  }

  /** Ends the connection; pending and later calls reject with `ManagerClosedError`. */
  close(reason: Error): void {
    if (this.#failure !== null) return;
    this.#failure = reason;
    this.#link.close(this.#closedError("send a request to the manager"));
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(this.#closedError(pending.action));
    }
  }

  /** The link ended for `reason`: closes with it as it is. */
  end(reason: Error): void {
    this.close(reason);
  }

  /** The link failed with `error`: closes, and answers the error of a failed send. */
  fail(error: unknown): Error {
    this.close(this.#connectionFailure(error));
    return this.#closedError("send a request to the manager");
  }

  /**
   * Handles one reply frame.
   *
   * @throws {FrameError} If it is not a manager reply.
   */
  receive(payload: Uint8Array): void {
    const reply = decodeMessage(payload);
    if (!isManagerReply(reply)) {
      throw new FrameError("the manager sent a frame that is not a manager reply");
    }
    this.#dispatch(reply);
  }

  /**
   * The object `proxy` stands for.
   *
   * @throws {CloneError} If it is a proxy of another manager.
   */
  refOf(proxy: ValueProxyLike, action: string, path = () => "the proxy"): ProxyRef {
    if (!isProxyLike(proxy)) {
      throw new TypeError(`Cannot ${action}: ${path()} is not a proxy of a manager`);
    }
    const { client, ref } = (proxy as ProxyLike)[proxyTarget]();
    if (endpointKey(client.endpoint) !== endpointKey(this.endpoint)) {
      throw new CloneError(
        `Cannot ${action}: ${path()} is a proxy of another manager (${client.#where}); a ` +
          "manager can only refer to its own objects",
      );
    }
    return ref;
  }

  #closedError(action: string): Error {
    const failure = this.#failure!;
    if (failure instanceof AuthenticationError) return failure;
    return new ManagerClosedError(`Cannot ${action}: ${failure.message}`, { cause: failure });
  }

  #queue(body: RequestBody, action: string): number {
    if (this.#failure !== null) throw this.#closedError(action);
    const id = this.#nextId++;
    const request = { ...this.#encodeProxies(body, action), id };
    this.#link.send(encodeFrameView(request, this.endpoint.maxFrameBytes, action));
    return id;
  }

  /** Replaces proxies of this manager by references; refuses anything that cannot be stored. */
  #encodeProxies(body: RequestBody, action: string): RequestBody {
    if (body.type === "call" || body.type === "cast") {
      if (body.args.every(isPrimitive)) return body;
      return { ...body, args: this.#encodeValue(body.args, "args", action) as unknown[] };
    }
    if (body.type === "create") {
      return { ...body, init: this.#encodeValue(body.init, "value", action) };
    }
    return body;
  }

  #encodeValue(value: unknown, label: string, action: string): unknown {
    return encodeProxies(value, label, action, (proxy, path) => this.refOf(proxy, action, path));
  }

  #connectionFailure(error: unknown): Error {
    if (
      error instanceof AuthenticationError || error instanceof TimeoutError ||
      this.#failure !== null
    ) {
      return error as Error;
    }
    return new Error(
      `the connection to the manager at ${this.#where} failed (${(error as Error).message})`,
      { cause: error },
    );
  }

  #dispatch(reply: ManagerReply): void {
    if (reply.type === "castFailed") {
      this.#deferred.set(reply.object, rebuildError(reply.error));
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#link.idle();
    switch (reply.type) {
      case "result":
        if (!holdsRefs(reply.value)) return pending.resolve(reply.value);
        try {
          pending.resolve(reviveRefs(reply.value, this.endpoint));
        } catch (error) {
          pending.reject(error);
        }
        return;
      case "error":
        pending.reject(rebuildError(reply.error));
        return;
      default: {
        const unknown: never = reply;
        throw new FrameError(`Unknown manager reply ${JSON.stringify(unknown)}`);
      }
    }
  }
}
