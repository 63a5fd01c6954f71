/**
 * The proxy registry, on one thread: each proxy module registers its class with the client, so
 * a reference in a reply becomes a proxy of the right class, and a proxy sent to another actor
 * names the module that registers every class.
 */
import assert from "node:assert/strict";
import {
  DictProxy,
  EventProxy,
  ListProxy,
  LockProxy,
  NamespaceProxy,
  QueueProxy,
  SemaphoreProxy,
  ValueProxy,
} from "../../actors/manager/mod.ts";
import { createProxy, type ManagerClient } from "../../actors/manager/_client/client.ts";
import { OBJECT_KINDS, type ObjectKind } from "../../actors/manager/_wire/protocol.ts";
import { describeHandle } from "../../actors/_shm/portable.ts";

const CLASSES: Record<ObjectKind, new (...args: never[]) => unknown> = {
  dict: DictProxy,
  list: ListProxy,
  namespace: NamespaceProxy,
  queue: QueueProxy,
  lock: LockProxy,
  semaphore: SemaphoreProxy,
  event: EventProxy,
  value: ValueProxy,
};

/** Stands for a connection: building a proxy only stores it. */
const client = { where: "actor 2", endpoint: {} } as unknown as ManagerClient;

Deno.test("createProxy() builds, for every kind, the proxy class its module registered", () => {
  for (const kind of OBJECT_KINDS) {
    const proxy = createProxy({ client, ref: { kind, object: 3 } });
    assert.ok(proxy instanceof CLASSES[kind], kind);
    assert.equal(String(proxy), `<${CLASSES[kind].name} object=3 manager=actor 2>`);
  }
});

Deno.test("createProxy() refuses a kind no proxy class registered", () => {
  assert.throws(
    () => createProxy({ client, ref: { kind: "socket" as ObjectKind, object: 1 } }),
    (error: Error) =>
      error instanceof TypeError && /Cannot build a proxy of kind "socket"/.test(error.message),
  );
});

Deno.test("a proxy crosses to another actor as a description naming the proxies' catalogue", () => {
  const catalogue = new URL("../../actors/manager/proxies/mod.ts", import.meta.url).href;
  for (const kind of OBJECT_KINDS) {
    const proxy = createProxy({ client, ref: { kind, object: 5 } }) as {
      [describeHandle](): { module: string; kind: string; data: unknown };
    };
    const description = proxy[describeHandle]();
    assert.equal(description.module, catalogue);
    assert.equal(description.kind, kind);
    assert.deepEqual(description.data, { endpoint: {}, ref: { kind, object: 5 } });
  }
});
