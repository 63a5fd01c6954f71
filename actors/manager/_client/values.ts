/**
 * Manager values that hold proxies. An argument of a call, the initial data of an object, and a
 * reply may hold proxies of the manager at any depth of arrays, plain objects, Maps and Sets. A
 * proxy crosses as a reference, `{ [PROXY_MARKER]: { object, kind } }` (plain data), and comes
 * back as a proxy. Everything else keeps structured-clone semantics, which the serializer gives
 * as long as nobody rebuilds the value on the way:
 *
 * - a value that holds no proxy is handed to the serializer as it is, never copied;
 * - a value that holds one is copied once, with a map from each container to its copy, so
 *   shared references and cycles stay shared, and holes and named properties of arrays are kept;
 * - a reply, which its receiver alone holds, has its references replaced in place.
 *
 * The walks go where structured clone goes (array elements and named properties, the own
 * enumerable fields of plain and null-prototype objects, Map keys and values, Set items) and
 * visit each container once, so cyclic data ends. As in the handle walk of Process arguments
 * (`_kernel/handles.ts`), whose rules these follow, the named properties of an array longer than
 * {@linkcode NAMED_KEYS_LIMIT} are not searched: listing them costs as much as serializing the
 * array.
 *
 * @module
 */
import { assertCloneable } from "../../_shm/clone.ts";
import { OBJECT_KINDS, type ObjectKind, PROXY_MARKER, type ProxyRef } from "../_wire/protocol.ts";
import { isPortable } from "../../_kernel/handles.ts";
import { CloneError } from "../../errors.ts";

/** The method a proxy implements so that values can refer to it. */
export const proxyTarget: unique symbol = Symbol("multiprocessing.proxyTarget");

/** A proxy of some manager, as values see it. */
export interface ProxyLike {
  [proxyTarget](): unknown;
}

/** Whether `value` is a proxy of some manager. */
export function isProxyLike(value: unknown): value is ProxyLike {
  return typeof value === "object" && value !== null && proxyTarget in value;
}

/**
 * The reference `proxy` stands for; `path` says where it is in the value, for a message.
 *
 * @throws {CloneError} If it cannot be stored (a proxy of another manager).
 */
export type RefOf = (proxy: ProxyLike, path: () => string) => ProxyRef;

/** The longest array whose named (non-index) properties the walks search. */
export const NAMED_KEYS_LIMIT = 256;

const OTHER = 0;
const ARRAY = 1;
const OBJECT = 2;
const MAP = 3;
const SET = 4;

/** Which container `value` is; OTHER for what structured clone copies whole. */
function containerKind(value: object): number {
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) return ARRAY;
  if (prototype === Object.prototype || prototype === null) return OBJECT;
  if (prototype === Map.prototype) return MAP;
  if (prototype === Set.prototype) return SET;
  return OTHER;
}

/** The named own enumerable properties of `items`, if it is short enough to look (or `all`). */
function namedKeys(items: unknown[], all = false): string[] {
  if (!all && items.length > NAMED_KEYS_LIMIT) return [];
  const keys = Object.keys(items);
  // Index keys come first, in order: the named ones are the tail after the last index.
  let first = keys.length;
  while (first > 0 && !isIndex(keys[first - 1])) first--;
  return keys.slice(first);
}

function isIndex(key: string): boolean {
  const code = key.charCodeAt(0);
  if (code < 48 || code > 57) return false;
  const index = Number(key);
  return index < 2 ** 32 - 1 && String(index) === key;
}

/** Sets an own data property, also one named `__proto__`, which an assignment would not create. */
function setField(target: Record<string, unknown>, key: string, value: unknown): void {
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

// Where a member sits in its container, for the path of an error message.
const INDEX = 0;
const FIELD = 1;
const MAP_KEY = 2;
const MAP_VALUE = 3;
const SET_ITEM = 4;

/**
 * Calls `visit` with each member of a container (of `kind`), with where it sits (`INDEX` and
 * its index, `FIELD` and its name, `MAP_KEY`, `MAP_VALUE` and its key, `SET_ITEM`); stops, and
 * returns true, when `visit` returns true.
 */
function someMember(
  container: object,
  kind: number,
  visit: (member: unknown, where: number, key: unknown) => boolean,
): boolean {
  switch (kind) {
    case ARRAY: {
      const items = container as unknown[];
      for (let index = 0; index < items.length; index++) {
        if (visit(items[index], INDEX, index)) return true;
      }
      const fields = container as Record<string, unknown>;
      for (const key of namedKeys(items)) if (visit(fields[key], FIELD, key)) return true;
      return false;
    }
    case OBJECT: {
      const fields = container as Record<string, unknown>;
      for (const key of Object.keys(fields)) if (visit(fields[key], FIELD, key)) return true;
      return false;
    }
    case MAP:
      for (const [key, member] of container as Map<unknown, unknown>) {
        if (visit(key, MAP_KEY, undefined) || visit(member, MAP_VALUE, key)) return true;
      }
      return false;
    case SET:
      for (const member of container as Set<unknown>) {
        if (visit(member, SET_ITEM, undefined)) return true;
      }
      return false;
    default:
      return false;
  }
}

/** The step of a path to a member that sits at `where`, `key` (see {@linkcode someMember}). */
function step(where: number, key: unknown): string {
  switch (where) {
    case INDEX:
      return `[${key}]`;
    case FIELD:
      return `.${key}`;
    case MAP_KEY:
      return "[map key]";
    case MAP_VALUE:
      return `.get(${
        typeof key === "string" ? JSON.stringify(key) : typeof key === "object" ? "…" : String(key)
      })`;
    default:
      return "[set item]";
  }
}

/**
 * Whether `visit` returns true for some object of `value`: each object is visited once, depth
 * first, and the walk enters the containers only.
 */
function someObject(value: unknown, visit: (item: object) => boolean): boolean {
  const seen = new Set<object>();
  const walk = (item: unknown): boolean => {
    if (typeof item !== "object" || item === null || seen.has(item)) return false;
    seen.add(item);
    if (visit(item)) return true;
    const kind = containerKind(item);
    return kind !== OTHER && someMember(item, kind, walk);
  };
  return walk(value);
}

/** The path from `value` (called `label`) to `target`, the first way a walk meets it. */
function pathTo(value: unknown, target: object, label: string): string {
  const seen = new Set<object>();
  const path: string[] = [label];
  const walk = (item: unknown, where: number, key: unknown): boolean => {
    if (typeof item !== "object" || item === null || seen.has(item)) return false;
    seen.add(item);
    path.push(step(where, key));
    if (item === target) return true;
    const kind = containerKind(item);
    if (kind !== OTHER && someMember(item, kind, walk)) return true;
    path.pop();
    return false;
  };
  if (value === target) return label;
  if (typeof value !== "object" || value === null) return label;
  seen.add(value);
  const kind = containerKind(value);
  return kind !== OTHER && someMember(value, kind, walk) ? path.join("") : label;
}

/**
 * Prepares `value` (called `label` in messages) to be sent to the manager: refuses what cannot
 * be stored, and replaces the proxies it holds by references. Returns `value` itself when it
 * holds no proxy.
 *
 * @throws {CloneError} If it holds a function, a symbol, a class instance, a handle on this
 * program's shared memory, or a proxy that `refOf` refuses; the message names the path.
 */
export function encodeProxies(
  value: unknown,
  label: string,
  action: string,
  refOf: RefOf,
): unknown {
  assertCloneable(value, label, action);
  let proxies = false;
  let foreign: object | undefined;
  someObject(value, (item) => {
    if (isProxyLike(item)) proxies = true;
    else if (isPortable(item)) foreign = item;
    return foreign !== undefined;
  });
  if (foreign !== undefined) {
    throw new CloneError(
      `Cannot ${action}: ${pathTo(value, foreign, label)} is a handle on shared memory of ` +
        "this program, which a manager cannot store; create it through the manager instead " +
        "(manager.lock(), manager.queue(), ...)",
    );
  }
  if (!proxies) return value;
  return copyWithRefs(value, (proxy) => refOf(proxy, () => pathTo(value, proxy, label)));
}

/** Copies `value`, each container once, with every proxy replaced by a reference. */
function copyWithRefs(value: unknown, refOf: (proxy: ProxyLike) => ProxyRef): unknown {
  const copies = new Map<object, unknown>();
  const copy = (item: unknown): unknown => {
    if (typeof item !== "object" || item === null) return item;
    if (copies.has(item)) return copies.get(item);
    if (isProxyLike(item)) {
      const marker = { [PROXY_MARKER]: refOf(item) };
      copies.set(item, marker);
      return marker;
    }
    switch (containerKind(item)) {
      case ARRAY: {
        const items = item as unknown[];
        const target = new Array(items.length);
        copies.set(item, target);
        for (let index = 0; index < items.length; index++) {
          if (index in items) target[index] = copy(items[index]);
        }
        // Every one of them: a named property this copy left out would be lost.
        const fields = item as Record<string, unknown>;
        for (const key of namedKeys(items, true)) {
          setField(target as unknown as Record<string, unknown>, key, copy(fields[key]));
        }
        return target;
      }
      case OBJECT: {
        const fields = item as Record<string, unknown>;
        const target = Object.getPrototypeOf(item) === null ? Object.create(null) : {};
        copies.set(item, target);
        for (const key of Object.keys(fields)) setField(target, key, copy(fields[key]));
        return target;
      }
      case MAP: {
        const target = new Map<unknown, unknown>();
        copies.set(item, target);
        for (const [key, member] of item as Map<unknown, unknown>) {
          target.set(copy(key), copy(member));
        }
        return target;
      }
      case SET: {
        const target = new Set<unknown>();
        copies.set(item, target);
        for (const member of item as Set<unknown>) target.add(copy(member));
        return target;
      }
      default:
        return item;
    }
  };
  return copy(value);
}

/** The reference `value` stands for, if it is one. */
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
  return typeof value === "object" && value !== null &&
    someObject(value, (item) => markerIn(item) !== undefined);
}

/**
 * Replaces, in place, the references a received value holds by proxies built with `create`,
 * one proxy per reference object (a reference held twice becomes one proxy held twice), and
 * returns the value (the proxy itself when the value is a reference). A Map or Set that held
 * one is refilled in its order.
 */
export function reviveRefs(value: unknown, create: (ref: ProxyRef) => unknown): unknown {
  const proxies = new Map<object, unknown>();
  const seen = new Set<object>();
  const revive = (item: unknown): unknown => {
    if (typeof item !== "object" || item === null) return item;
    if (proxies.has(item)) return proxies.get(item);
    const ref = markerIn(item);
    if (ref !== undefined) {
      const proxy = create(ref);
      proxies.set(item, proxy);
      return proxy;
    }
    if (seen.has(item)) return item;
    seen.add(item);
    switch (containerKind(item)) {
      case ARRAY: {
        const items = item as unknown[];
        for (let index = 0; index < items.length; index++) {
          const member = items[index];
          const revived = revive(member);
          if (revived !== member) items[index] = revived;
        }
        const fields = item as Record<string, unknown>;
        for (const key of namedKeys(items)) {
          const revived = revive(fields[key]);
          if (revived !== fields[key]) setField(fields, key, revived);
        }
        break;
      }
      case OBJECT: {
        const fields = item as Record<string, unknown>;
        for (const key of Object.keys(fields)) {
          const revived = revive(fields[key]);
          if (revived !== fields[key]) setField(fields, key, revived);
        }
        break;
      }
      case MAP: {
        const map = item as Map<unknown, unknown>;
        const entries = [...map];
        const revived = entries.map(([key, member]) => [revive(key), revive(member)] as const);
        const keysChanged = revived.some(([key], index) => key !== entries[index][0]);
        if (keysChanged) map.clear();
        revived.forEach(([key, member], index) => {
          if (keysChanged || member !== entries[index][1]) map.set(key, member);
        });
        break;
      }
      case SET: {
        const set = item as Set<unknown>;
        const members = [...set];
        const revived = members.map(revive);
        if (revived.some((member, index) => member !== members[index])) {
          set.clear();
          for (const member of revived) set.add(member);
        }
        break;
      }
    }
    return item;
  };
  return revive(value);
}
