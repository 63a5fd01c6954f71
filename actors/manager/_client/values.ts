/**
 * Manager values that hold proxies. An argument of a call, the initial data of an object, and a
 * reply may hold proxies of the manager at any depth of arrays, plain objects, Maps and Sets. A
 * proxy crosses as a reference, `{ [PROXY_MARKER]: { object, kind } }` (plain data), and comes
 * back as a proxy, revived through the kernel's table of handle kinds, as a proxy passed by
 * another actor is: one way from data to a proxy. Everything else keeps structured-clone
 * semantics, which the serializer gives as long as nobody rebuilds the value on the way:
 *
 * - a value that holds no proxy is handed to the serializer as it is, never copied;
 * - a value that holds one has the containers on the way to its proxies copied, once each, so
 *   shared references and cycles stay shared, and holes and named properties of arrays are kept;
 * - a reply, which its receiver alone holds, has its references replaced in place.
 *
 * The walks are the kernel's handle walks (`_shm/value_walk.ts`): they go where structured
 * clone goes and visit each container once, so cyclic data ends.
 *
 * @module
 */
import { assertCloneable } from "../../_shm/clone.ts";
import { OBJECT_KINDS, type ObjectKind, PROXY_MARKER, type ProxyRef } from "../_wire/protocol.ts";
import { isPortable, reviveKind } from "../../_kernel/handles.ts";
import type { ManagerEndpoint } from "./link.ts";
import { pathTo, replaceCopying, replaceInPlace, someObject } from "../../_shm/value_walk.ts";
import { CloneError } from "../../errors.ts";

/**
 * The data of a proxy as a handle (plain data, see `ManagerEndpoint`): what a proxy crossing to
 * another actor is described as, and what a reference in a reply is revived from.
 */
export interface ProxyData {
  endpoint: ManagerEndpoint;
  ref: ProxyRef;
}

/**
 * The handle kind of proxies of objects of `kind`, in the kernel's table, which the proxies'
 * module fills (`proxies/mod.ts`).
 */
export function proxyKind(kind: ObjectKind): string {
  return `manager.${kind}`;
}

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
  return replaceCopying(value, isProxyLike, (proxy) => ({
    [PROXY_MARKER]: refOf(proxy as ProxyLike, () => pathTo(value, proxy, label)),
  }));
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
 * Replaces, in place, the references a value received from the manager at `endpoint` holds by
 * proxies of their kinds' classes, one proxy per reference object (a reference held twice
 * becomes one proxy held twice), and returns the value (the proxy itself when the value is a
 * reference). A Map or Set that held one is refilled in its order.
 *
 * @throws {CloneError} If no proxy class is registered for a kind in this actor.
 */
export function reviveRefs(value: unknown, endpoint: ManagerEndpoint): unknown {
  return replaceInPlace(value, (item) => markerIn(item) !== undefined, (marker) => {
    const ref = markerIn(marker)!;
    const data: ProxyData = { endpoint, ref };
    return reviveKind(proxyKind(ref.kind), data);
  });
}
