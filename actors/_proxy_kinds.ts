/**
 * Every proxy class by the kind of object it stands for. A reply that holds a reference to a
 * managed object becomes a proxy of the class this table names: the kind comes from a fixed
 * list, so nothing a manager sends can make this actor load or run code.
 *
 * @module
 */
import type { ProxyBinding } from "./_manager_client.ts";
import type { BaseProxy } from "./_base_proxy.ts";
import { DictProxy } from "./dict_proxy.ts";
import { EventProxy } from "./event_proxy.ts";
import { ListProxy } from "./list_proxy.ts";
import { LockProxy } from "./lock_proxy.ts";
import { NamespaceProxy } from "./namespace_proxy.ts";
import { QueueProxy } from "./queue_proxy.ts";
import { SemaphoreProxy } from "./semaphore_proxy.ts";
import { ValueProxy } from "./value_proxy.ts";

/** Builds the proxy for `binding`, of the class its kind names. */
export function createProxy(binding: ProxyBinding): BaseProxy {
  const kind = binding.ref.kind;
  switch (kind) {
    case "dict":
      return new DictProxy(binding);
    case "list":
      return new ListProxy(binding);
    case "namespace":
      return new NamespaceProxy(binding);
    case "queue":
      return new QueueProxy(binding);
    case "lock":
      return new LockProxy(binding);
    case "semaphore":
      return new SemaphoreProxy(binding);
    case "event":
      return new EventProxy(binding);
    case "value":
      return new ValueProxy(binding);
    default: {
      const unknown: never = kind;
      throw new TypeError(`Cannot build a proxy of unknown kind ${String(unknown)}`);
    }
  }
}
