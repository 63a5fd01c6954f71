/**
 * Proxies crossing to other actors: a proxy of every kind, passed every way a handle crosses,
 * works in the child; and an actor that received only a dict proxy revives replies that refer
 * to objects of other kinds as proxies of their classes, with nothing of the manager imported
 * beforehand (a child whose module imports none of it, and a program that imports only the
 * kernel's handle walk).
 */
import assert from "node:assert/strict";
import { serialize } from "node:v8";
import { Manager, Process, receive } from "../../mod.ts";
import { encodeHandles } from "../../actors/_kernel/handles.ts";
import { usePassedProxies } from "../fixtures/manager_targets.ts";
import { useWhatTheDictHolds } from "../fixtures/manager_kernel_only_targets.ts";

Deno.test("a proxy of every kind works in the child, passed in a Map, a Set, mail, a queue item", async () => {
  await using manager = new Manager();
  const dict = await manager.dict<string, number>();
  const list = await manager.list<string>();
  const ns = await manager.namespace<{ seen: boolean }>({ seen: false });
  const queue = await manager.queue<unknown>();
  const lock = await manager.lock();
  const semaphore = await manager.semaphore(1);
  const event = await manager.event();
  const value = await manager.value(1);
  const child = new Process({
    target: usePassedProxies,
    args: [new Map<string, unknown>([["dict", dict], ["list", list]]), new Set([ns])],
  });
  await queue.put({ semaphore, event, value });
  await child.start();
  await child.send({ queue, lock });
  assert.deepEqual(await receive({ timeout: 10_000 }), [
    "DictProxy",
    "ListProxy",
    "NamespaceProxy",
    "QueueProxy",
    "LockProxy",
    "SemaphoreProxy",
    "EventProxy",
    "ValueProxy",
  ]);
  await child.join();
  assert.equal(child.exitcode, 0, String(child.error));
  assert.equal(await dict.get("n"), 1);
  assert.deepEqual(await list.slice(), ["child"]);
  assert.equal(await ns.get("seen"), true);
  assert.equal(await queue.get(), "from the child");
  assert.equal(await lock.locked(), false);
  assert.equal(await semaphore.getValue(), 1);
  assert.equal(await event.isSet(), true);
  assert.equal(await value.get(), 11);
});

Deno.test("a child passed only a dict proxy revives replies of other kinds as their classes", async () => {
  await using manager = new Manager();
  const registry = await manager.dict<string, unknown>();
  const items = await manager.list<string>();
  const flags = await manager.namespace<{ seen: boolean }>({ seen: false });
  const counter = await manager.value(0);
  await registry.set("items", items);
  await registry.set("others", new Map<string, unknown>([["flags", flags], ["counter", counter]]));
  const child = new Process({ target: useWhatTheDictHolds, args: [registry] });
  await child.start();
  assert.deepEqual(await receive({ timeout: 10_000 }), [
    "ListProxy",
    "NamespaceProxy",
    "ValueProxy",
  ]);
  await child.join();
  assert.equal(child.exitcode, 0, String(child.error));
  assert.deepEqual(await items.slice(), ["child"]);
  assert.equal(await flags.get("seen"), true);
  assert.equal(await counter.get(), 1);
});

Deno.test("a program that imports only the kernel revives a dict proxy, then a list it holds", async () => {
  const authkey = "revival test key";
  await using manager = new Manager({ authkey });
  await manager.start();
  await using remote = new Manager({ address: manager.address, authkey });
  await remote.connect();
  const registry = await remote.dict<string, unknown>();
  const items = await remote.list<string>();
  await registry.set("items", items);
  const program = new URL("../fixtures/proxy_revival_program.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-read", "--allow-net=127.0.0.1", program],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(serialize(encodeHandles([registry])));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.equal(new TextDecoder().decode(stdout), "DictProxy ListProxy\n");
  assert.deepEqual(await items.slice(), ["from a program that imported only the kernel"]);
});
