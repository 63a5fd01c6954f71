/**
 * Manager values that hold proxies. An argument of a call, the initial data of an object, and a
 * reply may hold proxies of the manager at any depth of plain objects, arrays, Maps and Sets. A
 * proxy crosses as a reference, `{ [PROXY_MARKER]: { object, kind } }` (plain data), and comes
 * back as a proxy. Everything else keeps structured-clone semantics, which the serializer gives
 * as long as nobody rebuilds the value on the way:
 *
 * - a value that holds no proxy is handed to the serializer as it is, never copied;
 * - a value that holds one is copied once, with a map from each object to its copy, so shared
 *   references and cycles stay shared and holes and named properties of arrays are kept;
 * - a reply, which its receiver alone holds, has its references replaced in place.
 *
 * Every walk keeps a set of what it has seen, so cyclic data never recurses for ever.
 *
 * @module
 */
import { assertCloneable } from "./_clone.ts";
import { OBJECT_KINDS, type ObjectKind, PROXY_MARKER, type ProxyRef } from "./_manager_protocol.ts";
import { isPortable } from "./_portable.ts";
import { CloneError } from "./errors.ts";

/** The method a proxy implements so that values can refer to it. */
export const proxyTarget: unique symbol = Symbol("multiprocessing.proxyTarget");

/** Something that answers with the object it stands for: a proxy, as values see it. */
export interface ProxyLike {
  [proxyTarget](): unknown;
}

/** Whether `value` is a proxy of some manager. */
export function isProxyLike(value: unknown): value is ProxyLike {
  return typeof value === "object" && value !== null && proxyTarget in value;
}

/**
 * The reference `proxy`, found at `path`, stands for.
 *
 * @throws {CloneError} If it is a proxy of another manager.
 */
export type RefOf = (proxy: ProxyLike, path: string) => ProxyRef;

type Container = Record<string, unknown> | unknown[] | Map<unknown, unknown> | Set<unknown>;

/** The containers a walk looks inside: what structured clone copies member by member. */
function isContainer(value: unknown): value is Container {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || prototype === Array.prototype ||
    prototype === Map.prototype || prototype === Set.prototype;
}

/** Sets an own property, also one named `__proto__`, which an assignment would not create. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** The path of member `key` of an array or object at `path`. */
function memberPath(path: string, container: object, key: string): string {
  return Array.isArray(container) && /^\d+$/.test(key) ? `${path}[${key}]` : `${path}.${key}`;
}

/**
 * Whether `value` holds a proxy. A handle that is not a proxy (a lock or queue on this
 * program's shared memory) is returned as `foreign`, as the manager cannot store it.
 */
function findHandles(value: unknown, seen: Set<object>): { proxies: boolean; foreign?: object } {
  const result: { proxies: boolean; foreign?: object } = { proxies: false };
  const visit = (item: unknown): boolean => {
    if (typeof item !== "object" || item === null || seen.has(item)) return false;
    seen.add(item);
    if (isProxyLike(item)) {
      result.proxies = true;
      return false;
    }
    if (isPortable(item)) {
      result.foreign = item;
      return true;
    }
    if (!isContainer(item)) return false;
    if (item instanceof Map) {
      for (const [key, member] of item) if (visit(key) || visit(member)) return true;
      return false;
    }
    if (item instanceof Set) {
      for (const member of item) if (visit(member)) return true;
      return false;
    }
    const fields = item as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (visit(fields[key])) return true;
    return false;
  };
  visit(value);
  return result;
}

/** The path from `root` (called `label`) to `target`, for an error message. */
function pathTo(root: unknown, target: object, label: string): string {
  const seen = new Set<object>();
  const search = (item: unknown, path: string): string | undefined => {
    if (item === target) return path;
    if (!isContainer(item) || seen.has(item)) return undefined;
    seen.add(item);
    if (item instanceof Map) {
      for (const [key, member] of item) {
        const found = search(key, `${path}[map key]`) ?? search(member, `${path}.get(…)`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (item instanceof Set) {
      for (const member of item) {
        const found = search(member, `${path}[set item]`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const fields = item as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      const found = search(fields[key], memberPath(path, item, key));
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(root, label) ?? label;
}

/**
 * Prepares `value` (called `label` in messages) to be sent to the manager: refuses what cannot
 * be stored, and replaces the proxies it holds by references. Returns `value` itself when it
 * holds no proxy.
 *
 * @throws {CloneError} If it holds a function, a symbol, a class instance, a handle on this
 * program's shared memory, or a proxy of another manager; the message names the path.
 */
export function encodeProxies(
  value: unknown,
  label: string,
  action: string,
  refOf: RefOf,
): unknown {
  assertCloneable(value, label, action);
  const { proxies, foreign } = findHandles(value, new Set());
  if (foreign !== undefined) {
    throw new CloneError(
      `Cannot ${action}: ${pathTo(value, foreign, label)} is a ${foreign.constructor.name}, a ` +
        "handle on shared memory of this program, which a manager cannot store; create it " +
        "through the manager instead (manager.lock(), manager.queue(), ...)",
    );
  }
  return proxies ? copyWithRefs(value, label, new Map(), refOf) : value;
}

/** Copies the containers of `value`, each once, with proxies replaced by references. */
function copyWithRefs(
  value: unknown,
  path: string,
  copies: Map<object, unknown>,
  refOf: RefOf,
): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (copies.has(value)) return copies.get(value);
  if (isProxyLike(value)) {
    const marker = { [PROXY_MARKER]: refOf(value, path) };
    copies.set(value, marker);
    return marker;
  }
  if (!isContainer(value)) return value;
  if (value instanceof Map) {
    const copy = new Map<unknown, unknown>();
    copies.set(value, copy);
    for (const [key, member] of value) {
      copy.set(
        copyWithRefs(key, `${path}[map key]`, copies, refOf),
        copyWithRefs(member, `${path}.get(…)`, copies, refOf),
      );
    }
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set<unknown>();
    copies.set(value, copy);
    for (const member of value) copy.add(copyWithRefs(member, `${path}[set item]`, copies, refOf));
    return copy;
  }
  const fields = value as Record<string, unknown>;
  const copy =
    (Array.isArray(value)
      ? new Array(value.length)
      : Object.create(Object.getPrototypeOf(value))) as Record<string, unknown>;
  copies.set(value, copy);
  for (const key of Object.keys(fields)) {
    setOwn(copy, key, copyWithRefs(fields[key], memberPath(path, value, key), copies, refOf));
  }
  return copy;
}

/** The reference a value stands for, if it is one. */
export function markerIn(value: unknown): ProxyRef | undefined {
  if (
    typeof value !== "object" || value === null ||
    Object.getPrototypeOf(value) !== Object.prototype || !Object.hasOwn(value, PROXY_MARKER)
  ) {
    return undefined;
  }
  const ref = (value as Record<string, unknown>)[PROXY_MARKER] as Partial<ProxyRef> | null;
  return typeof ref === "object" && ref !== null && Number.isSafeInteger(ref.object) &&
      OBJECT_KINDS.includes(ref.kind as ObjectKind)
    ? ref as ProxyRef
    : undefined;
}

/** Whether a received value holds references to revive. */
export function holdsRefs(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const seen = new Set<object>();
  const visit = (item: unknown): boolean => {
    if (typeof item !== "object" || item === null || seen.has(item)) return false;
    if (markerIn(item) !== undefined) return true;
    seen.add(item);
    if (!isContainer(item)) return false;
    if (item instanceof Map) {
      for (const [key, member] of item) if (visit(key) || visit(member)) return true;
      return false;
    }
    if (item instanceof Set) {
      for (const member of item) if (visit(member)) return true;
      return false;
    }
    const fields = item as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (visit(fields[key])) return true;
    return false;
  };
  return visit(value);
}

/**
 * Replaces, in place, the references a received value holds by proxies built with `create`;
 * a reference met twice becomes one proxy, met twice. Returns the value (the proxy itself when
 * the value is a reference).
 */
export function reviveRefs(value: unknown, create: (ref: ProxyRef) => unknown): unknown {
  const proxies = new Map<object, unknown>();
  const seen = new Set<object>();
  /** The proxy for `item` if it is a reference, else undefined after reviving inside it. */
  const revive = (item: unknown): unknown => {
    if (typeof item !== "object" || item === null) return undefined;
    const ref = markerIn(item);
    if (ref !== undefined) {
      if (!proxies.has(item)) proxies.set(item, create(ref));
      return proxies.get(item);
    }
    if (seen.has(item) || !isContainer(item)) return undefined;
    seen.add(item);
    if (item instanceof Map) {
      let keysRevived = false;
      for (const [key, member] of item) {
        if (revive(key) !== undefined) keysRevived = true;
        const proxy = revive(member);
        if (proxy !== undefined) item.set(key, proxy);
      }
      if (keysRevived) {
        const entries = [...item];
        item.clear();
        for (const [key, member] of entries) item.set(proxies.get(key as object) ?? key, member);
      }
    } else if (item instanceof Set) {
      const members = [...item];
      const revived = members.map((member) => revive(member));
      if (revived.some((proxy) => proxy !== undefined)) {
        item.clear();
        members.forEach((member, index) => item.add(revived[index] ?? member));
      }
    } else {
      const fields = item as Record<string, unknown>;
      for (const key of Object.keys(fields)) {
        const proxy = revive(fields[key]);
        if (proxy !== undefined) setOwn(fields, key, proxy);
      }
    }
    return undefined;
  };
  return revive(value) ?? value;
}
