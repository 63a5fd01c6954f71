/**
 * The proxy kinds, on one thread: `proxies/mod.ts` registers every proxy class in the kernel's
 * table of handle kinds, and both ways from data to a proxy go through that table: a reference
 * in a reply, and a proxy another actor described.
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
import { ManagerClient, proxyTarget } from "../../actors/manager/_client/client.ts";
import type { ManagerEndpoint } from "../../actors/manager/_client/link.ts";
import { proxyKind, reviveRefs } from "../../actors/manager/_client/values.ts";
import {
  OBJECT_KINDS,
  type ObjectKind,
  PROXY_MARKER,
} from "../../actors/manager/_wire/protocol.ts";
import { describe, type Portable, reviveKind } from "../../actors/_kernel/handles.ts";

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

/** A manager nobody serves: building a client and its proxies opens no connection. */
function endpoint(port: number): ManagerEndpoint {
  return {
    address: { hostname: "127.0.0.1", port },
    authkey: new Uint8Array([port]),
    maxFrameBytes: 1 << 20,
    connectTimeout: undefined,
  };
}

Deno.test("a reply's references become proxies of the class registered for each kind", () => {
  const where = endpoint(9);
  const client = ManagerClient.fresh(where);
  for (const kind of OBJECT_KINDS) {
    const reply = new Map([["proxy", { [PROXY_MARKER]: { kind, object: 3 } }]]);
    const proxy = (reviveRefs(reply, where) as Map<string, unknown>).get("proxy");
    assert.ok(proxy instanceof CLASSES[kind], kind);
    assert.equal(String(proxy), `<${CLASSES[kind].name} object=3 manager=127.0.0.1:9>`);
    assert.equal((proxy as DictProxy)[proxyTarget]().client, client);
  }
});

Deno.test("a reply binds its proxies to the client it came on, even when a newer one took its key", () => {
  const older = ManagerClient.fresh(endpoint(10));
  const newer = ManagerClient.fresh(endpoint(10));
  const proxy = reviveRefs({ [PROXY_MARKER]: { kind: "list", object: 1 } }, older.endpoint);
  assert.equal((proxy as ListProxy)[proxyTarget]().client, older);
  assert.equal(ManagerClient.of(endpoint(10)), newer);
});

Deno.test("a proxy crosses as its kind and data, naming the module that registers every class", () => {
  const module = new URL("../../actors/manager/proxies/mod.ts", import.meta.url).href;
  const where = endpoint(11);
  for (const kind of OBJECT_KINDS) {
    const proxy = reviveKind(proxyKind(kind), { endpoint: where, ref: { kind, object: 5 } });
    const description = describe(proxy as Portable);
    assert.equal(description.module, module);
    assert.equal(description.kind, `manager.${kind}`);
    assert.deepEqual(description.data, { endpoint: where, ref: { kind, object: 5 } });
    // Revived from a copy, as another actor does: the same class, for the same object.
    const copy = reviveKind(description.kind, structuredClone(description.data));
    assert.ok(copy instanceof CLASSES[kind], kind);
    assert.equal(String(copy), String(proxy));
  }
});
