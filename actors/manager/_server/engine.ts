/**
 * The manager's behaviour: the table of objects it owns, the names they are registered under,
 * and the handling of one request from one session. It knows nothing of sockets: the server
 * feeds it decoded requests and sends what it answers, so one engine serves local and remote
 * proxies alike. Requests are handled one at a time, so each one is atomic.
 *
 * @module
 */
import type { DictKey } from "../_wire/protocol.ts";
import { dictMethod, listMethod, namespaceMethod, type ValueCell, valueMethod } from "./data.ts";
import {
  ManagedEvent,
  ManagedPermits,
  ManagedQueue,
  type Reply,
  type Session,
  type Waitable,
  WAITING,
} from "./waits.ts";
import {
  type ManagerReply,
  type ManagerRequest,
  type ManagerStats,
  type ObjectKind,
  PROXY_MARKER,
  type ProxyRef,
} from "../_wire/protocol.ts";
import { serializeError } from "../../_kernel/wire_errors.ts";

export type { Session };

/** A session as the engine answers it. */
export interface EngineSession extends Session {
  send(reply: ManagerReply): void;
}

type Managed =
  | { kind: "dict"; map: Map<DictKey, unknown> }
  | { kind: "list"; items: unknown[] }
  | { kind: "namespace"; fields: Map<string, unknown> }
  | { kind: "value"; cell: ValueCell }
  | { kind: "queue" | "lock" | "semaphore" | "event"; waitable: Waitable };

function entriesOf(init: unknown, kind: string): [unknown, unknown][] {
  if (init === undefined) return [];
  if (!Array.isArray(init) || !init.every((entry) => Array.isArray(entry) && entry.length === 2)) {
    throw new TypeError(`Cannot create managed ${kind}: expected an array of [key, value] pairs`);
  }
  return init;
}

/** Builds a new object of `kind` from its initial data. */
function createObject(kind: ObjectKind, init: unknown): Managed {
  switch (kind) {
    case "dict": {
      const map = new Map<DictKey, unknown>();
      dictMethod(map, "merge", [entriesOf(init, "dict")]);
      return { kind, map };
    }
    case "list":
      if (init !== undefined && !Array.isArray(init)) {
        throw new TypeError("Cannot create managed list: expected an array of items");
      }
      return { kind, items: [...(init ?? [])] };
    case "namespace": {
      const entries = entriesOf(init, "namespace");
      if (!entries.every(([name]) => typeof name === "string")) {
        throw new TypeError("Cannot create managed namespace: attribute names must be strings");
      }
      return { kind, fields: new Map(entries as [string, unknown][]) };
    }
    case "value":
      return { kind, cell: { value: init } };
    case "queue":
      return { kind, waitable: new ManagedQueue(init ?? 0) };
    case "lock":
      return { kind, waitable: new ManagedPermits("lock", 1) };
    case "semaphore":
      return { kind, waitable: new ManagedPermits("semaphore", init ?? 1) };
    case "event":
      return { kind, waitable: new ManagedEvent() };
    default: {
      const unknown: never = kind;
      throw new TypeError(`Cannot create managed object of unknown kind ${String(unknown)}`);
    }
  }
}

/** The objects of one manager and the handling of requests on them. */
export class ManagerEngine {
  readonly #objects = new Map<number, Managed>();
  readonly #names = new Map<string, ProxyRef>();
  /** The sessions that made a request and have not disconnected, for the stats. */
  readonly #sessions = new Set<Session>();
  #nextObject = 1;

  /**
   * Handles one request of `session` (every type but `shutdown`, which the server handles):
   * answers it now, or later for a call that waits.
   */
  handle(session: EngineSession, request: Exclude<ManagerRequest, { type: "shutdown" }>): void {
    const { id } = request;
    this.#sessions.add(session);
    const reply: Reply = {
      resolve: (value) => session.send({ type: "result", id, value }),
      reject: (error) => session.send({ type: "error", id, error: serializeError(error) }),
    };
    try {
      switch (request.type) {
        case "create":
          return reply.resolve(this.#create(request.kind, request.init));
        case "call": {
          const value = this.#invoke(session, request.object, request.method, request.args, reply);
          if (value !== WAITING) reply.resolve(value);
          return;
        }
        case "cast":
          this.#invoke(session, request.object, request.method, request.args, reply);
          return;
        case "register":
          return reply.resolve(this.#register(request.name, request.object));
        case "lookup":
          return reply.resolve(this.#lookup(request.name));
        case "sync":
          return reply.resolve(undefined);
        case "stats":
          return reply.resolve(this.#stats());
        default: {
          const unknown: never = request;
          throw new TypeError(`Unknown manager request ${JSON.stringify(unknown)}`);
        }
      }
    } catch (error) {
      if (request.type !== "cast") return reply.reject(error);
      session.send({
        type: "castFailed",
        id,
        object: request.object,
        error: serializeError(error),
      });
    }
  }

  /** Gives back what `session` held (locks, permits) and drops its waiters. */
  disconnect(session: Session): void {
    this.#sessions.delete(session);
    for (const managed of this.#objects.values()) {
      if ("waitable" in managed) managed.waitable.disconnect(session);
    }
  }

  /** Drops every waiter and timer, when the manager stops. */
  close(): void {
    for (const managed of this.#objects.values()) {
      if ("waitable" in managed) managed.waitable.close();
    }
  }

  #stats(): ManagerStats {
    const objects: Record<string, number> = {};
    for (const { kind } of this.#objects.values()) objects[kind] = (objects[kind] ?? 0) + 1;
    return { objects, names: this.#names.size, clients: this.#sessions.size };
  }

  #create(kind: ObjectKind, init: unknown): unknown {
    const object = this.#nextObject++;
    this.#objects.set(object, createObject(kind, init));
    const ref: ProxyRef = { object, kind };
    return { [PROXY_MARKER]: ref };
  }

  #register(name: string, object: number): undefined {
    const managed = this.#objects.get(object);
    if (managed === undefined) {
      throw new RangeError(`Cannot register "${name}": the manager has no object ${object}`);
    }
    this.#names.set(name, { object, kind: managed.kind });
    return undefined;
  }

  #lookup(name: string): unknown {
    const ref = this.#names.get(name);
    if (ref === undefined) {
      throw new RangeError(
        `Cannot look up "${name}": no object is registered under that name; register(name, ` +
          "proxy) it on the manager first",
      );
    }
    return { [PROXY_MARKER]: ref };
  }

  #invoke(
    session: Session,
    object: number,
    method: string,
    args: unknown[],
    reply: Reply,
  ): unknown {
    const managed = this.#objects.get(object);
    if (managed === undefined) {
      throw new RangeError(`Cannot call ${method}: the manager has no object ${object}`);
    }
    switch (managed.kind) {
      case "dict":
        return dictMethod(managed.map, method, args);
      case "list":
        return listMethod(managed.items, method, args);
      case "namespace":
        return namespaceMethod(managed.fields, method, args);
      case "value":
        return valueMethod(managed.cell, method, args);
      case "queue":
      case "lock":
      case "semaphore":
      case "event":
        return managed.waitable.method(session, method, args, reply);
      default: {
        const unknown: never = managed;
        throw new TypeError(`Unknown managed object ${JSON.stringify(unknown)}`);
      }
    }
  }
}
