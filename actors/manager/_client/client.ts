/**
 * One actor's connection to one manager, shared by every proxy of that manager in the actor.
 * Requests are pipelined: each is framed and handed to the link at once, so a caller that does
 * not await a reply never waits for one. The manager answers calls in order per connection;
 * replies are matched by id. When the connection ends, every pending call rejects with
 * `ManagerClosedError` (or the `AuthenticationError` that ended it), and so does every later
 * call: nothing hangs.
 *
 * The link is shared memory for a manager of this program (`_manager_local_link.ts`) and
 * authenticated TCP for one served by another program (`_manager_tcp_link.ts`); the frames are
 * the same. Either keeps the actor alive only while a call awaits its reply.
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
import type { SerializedError } from "../../_kernel/wire_errors.ts";
import type { ActorRef } from "../../actor_ref.ts";
import { Empty, Full } from "../../../channels/errors.ts";
import {
  AuthenticationError,
  CloneError,
  ManagerClosedError,
  ReleaseError,
  RemoteError,
  TimeoutError,
} from "../../errors.ts";

export { isProxyLike, proxyTarget };

/** Where a manager listens. */
export interface ManagerAddress {
  /** The host name or IP address. */
  hostname: string;
  /** The TCP port. */
  port: number;
}

/**
 * How the actors of the manager's own program reach it: shared memory, found through the
 * manager's actor. Plain data, SharedArrayBuffers and an actor reference, so it crosses to the
 * program's other actors, and no further.
 */
export interface LocalEndpoint {
  /** Tells this manager from any other of the program. */
  id: string;
  /** The words every client rings when it has published requests (`_manager_ring.ts`). */
  hub: SharedArrayBuffer;
  /** The manager's actor, which hands each client actor its channel. */
  manager: ActorRef;
}

/**
 * How to reach and authenticate to a manager: plain data (with, for a manager of this program,
 * shared memory and an actor reference), so it can cross to other actors.
 */
export interface ManagerEndpoint {
  address: ManagerAddress;
  authkey: Uint8Array;
  maxFrameBytes: number;
  /** How long connecting and authenticating over TCP may take; undefined for no limit. */
  connectTimeout: number | undefined;
  /** Set for a manager of this program: then no TCP, and no authentication, are needed. */
  local?: LocalEndpoint;
}

/** What carries a client's frames to its manager and the replies back. */
export interface ManagerLink {
  /** Resolves once the link is usable, or rejects with why it is not. */
  open(): Promise<void>;
  /** Hands over a framed request, now; `frame` is valid only during the call: copy to keep. */
  send(frame: Uint8Array): void;
  /** Resolves once everything sent so far is on its way; rejects if the link ends first. */
  written(): Promise<void>;
  /** A call awaits a reply: deliver replies, and keep the actor alive while waiting. */
  awaiting(): void;
  /** No call awaits a reply any more. */
  idle(): void;
  /** Ends the link; `written()` promises still pending reject with `error`. */
  close(error: Error): void;
  /** Resolves once the link has ended and its reads have stopped. */
  readonly ended: Promise<void>;
}

/** What a link reports to its client. */
export interface LinkOwner {
  /** Whether a call awaits its reply. */
  readonly awaitingReplies: boolean;
  /**
   * One reply frame's payload.
   *
   * @throws {FrameError} If it is not a manager reply.
   */
  receive(payload: Uint8Array): void;
  /** The link failed: the client closes, and answers the error a failed send rejects with. */
  fail(error: unknown): Error;
  /** The link ended for `reason`, which says why as it is: the client closes. */
  end(reason: Error): void;
}

/** What a proxy is bound to: a client and the object it stands for. */
export interface ProxyBinding {
  readonly client: ManagerClient;
  readonly ref: ProxyRef;
}

/** A proxy as the client sees it. */
export interface ProxyLike extends ValueProxyLike {
  [proxyTarget](): ProxyBinding;
}

/** Builds a proxy of the right class for a reference found in a reply. */
export type ProxyFactory = (binding: ProxyBinding) => unknown;

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
type RequestBody = DistributiveOmit<ManagerRequest, "id">;

interface Pending {
  action: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The errors a manager raises on purpose, rebuilt as their own classes. */
const KNOWN_ERRORS: Record<string, new (message: string) => Error> = {
  RangeError,
  TypeError,
  Empty,
  Full,
  ReleaseError,
};

function rebuildError(error: SerializedError): Error {
  const known = Object.hasOwn(KNOWN_ERRORS, error.name) ? KNOWN_ERRORS[error.name] : undefined;
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

let proxyFactory: Promise<ProxyFactory> | null = null;

/** The proxy classes, loaded on the first reply that holds a proxy (they import this module). */
function loadProxyFactory(): Promise<ProxyFactory> {
  proxyFactory ??= import("../proxies/_kinds.ts").then((module) => module.createProxy);
  return proxyFactory;
}

const clients = new Map<string, ManagerClient>();

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

  private constructor(endpoint: ManagerEndpoint) {
    this.endpoint = endpoint;
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
        if (holdsRefs(reply.value)) {
          loadProxyFactory().then((create) =>
            reviveRefs(reply.value, (ref) => create({ client: this, ref }))
          ).then(pending.resolve, pending.reject);
        } else {
          pending.resolve(reply.value);
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
