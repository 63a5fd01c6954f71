/**
 * Every proxy class a {@linkcode Manager} hands out. Importing this module registers them all,
 * and makes it the module other actors import to revive a proxy they receive: so an actor that
 * was passed one proxy can revive a reply that refers to an object of any other kind.
 *
 * @module
 */
import type { DictProxy } from "./dict.ts";
import type { EventProxy } from "./event.ts";
import type { ListProxy } from "./list.ts";
import type { LockProxy } from "./lock.ts";
import type { NamespaceProxy } from "./namespace.ts";
import type { QueueProxy } from "./queue.ts";
import type { SemaphoreProxy } from "./semaphore.ts";
import type { ValueProxy } from "./value.ts";
import { registerProxyCatalogue } from "./_base.ts";

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

registerProxyCatalogue(import.meta);
