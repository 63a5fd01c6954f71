/**
 * The observer's JSON snapshot and its stream, against a program with named processes, a held
 * lock, unread mail, a busy pool, a queue, a pipe, a manager and a supervisor; its options and
 * its token.
 */
import assert from "node:assert/strict";
import { Lock, Manager, observe, Observer, Process, type Snapshot, Supervisor } from "../../mod.ts";
import { crashAfter, dieHoldingLock } from "../fixtures/observer_targets.ts";
import { startScene } from "./_scene.ts";
import { withSeed } from "../reliability/_random.ts";
import { delay } from "../_helpers.ts";

async function snapshotOf(observer: Observer, path = "snapshot.json"): Promise<Snapshot> {
  const response = await fetch(new URL(path, observer.url));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/json");
  return await response.json();
}

async function eventually(
  observer: Observer,
  check: (snapshot: Snapshot) => boolean,
  what: string,
): Promise<Snapshot> {
  const deadline = Date.now() + 15_000;
  while (true) {
    const snapshot = await snapshotOf(observer);
    if (check(snapshot)) return snapshot;
    if (Date.now() > deadline) {
      throw new Error(`The snapshot never showed ${what}: ${JSON.stringify(snapshot)}`);
    }
    await delay(50);
  }
}

Deno.test("the snapshot shows named processes, a held lock, unread mail, a busy pool and more", async () => {
  await using scene = await startScene(2, 2000);
  const { napper, holder } = scene;
  await using manager = new Manager();
  const dict = await manager.dict<string, number>();
  await dict.set("a", 1);
  const supervisor = new Supervisor({
    name: "watcher",
    maxRestarts: 10,
    children: [{ id: "crasher", target: crashAfter, args: [100], restart: "transient" }],
  });
  await supervisor.start();
  await using observer = await observe();
  try {
    const snapshot = await eventually(
      observer,
      (s) =>
        s.locks.some((l) => (l.state.holders as number[]).includes(holder.pid!)) &&
        s.pools[0]?.state.running !== 0 &&
        (s.supervisors[0]?.state.restarts as number) >= 1,
      "the lock held, the pool running and a restart",
    );
    const byName = new Map(snapshot.actors.map((actor) => [actor.name, actor]));
    assert.equal(byName.get("MainProcess")!.pid, 1);
    assert.equal(byName.get("napper")!.parentPid, 1);
    assert.equal(byName.get("napper")!.status, "running");
    assert.equal(byName.get("napper")!.mailboxDepth, 2, "two messages sent and not received");
    assert.equal(byName.get("lock-holder")!.pid, holder.pid);
    assert.ok(snapshot.actors.some((actor) => actor.name.startsWith("PoolWorker")));
    assert.equal(snapshot.locks.length, 1, "the lock and the root's copy of it are one lock");
    assert.equal(snapshot.locks[0].kind, "Lock");
    assert.deepEqual(
      (snapshot.locks[0].state.heldBy as number[]).sort(),
      [1, holder.pid!].sort(),
      "its creator and the child it was passed to",
    );
    const [pool0] = snapshot.pools;
    assert.equal(pool0.label, "Pool(2)");
    assert.equal(pool0.state.workers, 2);
    assert.equal(pool0.state.state, "running");
    assert.equal(snapshot.queues.length, 1);
    assert.equal(snapshot.queues[0].state.items, 2);
    assert.equal(snapshot.queues[0].state.maxsize, 5);
    const sides = snapshot.pipes[0].state.sides as { unread: number; holders: number[] }[];
    assert.deepEqual(sides.map((side) => side.unread), [1, 0]);
    assert.deepEqual(sides[1].holders.sort(), [1, napper.pid!].sort());
    const managed = snapshot.managers[0].state;
    assert.equal(managed.status, "running");
    assert.deepEqual(managed.objects, { dict: 1 });
    assert.equal(managed.clients, 1);
    assert.equal(snapshot.supervisors[0].label, "watcher");
    assert.equal(snapshot.supervisors[0].state.maxRestarts, 10);
    // Ids stay the same from one snapshot to the next.
    const again = await snapshotOf(observer);
    assert.equal(again.pools[0].id, pool0.id);
    assert.ok((again.pools[0].state.tasksPerSecond as number) >= 0);
    assert.equal(again.locks[0].id, snapshot.locks[0].id);
  } finally {
    await supervisor.stop();
  }
});

Deno.test("an actor that dies holding a lock shows as exited, and the lock as repaired", async () => {
  const lock = new Lock();
  const dying = new Process({ target: dieHoldingLock, args: [lock], name: "doomed" });
  await dying.start();
  await dying.join();
  await using observer = await observe();
  const snapshot = await eventually(
    observer,
    (s) => s.locks.some((l) => l.state.ownerDiedEvents === 1),
    "the repair",
  );
  const doomed = snapshot.actors.find((actor) => actor.pid === dying.pid)!;
  assert.equal(doomed.status, "exited");
  assert.equal(doomed.exitcode, 3);
  assert.equal(doomed.exitKind, "error");
  assert.deepEqual(snapshot.locks[0].state.holders, []);
  assert.ok(await lock.acquire({ timeout: 1000 }));
  assert.ok(lock.ownerDied);
  lock.release();
});

Deno.test("snapshots taken while actors holding a lock are killed at random points stay whole", async () => {
  await withSeed(1603, async (random) => {
    const lock = new Lock();
    await using observer = await observe();
    const snapshots: Promise<Snapshot>[] = [];
    const children: Process[] = [];
    for (let round = 0; round < 8; round++) {
      const child = new Process({ target: dieHoldingLock, args: [lock], name: `victim-${round}` });
      children.push(child);
      // Un-awaited start, then a kill at a random point of the child's life.
      child.start().catch(() => {});
      snapshots.push(observer.snapshot());
      await delay(random.int(0, 15));
      if (random.chance(0.5)) void child.kill();
      snapshots.push(snapshotOf(observer));
    }
    for (const child of children) await child.join();
    for (const snapshot of await Promise.all(snapshots)) {
      assert.equal(snapshot.actors[0].name, "MainProcess");
      for (const actor of snapshot.actors) {
        assert.ok(["starting", "running", "stopping", "exited"].includes(actor.status));
      }
    }
    const last = await snapshotOf(observer);
    for (const child of children) {
      const seen = last.actors.find((actor) => actor.pid === child.pid)!;
      assert.equal(seen.status, "exited", `${child.name} is listed as ended`);
      assert.equal(seen.exitcode, child.exitcode);
    }
    // Whoever died holding it, the lock is free again.
    assert.ok(await lock.acquire({ timeout: 5000 }));
    lock.release();
  });
});

Deno.test("a primitive that never left its creator is not listed", async () => {
  const lock = new Lock();
  await lock.acquire();
  await using observer = await observe();
  // Locks of earlier tests may still be listed until they are collected; none is held by this
  // program, as this one is.
  const { locks } = await snapshotOf(observer);
  assert.ok(locks.every((listed) => !(listed.state.holders as number[]).includes(1)));
  lock.release();
});

Deno.test("the event stream sends a snapshot at once and then one per interval", async () => {
  await using observer = await observe({ intervalMs: 100 });
  const response = await fetch(new URL("events", observer.url));
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while ((text.match(/^data: /gm) ?? []).length < 3) {
    const { value, done } = await reader.read();
    assert.ok(!done, "the stream stays open");
    text += value;
  }
  const first = JSON.parse(text.split("\n")[0].slice("data: ".length)) as Snapshot;
  assert.equal(first.actors[0].name, "MainProcess");
  assert.equal(observer.viewers, 1);
  await reader.cancel();
  // The page left: no snapshots are taken for nobody.
  for (let tries = 0; observer.viewers > 0 && tries < 100; tries++) await delay(10);
  assert.equal(observer.viewers, 0);
});

Deno.test("close() while a page reads the stream ends the stream; close twice, un-awaited, is one close", async () => {
  const observer = await observe({ intervalMs: 100 });
  const response = await fetch(new URL("events", observer.url));
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  assert.match((await reader.read()).value!, /^data: /);
  const first = observer.close();
  const second = observer.close();
  assert.equal(first, second, "the same promise");
  let done = false;
  while (!done) done = (await reader.read()).done;
  await first;
  assert.equal(observer.viewers, 0);
  // A closed observer answers nothing more.
  await assert.rejects(fetch(new URL("snapshot.json", observer.url)));
});

Deno.test("new Observer() checks its options as observe() does, synchronously", () => {
  assert.throws(() => new Observer({ port: -1 }), RangeError);
  assert.throws(() => new Observer({ hostname: "10.0.0.1" }), /allowRemote: true and a token/);
});

Deno.test("the page, a token, and requests that are refused", async () => {
  const token = "a-secret-of-enough-length";
  await using observer = await observe({ token });
  assert.ok(observer.url.endsWith(`/?token=${token}`));
  const page = await fetch(observer.url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type")!, /text\/html/);
  assert.match(await page.text(), /<title>multiprocessing observer<\/title>/);
  const base = `http://127.0.0.1:${observer.port}`;
  const refused = await fetch(`${base}/snapshot.json`);
  assert.equal(refused.status, 401);
  await refused.body?.cancel();
  const wrong = await fetch(`${base}/snapshot.json?token=not-the-token-at-all`);
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  const bearer = await fetch(`${base}/snapshot.json`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(bearer.status, 200);
  await bearer.body?.cancel();
  const missing = await fetch(`${base}/nothing?token=${token}`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const posted = await fetch(`${base}/snapshot.json?token=${token}`, { method: "POST" });
  assert.equal(posted.status, 405);
  await posted.body?.cancel();
});

Deno.test("bad options are refused with named errors before anything listens", async () => {
  const cases: [unknown, new (...args: never[]) => Error, RegExp][] = [
    [null, TypeError, /options must be an object/],
    [{ port: -1 }, RangeError, /port/],
    [{ port: 70000 }, RangeError, /port/],
    [{ port: NaN }, RangeError, /port/],
    [{ port: "80" }, TypeError, /port/],
    [{ intervalMs: 0 }, RangeError, /intervalMs/],
    [{ intervalMs: Infinity }, RangeError, /intervalMs/],
    [{ hostname: "" }, TypeError, /hostname/],
    [{ hostname: "0.0.0.0" }, TypeError, /allowRemote: true and a token/],
    [{ hostname: "0.0.0.0", allowRemote: true }, TypeError, /allowRemote: true and a token/],
    [{ token: "short" }, RangeError, /at least 16/],
    [{ token: 42 }, TypeError, /token must be a string/],
    [{ allowRemote: "yes" }, TypeError, /allowRemote must be a boolean/],
  ];
  for (const [options, kind, message] of cases) {
    await assert.rejects(
      observe(options as never),
      (error: Error) => error instanceof kind && message.test(error.message),
      JSON.stringify(options),
    );
  }
  const token = "0123456789abcdef";
  await using remote = await observe({ hostname: "0.0.0.0", allowRemote: true, token });
  assert.ok(remote.port > 0);
});

Deno.test("observing does not keep the program alive", async () => {
  const program = `
    import { observe } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
    const observer = await observe();
    console.log(observer.url);
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-net", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(program));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.match(new TextDecoder().decode(stdout), /^http:\/\/127\.0\.0\.1:\d+\/$/m);
});
