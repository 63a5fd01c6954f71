/**
 * Every proxy class by the kind of object it stands for. A reply that holds a reference to a
 * managed object becomes a proxy of the class this table names: the kind comes from a fixed
 * list, so nothing a manager sends can make this actor load or run code.
 *
 * @module
 */
import type { ProxyBinding } from "../_client/client.ts";
import type { BaseProxy } from "./_base.ts";
import { DictProxy } from "./dict.ts";
import { EventProxy } from "./event.ts";
import { ListProxy } from "./list.ts";
import { LockProxy } from "./lock.ts";
import { NamespaceProxy } from "./namespace.ts";
import { QueueProxy } from "./queue.ts";
import { SemaphoreProxy } from "./semaphore.ts";
import { ValueProxy } from "./value.ts";

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
