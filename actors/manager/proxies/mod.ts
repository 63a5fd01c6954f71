/**
 * Every proxy class a {@linkcode Manager} hands out. This module registers them all in the
 * kernel's table of handle kinds, so it is the module other actors import to revive a proxy
 * they receive: an actor that was passed one proxy can then revive a reply that refers to an
 * object of any other kind.
 *
 * @module
 */
import { DictProxy } from "./dict.ts";
import { EventProxy } from "./event.ts";
import { ListProxy } from "./list.ts";
import { LockProxy } from "./lock.ts";
import { NamespaceProxy } from "./namespace.ts";
import { QueueProxy } from "./queue.ts";
import { SemaphoreProxy } from "./semaphore.ts";
import { ValueProxy } from "./value.ts";
import { registerProxyClasses } from "./_base.ts";

export * from "./dict.ts";
export * from "./event.ts";
export * from "./list.ts";
export * from "./lock.ts";
export * from "./namespace.ts";
export * from "./queue.ts";
export * from "./semaphore.ts";
export * from "./value.ts";

/** Any proxy a {@linkcode Manager} hands out. */
export type ManagedProxy =
  // deno-lint-ignore no-explicit-any
  | DictProxy<any, any>
  | ListProxy
  | NamespaceProxy
  | QueueProxy
  | LockProxy
  | SemaphoreProxy
  | EventProxy
  | ValueProxy;

registerProxyClasses(import.meta, {
  dict: DictProxy,
  list: ListProxy,
  namespace: NamespaceProxy,
  queue: QueueProxy,
  lock: LockProxy,
  semaphore: SemaphoreProxy,
  event: EventProxy,
  value: ValueProxy,
});
