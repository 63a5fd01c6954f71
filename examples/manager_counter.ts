/**
 * The seeds' Manager lesson: "multiple processes changing shared data need a lock too". Ten
 * processes each take 10 from a shared `count` of 100, one at a time. Without a lock, a
 * process reads the count, another reads the same count before the first writes it back, and
 * one of the two decrements is lost. With a managed lock around the read and the write, or with
 * the manager's atomic `increment`, the count ends at 0.
 *
 * Run: deno task example:manager_counter
 */
import { type DictProxy, type EventProxy, Manager, Process } from "../mod.ts";
import type { LockProxy } from "../mod.ts";

export async function takeTen(
  shared: DictProxy<string, number>,
  lock: LockProxy,
  mode: string,
  go: EventProxy,
): Promise<void> {
  await go.wait(); // all ten start together, so their decrements overlap
  for (let i = 0; i < 10; i++) {
    if (mode === "atomic") {
      await shared.increment("count", -1);
    } else if (mode === "lock") {
      await lock.withLock(async () => {
        await shared.set("count", (await shared.get("count"))! - 1);
      });
    } else {
      const count = await shared.get("count"); // read ...
      await shared.set("count", count! - 1); // ... then write: another process may write between
    }
  }
}

async function run(manager: Manager, mode: string): Promise<number> {
  const shared = await manager.dict<string, number>({ count: 100 });
  const lock = await manager.lock();
  const go = await manager.event();
  const processes = Array.from(
    { length: 10 },
    () => new Process({ target: takeTen, args: [shared, lock, mode, go] }),
  );
  for (const p of processes) await p.start();
  await go.set();
  for (const p of processes) await p.join();
  return (await shared.get("count"))!;
}

if (import.meta.main) {
  await using manager = new Manager();
  console.log(`without a lock:        count = ${await run(manager, "racy")} (lost updates)`);
  console.log(`with a managed lock:   count = ${await run(manager, "lock")}`);
  console.log(`with increment(-1):    count = ${await run(manager, "atomic")}`);
}
