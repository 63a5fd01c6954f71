/**
 * The common part of every manager proxy: which object of which manager it stands for, how it
 * calls and casts, how it crosses to other actors (as the manager's address, authkey and the
 * object's id: plain data) and how it is stored inside managed values (as a reference).
 *
 * @module
 */
import {
  ManagerClient,
  type ProxyBinding,
  type ProxyLike,
  proxyTarget,
} from "../_client/client.ts";
import { type ProxyData, proxyKind } from "../_client/values.ts";
import { OBJECT_KINDS, type ObjectKind, type ProxyRef } from "../_wire/protocol.ts";
import {
  describeHandle,
  type HandleDescription,
  type Portable,
  registerHandleKind,
} from "../../_kernel/handles.ts";

export type { ProxyBinding };

/**
 * Base of the proxies a `Manager` hands out. A proxy is a reference to an object that lives in
 * the manager's actor: every method is a request to the manager, applied there atomically.
 *
 * @ignore Internal: not part of the public API.
 */
export abstract class BaseProxy implements Portable, ProxyLike {
  readonly #client: ManagerClient;
  readonly #ref: ProxyRef;

  /**
   * Binds the proxy to its object.
   *
   * @param binding The manager connection and the object.
   */
  protected constructor(binding: ProxyBinding) {
    this.#client = binding.client;
    this.#ref = binding.ref;
  }

  /**
   * Waits until the manager has applied every request this actor sent it so far, and reports
   * the error of a `set`-like call on this object that was sent without waiting for an answer.
   *
   * @throws {ManagerClosedError} If the manager is out of reach.
   */
  async flush(): Promise<void> {
    await this.#client.request({ type: "sync" }, `flush ${this.#ref.kind} proxy`);
    const error = this.#client.takeDeferred(this.#ref.object);
    if (error !== undefined) throw error;
  }

  /** Describes the proxy for another actor: the manager's endpoint and the object's id. */
  [describeHandle](): HandleDescription {
    const data: ProxyData = { endpoint: this.#client.endpoint, ref: this.#ref };
    return { kind: proxyKind(this.#ref.kind), data };
  }

  /** The connection and object, for storing the proxy inside managed values. */
  [proxyTarget](): ProxyBinding {
    return { client: this.#client, ref: this.#ref };
  }

  /**
   * Like Python's repr: `<DictProxy object=3 manager=127.0.0.1:4312>` for a manager reached over
   * TCP, `<DictProxy object=3 manager=actor 2>` for one of this program.
   */
  toString(): string {
    return `<${this.constructor.name} object=${this.#ref.object} manager=${this.#client.where}>`;
  }

  /**
   * Calls `method` in the manager and resolves to its answer.
   *
   * @param method The method of the managed object.
   * @param args Its arguments, plain data or proxies of the same manager.
   * @returns The answer.
   */
  protected call<T>(method: string, args: unknown[] = []): Promise<T> {
    const deferred = this.#client.takeDeferred(this.#ref.object);
    if (deferred !== undefined) return Promise.reject(deferred);
    return this.#client.request(
      { type: "call", object: this.#ref.object, method, args },
      `call ${this.#ref.kind}.${method}`,
    ) as Promise<T>;
  }

  /**
   * Calls `method` with the arguments `prepare` checks and builds: an error it throws rejects
   * the returned promise, and nothing is sent.
   *
   * @param method The method of the managed object.
   * @param prepare Checks the caller's arguments and returns what to send.
   * @returns The answer.
   */
  protected callWith<T>(method: string, prepare: () => unknown[]): Promise<T> {
    let args: unknown[];
    try {
      args = prepare();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.call(method, args);
  }

  /**
   * Like {@linkcode BaseProxy.prototype.cast}, with the arguments `prepare` checks and builds:
   * an error it throws rejects the returned promise, and nothing is sent.
   *
   * @param method The method of the managed object.
   * @param prepare Checks the caller's arguments and returns what to send.
   */
  protected castWith(method: string, prepare: () => unknown[]): Promise<void> {
    let args: unknown[];
    try {
      args = prepare();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.cast(method, args);
  }

  /**
   * Sends `method` without waiting for the manager's answer: resolves once the request is
   * written. The manager applies it before any later request of this actor; an error it raises
   * is reported by the next call on this proxy or by {@linkcode BaseProxy.prototype.flush}.
   *
   * @param method The method of the managed object.
   * @param args Its arguments.
   */
  protected cast(method: string, args: unknown[]): Promise<void> {
    const deferred = this.#client.takeDeferred(this.#ref.object);
    if (deferred !== undefined) return Promise.reject(deferred);
    return this.#client.cast(
      { type: "cast", object: this.#ref.object, method, args },
      `call ${this.#ref.kind}.${method}`,
    );
  }
}

/** A proxy class, as the kernel's table of handle kinds builds it. */
export type ProxyClass = new (binding: ProxyBinding) => BaseProxy;

/**
 * Registers the class of each kind of proxy in the kernel's table of handle kinds, from the
 * module at `meta.url`: replies that refer to an object of that kind, here or in any actor the
 * proxy is passed to, become instances of it. That module, which other actors import to revive
 * a proxy, must import every class: so an actor that was passed one proxy can revive a reply
 * that refers to an object of any other kind. Call it once, at the top level of that module.
 */
export function registerProxyClasses(
  meta: ImportMeta,
  classes: Readonly<Record<ObjectKind, ProxyClass>>,
): void {
  for (const kind of OBJECT_KINDS) {
    const ProxyOfKind = classes[kind];
    registerHandleKind(meta, proxyKind(kind), (data) => {
      const { endpoint, ref } = data as ProxyData;
      return new ProxyOfKind({ client: ManagerClient.of(endpoint), ref });
    });
  }
}
