/**
 * Manager reliability: what users break. Values keep structured-clone semantics through the
 * manager, locally and over TCP (random values against `structuredClone`, lone surrogates as
 * keys, proxies inside Maps, Sets, shared and cyclic values); `connect()` to a peer that never
 * speaks fails after its timeout; a connection flood past the file-descriptor limit costs only
 * the flood; clients killed at random points leave every count exact and every lock free; a
 * client reaped while stuck changes nothing afterwards; timeouts follow the project's rule; and
 * every method refuses bad input with a named error, by rejecting.
 */
import assert from "node:assert/strict";
import {
  CloneError,
  type DictProxy,
  Empty,
  Full,
  type ListProxy,
  Lock,
  Manager,
  ManagerClosedError,
  Pool,
  Process,
  receive,
  ReleaseError,
  TimeoutError,
  type ValueProxy,
} from "../../mod.ts";
import { decodeMessage, encodeFrame } from "../../actors/manager/_wire/messages.ts";
import type { Channel } from "../../actors/manager/_wire/session_ring.ts";
import { delay } from "../_helpers.ts";
import { bumpThroughMap } from "../fixtures/manager_targets.ts";
import { scale, withSeed } from "./_random.ts";
import { cloneDifference, randomValue, TRICKY_STRINGS } from "./_values.ts";
import {
  countUnderLockUntilKilled,
  countUntilKilled,
  extendTriplesUntilKilled,
  HOLDING,
  OUT_OF_LOOP,
  writeSet,
  zombieWrites,
} from "./manager_fixtures.ts";

const AUTHKEY = "manager reliability";
const TRANSPORTS = ["shared memory", "TCP"] as const;
type Transport = typeof TRANSPORTS[number];

/**
 * A manager of this program, used as it is (shared memory) or through a second Manager object
 * connected to it over TCP.
 */
async function openManager(transport: Transport): Promise<Manager & AsyncDisposable> {
  const server = new Manager({ authkey: AUTHKEY });
  if (transport === "shared memory") return server;
  await server.start();
  const client = new Manager({ address: server.address, authkey: AUTHKEY });
  await client.connect();
  const shutdown = client.shutdown.bind(client);
  return Object.assign(client, {
    shutdown: async () => {
      await shutdown();
      await server.shutdown();
    },
    [Symbol.asyncDispose]: async () => {
      await shutdown();
      await server.shutdown();
    },
  });
}

/** Fails unless `call()` returns a promise that rejects with `expected` (never throws). */
async function rejects(
  label: string,
  call: () => Promise<unknown>,
  expected: new (...args: never[]) => Error,
  message?: RegExp,
): Promise<void> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    assert.fail(`${label} threw synchronously instead of rejecting: ${error}`);
  }
  await assert.rejects(promise, (error: Error) => {
    assert.ok(
      error instanceof expected,
      `${label}: expected ${expected.name}, got ${error.name}: ${error.message}`,
    );
    if (message !== undefined) assert.match(error.message, message, label);
    return true;
  }, label);
}

class Point {
  x = 1;
  norm(): number {
    return this.x;
  }
}

for (const transport of TRANSPORTS) {
  Deno.test(`random values through dict, list, namespace and value equal structuredClone's (${transport})`, async () => {
    await using manager = await openManager(transport);
    const d = await manager.dict<string, unknown>();
    const list = await manager.list<unknown>();
    const ns = await manager.namespace<Record<string, unknown>>();
    const cell = await manager.value<unknown>(null);
    await withSeed(1101, async (random) => {
      const count = Math.round(400 * scale());
      for (let i = 0; i < count; i++) {
        const value = randomValue(random);
        const expected = structuredClone(value);
        const where = ["dict", "list", "namespace", "value", "init"][i % 5];
        let received: unknown;
        switch (where) {
          case "dict": {
            const key = random.pick(TRICKY_STRINGS);
            await d.set(key, value);
            received = await d.get(key);
            break;
          }
          case "list":
            await list.append(value);
            received = await list.get(-1);
            break;
          case "namespace": {
            const name = random.pick(TRICKY_STRINGS);
            await ns.set(name, value);
            received = await ns.get(name);
            break;
          }
          case "value":
            await cell.set(value);
            received = await cell.get();
            break;
          default:
            // The initial data of a new object crosses the same way.
            received = await (await manager.value(value)).get();
        }
        const difference = cloneDifference(expected, received);
        if (difference !== undefined) {
          assert.fail(`${where}, value ${i}: ${difference}\nsent ${Deno.inspect(value)}`);
        }
      }
    });
  });

  Deno.test(`distinct keys stay distinct, lone surrogates included (${transport})`, async () => {
    await using manager = await openManager(transport);
    const keys = [...new Set(TRICKY_STRINGS)];
    const d = await manager.dict<string, number>();
    for (const [index, key] of keys.entries()) await d.set(key, index);
    assert.equal(await d.size(), keys.length);
    assert.deepEqual(await d.keys(), keys);
    for (const [index, key] of keys.entries()) assert.equal(await d.get(key), index);
    assert.equal(await d.increment("\ud800"), keys.indexOf("\ud800") + 1);
    assert.equal(await d.get("\ufffd"), keys.indexOf("\ufffd"));
    const created = await manager.dict(keys.map((key, index) => [key, index] as const));
    assert.deepEqual(await created.entries(), keys.map((key, index) => [key, index]));
    const ns = await manager.namespace();
    for (const key of keys) await ns.set(key, key);
    assert.deepEqual(Object.keys(await ns.toObject()), keys);
    const list = await manager.list(keys);
    assert.deepEqual(await list.slice(), keys);
    assert.equal(await list.index("\udbff"), keys.indexOf("\udbff"));
  });

  Deno.test(`proxies inside Maps, Sets, shared and cyclic values come back as working proxies (${transport})`, async () => {
    await using manager = await openManager(transport);
    const d = await manager.dict<string, unknown>();
    const inner = await manager.list([1]);
    const counter = await manager.value(0);
    const shared = { inner, tag: "shared" };
    const cyclic: Record<string, unknown> = { counter };
    cyclic.self = cyclic;
    const named = Object.assign([inner], { name: counter });
    const stored = {
      map: new Map<unknown, unknown>([["inner", inner], [counter, "keyed by a proxy"]]),
      set: new Set([inner, 5]),
      pair: [shared, shared],
      cyclic,
      named,
    };
    await d.set("k", stored);
    const got = await d.get("k") as typeof stored;
    const list = got.map.get("inner") as ListProxy<number>;
    assert.deepEqual(await list.slice(), [1]);
    // One object, one proxy, wherever the value refers to it.
    assert.equal([...got.set][0], list);
    assert.equal(got.pair[0].inner, list);
    assert.equal(got.named[0], list);
    assert.equal(got.pair[0], got.pair[1]);
    assert.equal(got.cyclic.self, got.cyclic);
    assert.deepEqual([...got.set].slice(1), [5]);
    const [keyProxy, label] = [...got.map].find(([key]) => typeof key === "object")!;
    assert.equal(label, "keyed by a proxy");
    assert.equal(keyProxy, got.cyclic.counter);
    assert.equal(got.named.name, keyProxy);
    assert.equal(await (keyProxy as ValueProxy<number>).increment(), 1);
    await list.append(2);
    assert.deepEqual(await inner.slice(), [1, 2]);
    // The value stored was not changed by the sending.
    assert.equal(stored.map.get("inner"), inner);
  });
}

Deno.test("a proxy inside a Map passed to a Process or a Pool task works there", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, number>();
  const p = new Process({ target: bumpThroughMap, args: [new Map([["scores", d]])] });
  await p.start();
  await p.join();
  assert.equal(p.exitcode, 0, String(p.error));
  await using pool = new Pool({ processes: 1 });
  assert.equal(await pool.apply(bumpThroughMap, [new Map([["scores", d]])]), 2);
  assert.equal(await d.get("x"), 2);
});

Deno.test("values that cannot be stored are refused with CloneError naming where they are", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, unknown>();
  await rejects(
    "class instance",
    () => d.set("k", { a: [new Point()] }),
    CloneError,
    /args\[1\]\.a\[0\] is an instance of Point/,
  );
  await rejects("in a Map", () => d.set("k", new Map([["p", new Point()]])), CloneError, /Point/);
  await rejects(
    "function",
    () => d.set("k", { f: () => 1 }),
    CloneError,
    /args\[1\]\.f is a function/,
  );
  await rejects(
    "shared-memory lock",
    () => d.set("k", { locks: new Set([new Lock()]) }),
    CloneError,
    /args\[1\]\.locks\[set item\] is a handle on shared memory/,
  );
  await using other = new Manager();
  const foreign = await other.list();
  await rejects(
    "proxy of another manager",
    () => d.set("k", { list: [foreign] }),
    CloneError,
    /args\[1\]\.list\[0\] is a proxy of another manager/,
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  cyclic.point = new Point();
  await rejects(
    "cyclic with an instance",
    () => d.set("k", cyclic),
    CloneError,
    /args\[1\]\.point/,
  );
  assert.equal(await d.size(), 0);
});

Deno.test("connect() to a peer that accepts but never speaks fails after connectTimeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const address = { hostname: "127.0.0.1", port: listener.addr.port };
    const silent = new Manager({ address, authkey: AUTHKEY, connectTimeout: 100 });
    await rejects(
      "connect",
      () => silent.connect(),
      ManagerClosedError,
      /did not complete the handshake within 100 ms/,
    );
    await assert.rejects(silent.connect(), (error: Error) => error.cause instanceof TimeoutError);
    await rejects("a later call", () => silent.dict(), ManagerClosedError);
    await silent.shutdown();
    // Without a timeout, shutdown() gives the connection up.
    const patient = new Manager({ address, authkey: AUTHKEY, connectTimeout: Infinity });
    const connecting = patient.connect();
    let settled = false;
    connecting.then(() => settled = true, () => settled = true);
    await delay(150);
    assert.equal(settled, false, "an Infinity connectTimeout gave up at once");
    await patient.shutdown();
    await rejects(
      "connect given up by shutdown()",
      () => connecting,
      ManagerClosedError,
      /shutdown\(\)/,
    );
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});

Deno.test("connect() to a peer that stalls in the middle of the handshake fails after connectTimeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      held.push(conn);
      // A manager's challenge, then silence.
      const challenge = new Uint8Array([
        ...new TextEncoder().encode("mpmgr/1:"),
        ...new Uint8Array(32),
      ]);
      const frame = new Uint8Array(4 + challenge.length);
      new DataView(frame.buffer).setUint32(0, challenge.length, true);
      frame.set(challenge, 4);
      await conn.write(frame);
    }
  })();
  try {
    const stalled = new Manager({
      address: { hostname: "127.0.0.1", port: listener.addr.port },
      authkey: AUTHKEY,
      connectTimeout: 100,
    });
    await rejects("connect", () => stalled.connect(), ManagerClosedError, /connectTimeout/);
    await stalled.shutdown();
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});

Deno.test("connect() to a port nobody listens on fails at once with ManagerClosedError", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const manager = new Manager({
    address: { hostname: "127.0.0.1", port },
    authkey: AUTHKEY,
    connectTimeout: Infinity,
  });
  await rejects("connect", () => manager.connect(), ManagerClosedError, /refused/i);
  await manager.shutdown();
});

interface FloodServer {
  port: number;
  openFiles: number | null;
  stop(): Promise<{ code: number; stderr: string }>;
}

/** A manager server in a process of its own, under `ulimit -n 256` when bash allows it. */
async function startLimitedServer(maxPendingConnections?: number): Promise<FloodServer> {
  const program = new URL("../fixtures/manager_server_program.ts", import.meta.url).pathname;
  const args = ["run", "--no-check", "--allow-net=127.0.0.1", "--allow-read", program, AUTHKEY];
  if (maxPendingConnections !== undefined) args.push(String(maxPendingConnections));
  const child = new Deno.Command("bash", {
    // A limit that cannot be lowered leaves the one in force: the test then asserts the rest.
    args: ["-c", 'ulimit -n 256 2>/dev/null; exec "$0" "$@"', Deno.execPath(), ...args],
    // Deno reads these certificates lazily and warns when it has no descriptor left to do so.
    env: { NODE_EXTRA_CA_CERTS: "", DENO_CERT: "" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`The server ended before printing its port: ${await stderr}`);
    text += value;
  }
  const { port, openFiles } = JSON.parse(text.split("\n")[0]);
  return {
    port,
    openFiles,
    async stop() {
      await child.stdin.close();
      await lines.cancel();
      const { code } = await child.status;
      return { code, stderr: await stderr };
    },
  };
}

async function goodClient(port: number): Promise<number> {
  await using manager = new Manager({
    address: { hostname: "127.0.0.1", port },
    authkey: AUTHKEY,
    connectTimeout: 15_000,
  });
  await manager.connect();
  const shared = await manager.lookup<DictProxy<string, number>>("shared");
  return await shared.increment("good");
}

for (const maxPendingConnections of [undefined, 100_000]) {
  const cap = maxPendingConnections === undefined ? "the default cap" : "no effective cap";
  Deno.test(`a connection flood past the file-descriptor limit costs only the flood (${cap})`, async () => {
    const server = await startLimitedServer(maxPendingConnections);
    const flood: Deno.TcpConn[] = [];
    try {
      if (server.openFiles !== null) {
        assert.ok(server.openFiles <= 256, `limit ${server.openFiles}`);
      }
      assert.equal(await goodClient(server.port), 1);
      const attempts = await Promise.allSettled(
        Array.from(
          { length: 400 },
          () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
        ),
      );
      for (const attempt of attempts) if (attempt.status === "fulfilled") flood.push(attempt.value);
      // The flood holds more connections than the server has descriptors, and never speaks.
      assert.equal(await goodClient(server.port), 2);
      for (const conn of flood.splice(0)) conn.close();
      assert.equal(await goodClient(server.port), 3);
    } finally {
      for (const conn of flood) conn.close();
      const { code, stderr } = await server.stop();
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /failed|Too many open files|Uncaught/, stderr);
    }
  });
}

Deno.test("clients killed at random points: counts exact, locks released, requests whole, every call settles", async () => {
  await using manager = new Manager();
  const counts = await manager.dict<string, number>();
  const lock = await manager.lock();
  const triples = await manager.list<number>();
  const rounds = Math.round(4 * scale());
  const acked = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * rounds * 2));
  let issued = 0;
  let settled = 0;
  let watching = true;
  // Calls of this actor go on while the others are killed: each must settle.
  const watcher = (async () => {
    while (watching) {
      const calls = [counts.size(), lock.locked(), triples.length()];
      issued += calls.length;
      for (const call of calls) call.then(() => settled++, () => settled++);
      await Promise.allSettled(calls);
    }
  })();
  await withSeed(1102, async (random) => {
    for (let round = 0; round < rounds; round++) {
      const children = [
        new Process({
          target: countUntilKilled,
          args: [counts, `plain ${round}`, acked, 2 * round],
        }),
        new Process({
          target: countUnderLockUntilKilled,
          args: [counts, lock, `locked ${round}`, acked, 2 * round + 1],
        }),
        new Process({ target: extendTriplesUntilKilled, args: [triples, round * 1_000_000] }),
      ];
      for (const child of children) await child.start();
      for (const child of children) {
        await delay(random.int(0, 40));
        await (random.chance(0.5) ? child.kill() : child.terminate());
      }
    }
  });
  watching = false;
  await watcher;
  assert.equal(settled, issued);
  for (let round = 0; round < rounds; round++) {
    for (
      const [slot, key] of [[2 * round, `plain ${round}`], [
        2 * round + 1,
        `locked ${round}`,
      ]] as const
    ) {
      const value = await counts.get(key, 0);
      const acknowledged = Atomics.load(acked, slot);
      // At most the one increment in flight at the kill was applied without its answer.
      assert.ok(
        value === acknowledged || value === acknowledged + 1,
        `${key}: the manager holds ${value}, the client saw ${acknowledged} acknowledged`,
      );
    }
  }
  assert.equal(await lock.acquire({ timeout: 10_000 }), true, "a killed holder kept the lock");
  await lock.release();
  const items = await triples.slice();
  assert.equal(items.length % 3, 0);
  for (let i = 0; i < items.length; i += 3) {
    assert.ok(items[i] === items[i + 1] && items[i] === items[i + 2], `triple at ${i} torn`);
  }
});

Deno.test("a client reaped while stuck in synchronous code changes nothing afterwards", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, number>();
  const lock = await manager.lock();
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const zombie = new Process({ target: zombieWrites, args: [d, lock, progress, 1500] });
  await zombie.start();
  await waitFor(progress, HOLDING);
  assert.equal(await lock.locked(), true);
  // It is stuck: terminate() reaps it after its grace period, and the manager releases its lock.
  await zombie.terminate();
  assert.equal(await lock.acquire({ timeout: 10_000 }), true);
  // It comes out of its loop and tries to write into its channel by hand: the ring halts it.
  await waitFor(progress, OUT_OF_LOOP);
  await delay(200);
  // Whatever reaches the ended session's ring (here written by this thread) is ignored.
  const { channel, hub, object } = (await receive({ timeout: 10_000 })) as {
    channel: Channel;
    hub: SharedArrayBuffer;
    object: number;
  };
  writeSet(channel, new Int32Array(hub), object, "written for the reaped", 4);
  await delay(100);
  await d.flush();
  await d.flush();
  assert.equal(await d.get("raw before"), 1, "the hand-made channel works");
  assert.equal(Atomics.load(progress, 0), OUT_OF_LOOP, "the ring did not halt the reaped actor");
  assert.equal(await d.has("raw after"), false, "a reaped actor wrote into its channel");
  assert.equal(await d.has("written for the reaped"), false, "an ended session was served");
  assert.equal(await d.has("proxy after"), false);
  assert.equal(await lock.locked(), true, "the reaped actor's release freed the new owner's lock");
  await lock.release();
});

/** Waits until `words[0]` reaches `value`, failing instead of hanging. */
async function waitFor(words: Int32Array, value: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Atomics.load(words, 0) < value) {
    if (Date.now() > deadline) throw new Error(`progress stayed at ${Atomics.load(words, 0)}`);
    await delay(5);
  }
}

for (const transport of TRANSPORTS) {
  Deno.test(`managed waits: Infinity and huge timeouts wait, bad ones are refused before sending (${transport})`, async () => {
    await using manager = await openManager(transport);
    const queue = await manager.queue<number>(1);
    const lock = await manager.lock();
    const semaphore = await manager.semaphore(0);
    const event = await manager.event();
    for (const bad of [-1, NaN, -Infinity]) {
      await rejects(`put ${bad}`, () => queue.put(1, { timeout: bad }), RangeError, /timeout/);
      await rejects(`get ${bad}`, () => queue.get({ timeout: bad }), RangeError, /timeout/);
      await rejects(
        `acquire ${bad}`,
        () => lock.acquire({ timeout: bad }),
        RangeError,
        /acquire lock/,
      );
      await rejects(
        `semaphore ${bad}`,
        () => semaphore.acquire({ timeout: bad }),
        RangeError,
        /acquire semaphore/,
      );
      await rejects(`wait ${bad}`, () => event.wait(bad), RangeError, /wait for event/);
    }
    await rejects("timeout as a string", () => queue.get({ timeout: "5" as never }), TypeError);
    await rejects(
      "blocking as a string",
      () => lock.acquire({ blocking: "no" as never }),
      TypeError,
      /blocking/,
    );
    await rejects("options as a number", () => queue.put(1, 5 as never), TypeError, /options/);
    // Nothing was applied: the refused put did not put, the refused acquire did not take.
    assert.equal(await queue.qsize(), 0);
    assert.equal(await lock.locked(), false);

    await lock.acquire();
    const waits = {
      get: queue.get({ timeout: Infinity }),
      getHuge: queue.get({ timeout: 3e9 }),
      lock: lock.acquire({ timeout: Infinity }),
      semaphore: semaphore.acquire({ timeout: 3e9 }),
      event: event.wait(Infinity),
      eventHuge: event.wait(2 ** 31),
    };
    const done = new Set<string>();
    for (const [name, wait] of Object.entries(waits)) {
      wait.then(() => done.add(name), () => done.add(name));
    }
    await delay(100);
    assert.deepEqual([...done], [], "a wait with an unlimited or huge timeout ended at once");
    await queue.put(1);
    await queue.put(2);
    assert.deepEqual([await waits.get, await waits.getHuge].sort(), [1, 2]);
    await lock.release();
    assert.equal(await waits.lock, true);
    await semaphore.release();
    assert.equal(await waits.semaphore, true);
    await event.set();
    assert.equal(await waits.event, true);
    assert.equal(await waits.eventHuge, true);
    await lock.release();
    // A short timeout still ends the wait.
    await rejects("get with 10 ms", () => queue.get({ timeout: 10 }), Empty);
    assert.equal(await event.wait(0), true);
  });
}

Deno.test("the frame codec carries what a JSON encoding would lose: Infinity, -0, NaN, bigints", () => {
  const message = {
    type: "call",
    id: 7,
    object: 3,
    method: "put",
    args: [Infinity, -0, NaN, 2n ** 70n, "\udfff", { timeout: Infinity }],
  };
  const frame = encodeFrame(message, 1 << 20, "test the codec");
  const decoded = decodeMessage(frame.subarray(4)) as typeof message;
  assert.equal(decoded.args[0], Infinity);
  assert.ok(Object.is(decoded.args[1], -0));
  assert.ok(Number.isNaN(decoded.args[2]));
  assert.equal(decoded.args[3], 2n ** 70n);
  assert.equal(decoded.args[4], "\udfff");
  assert.deepEqual(decoded.args[5], { timeout: Infinity });
});

Deno.test("bad options of Manager are refused with named errors", async () => {
  const options: [unknown, new (...args: never[]) => Error, RegExp][] = [
    [5, TypeError, /options must be an object/],
    [{ address: "127.0.0.1:5000" }, TypeError, /address must be an object/],
    [{ address: { port: "5000" } }, TypeError, /address\.port must be an integer/],
    [{ address: { port: 1.5 } }, RangeError, /address\.port must be an integer from 0 to 65535/],
    [{ address: { port: 70000 } }, RangeError, /address\.port/],
    [{ address: { hostname: 5 } }, TypeError, /address\.hostname/],
    [{ address: { hostname: "" } }, TypeError, /address\.hostname/],
    [{ authkey: 123 }, TypeError, /authkey must be a string or a Uint8Array/],
    [{ authkey: [1, 2] }, TypeError, /authkey/],
    [{ authkey: "" }, RangeError, /authkey is empty/],
    [{ authkey: new Uint8Array() }, RangeError, /authkey is empty/],
    [{ maxFrameBytes: 10 }, RangeError, /maxFrameBytes/],
    [
      { maxFrameBytes: 2 ** 31 },
      RangeError,
      /maxFrameBytes must be an integer from 1024 to 1073741824/,
    ],
    [{ maxFrameBytes: "big" }, TypeError, /maxFrameBytes/],
    [{ connectTimeout: -1 }, RangeError, /connectTimeout/],
    [{ connectTimeout: NaN }, RangeError, /connectTimeout/],
    [{ connectTimeout: "1s" }, TypeError, /connectTimeout/],
    [{ maxPendingConnections: 0 }, RangeError, /maxPendingConnections/],
    [{ maxPendingConnections: 1.5 }, RangeError, /maxPendingConnections/],
    [{ maxPendingConnections: "many" }, TypeError, /maxPendingConnections/],
  ];
  for (const [option, expected, message] of options) {
    assert.throws(() => new Manager(option as never), (error: Error) => {
      assert.ok(error instanceof expected, `${Deno.inspect(option)}: got ${error}`);
      assert.match(error.message, /^Cannot create manager: /);
      assert.match(error.message, message);
      return true;
    });
  }
  new Manager({ connectTimeout: Infinity, maxPendingConnections: 1, authkey: new Uint8Array([1]) });
  await rejects(
    "connect without a port",
    () => new Manager({ address: { hostname: "localhost" } }).connect(),
    TypeError,
    /address\.port was not given/,
  );
});

Deno.test("every Manager and proxy method refuses bad input by rejecting with a named error", async () => {
  await using manager = new Manager();
  await using other = new Manager();
  const d = await manager.dict<string, unknown>();
  const list = await manager.list<unknown>();
  const ns = await manager.namespace<Record<string, unknown>>();
  const value = await manager.value<unknown>(0);
  const queue = await manager.queue<unknown>(1);
  const lock = await manager.lock();
  const semaphore = await manager.semaphore(1);
  const event = await manager.event();
  const foreign = await other.dict();
  const cases: [string, () => Promise<unknown>, new (...args: never[]) => Error, RegExp?][] = [
    [
      "m.dict('abc')",
      () => manager.dict("abc" as never),
      TypeError,
      /init must be \[key, value\] pairs, a Map or a plain object, got the string "abc"/,
    ],
    ["m.dict(5)", () => manager.dict(5 as never), TypeError, /got 5/],
    ["m.dict(null)", () => manager.dict(null as never), TypeError, /got null/],
    ["m.dict(Date)", () => manager.dict(new Date() as never), TypeError, /instance of Date/],
    [
      "m.dict([['a']])",
      () => manager.dict([["a"]] as never),
      TypeError,
      /entry 0 of init must be a \[key, value\] pair/,
    ],
    [
      "m.dict([[{}, 1]])",
      () => manager.dict([[{}, 1]] as never),
      TypeError,
      /a key must be a string, number, bigint or boolean, got an object/,
    ],
    ["m.list(5)", () => manager.list(5 as never), TypeError, /items must be iterable/],
    ["m.list(null)", () => manager.list(null as never), TypeError, /items must be iterable/],
    ["m.namespace(5)", () => manager.namespace(5 as never), TypeError, /plain object/],
    ["m.namespace([1])", () => manager.namespace([1] as never), TypeError, /plain object/],
    ["m.queue(-1)", () => manager.queue(-1), RangeError, /maxsize must be an integer >= 0, got -1/],
    ["m.queue(1.5)", () => manager.queue(1.5), RangeError, /maxsize/],
    ["m.queue('1')", () => manager.queue("1" as never), TypeError, /maxsize/],
    ["m.semaphore(-1)", () => manager.semaphore(-1), RangeError, /from 0 to 2147483647, got -1/],
    ["m.semaphore(2**31)", () => manager.semaphore(2 ** 31), RangeError, /from 0 to 2147483647/],
    ["m.semaphore(NaN)", () => manager.semaphore(NaN), RangeError, /value/],
    ["m.value(fn)", () => manager.value(() => 1), CloneError, /value is a function/],
    [
      "m.value(instance)",
      () => manager.value({ p: new Point() }),
      CloneError,
      /value\.p is an instance of Point/,
    ],
    [
      "m.register(5, d)",
      () => manager.register(5 as never, d),
      TypeError,
      /the name must be a string, got 5/,
    ],
    [
      "m.register('x', {})",
      () => manager.register("x", {} as never),
      TypeError,
      /expected a proxy this manager handed out, got an object/,
    ],
    [
      "m.register('x', other's)",
      () => manager.register("x", foreign),
      CloneError,
      /another manager/,
    ],
    ["m.lookup(5)", () => manager.lookup(5 as never), TypeError, /the name must be a string/],
    ["m.lookup('missing')", () => manager.lookup("missing"), RangeError, /no object is registered/],

    ["d.get({})", () => d.get({} as never), TypeError, /a key must be/],
    ["d.set({}, 1)", () => d.set({} as never, 1), TypeError, /a key must be/],
    ["d.set(null, 1)", () => d.set(null as never, 1), TypeError, /got null/],
    ["d.set('k', fn)", () => d.set("k", () => 1), CloneError],
    ["d.set('k', Lock)", () => d.set("k", new Lock()), CloneError, /create it through the manager/],
    ["d.delete(null)", () => d.delete(null as never), TypeError],
    ["d.has([])", () => d.has([] as never), TypeError],
    ["d.update(5)", () => d.update(5 as never), TypeError, /other must be \[key, value\] pairs/],
    ["d.update('abc')", () => d.update("abc" as never), TypeError, /other must be/],
    ["d.update([[1]])", () => d.update([[1]] as never), TypeError, /entry 0/],
    [
      "d.update('k', 'add')",
      () => d.update("k", "add" as never),
      TypeError,
      /operation must be an object/,
    ],
    [
      "d.update('k', { op: 'nope' })",
      () => d.update("k", { op: "nope" } as never),
      TypeError,
      /unknown operation/,
    ],
    ["d.increment('k', 'x')", () => d.increment("k", "x" as never), TypeError],
    ["d.append({}, 1)", () => d.append({} as never, 1), TypeError],
    ["d.setDefault({}, 1)", () => d.setDefault({} as never, 1), TypeError],
    ["d.pop({})", () => d.pop({} as never), TypeError],
    ["d.pop('missing')", () => d.pop("missing"), RangeError, /no such key/],
    ["d.compareAndSet({}, 1, 2)", () => d.compareAndSet({} as never, 1, 2), TypeError],

    [
      "l.get('x')",
      () => list.get("x" as never),
      TypeError,
      /index must be an integer, got the string "x"/,
    ],
    ["l.get(1.5)", () => list.get(1.5), TypeError, /index must be an integer/],
    ["l.get(2**40)", () => list.get(2 ** 40), RangeError, /out of range/],
    ["l.set(2**40, 1)", () => list.set(2 ** 40, 1), RangeError, /out of range/],
    ["l.set('x', 1)", () => list.set("x" as never, 1), TypeError],
    ["l.pop('x')", () => list.pop("x" as never), RangeError, /empty/],
    ["l.insert('x', 1)", () => list.insert("x" as never, 1), TypeError],
    ["l.remove(99)", () => list.remove(99), RangeError],
    ["l.extend(5)", () => list.extend(5 as never), TypeError, /items must be iterable/],
    ["l.slice('a')", () => list.slice("a" as never), TypeError, /start must be an integer/],
    ["l.slice(0, {})", () => list.slice(0, {} as never), TypeError, /end must be an integer/],
    ["l.append(fn)", () => list.append(() => 1), CloneError],
    ["l.push(instance)", () => list.push(new Point()), CloneError, /Point/],

    ["ns.get(5)", () => ns.get(5 as never), TypeError, /attribute name must be a string/],
    ["ns.set(5, 1)", () => ns.set(5 as never, 1), TypeError, /attribute name must be a string/],
    ["ns.has(null)", () => ns.has(null as never), TypeError],
    ["ns.delete({})", () => ns.delete({} as never), TypeError],
    ["ns.set('x', fn)", () => ns.set("x", () => 1), CloneError],

    ["v.update(5)", () => value.update(5 as never), TypeError, /operation must be an object/],
    ["v.update(add string)", () => value.update({ op: "add", value: "x" } as never), TypeError],
    ["v.increment('x')", () => value.increment("x" as never), TypeError],
    ["v.set(fn)", () => value.set(() => 1), CloneError],

    ["q.put(x, 5)", () => queue.put(1, 5 as never), TypeError, /options must be an object/],
    [
      "q.put(x, timeout -1)",
      () => queue.put(1, { timeout: -1 }),
      RangeError,
      /Cannot put on queue: timeout/,
    ],
    [
      "q.put(x, blocking 'no')",
      () => queue.put(1, { blocking: "no" as never }),
      TypeError,
      /blocking must be true or false/,
    ],
    ["q.put(fn)", () => queue.put(() => 1), CloneError],
    [
      "q.get(timeout NaN)",
      () => queue.get({ timeout: NaN }),
      RangeError,
      /Cannot get from queue: timeout/,
    ],
    ["q.get('x')", () => queue.get("x" as never), TypeError, /options/],
    ["q.getNowait() empty", () => queue.getNowait(), Empty],

    [
      "lock.acquire(timeout -1)",
      () => lock.acquire({ timeout: -1 }),
      RangeError,
      /Cannot acquire lock/,
    ],
    ["lock.acquire(blocking 1)", () => lock.acquire({ blocking: 1 as never }), TypeError],
    ["lock.release() unlocked", () => lock.release(), ReleaseError],
    [
      "semaphore.acquire(timeout '1')",
      () => semaphore.acquire({ timeout: "1" as never }),
      TypeError,
      /Cannot acquire semaphore/,
    ],
    ["event.wait(-1)", () => event.wait(-1), RangeError, /Cannot wait for event/],
    ["event.wait('x')", () => event.wait("x" as never), TypeError],
  ];
  for (const [label, call, expected, message] of cases) {
    await rejects(label, call, expected, message);
  }
  // Nothing was half-done, and everything still works.
  assert.equal(await d.size(), 0);
  assert.equal(await list.length(), 0);
  assert.deepEqual(await ns.toObject(), {});
  assert.equal(await value.get(), 0);
  await queue.putNowait(1);
  await rejects("q.putNowait() full", () => queue.putNowait(2), Full);
  assert.equal(await queue.get(), 1);
  assert.equal(await lock.locked(), false);
  assert.equal(await semaphore.getValue(), 1);
  // A large managed semaphore is a count, not an allocation.
  assert.equal(await (await manager.semaphore(5e7)).getValue(), 5e7);
});
