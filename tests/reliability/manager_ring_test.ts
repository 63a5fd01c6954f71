/**
 * The manager's local link over shared-memory rings, where a client can break it: a client
 * that dies inside a put (holding the request ring's mutex) leaves its whole requests applied
 * and its last one applied only if its put was journaled; frames up to the frame limit, larger
 * than a ring's room, pass whole and in order among the frames waiting behind them.
 */
import assert from "node:assert/strict";
import { type LockProxy, Manager, Process } from "../../mod.ts";
import { delay } from "../_helpers.ts";
import { dieInsidePuts, PUT_DEATHS } from "./manager_fixtures.ts";

/** Waits until `check()` resolves to true, failing instead of hanging. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await delay(5);
  }
}

Deno.test("a client killed inside a put: its whole requests are applied, its last one if journaled", async () => {
  await using manager = new Manager();
  const d = await manager.dict<string, number>();
  const locks: LockProxy[] = [];
  for (const _ of PUT_DEATHS) locks.push(await manager.lock());
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const client = new Process({ target: dieInsidePuts, args: [d, locks, progress] });
  await client.start();
  await eventually(() => Promise.resolve(Atomics.load(progress, 0) === 1), "channels handed over");
  for (const [index, death] of PUT_DEATHS.entries()) {
    await eventually(() => d.has(`${death} whole`), `${death}: the whole requests applied`);
    assert.equal(await locks[index].locked(), true, `${death}: the call before it was applied`);
    // A put still in progress is not published, whatever its journal says.
    assert.equal(await d.has(`${death} last`), false, `${death}: a put in progress was read`);
  }
  await client.kill();
  for (const [index, death] of PUT_DEATHS.entries()) {
    // The session ended (its lock released) once its last requests were read.
    assert.equal(await locks[index].acquire({ timeout: 10_000 }), true, `${death}: session left`);
    assert.equal(
      await d.has(`${death} last`),
      death !== "copied",
      `${death}: the last put was ${death === "copied" ? "applied" : "lost"}`,
    );
  }
  assert.equal(await d.size(), 2 * PUT_DEATHS.length - 1);
});

Deno.test("frames up to the frame limit pass both ways, in order among the runs waiting behind them", async () => {
  const maxFrameBytes = 200_000;
  await using manager = new Manager({ maxFrameBytes });
  const list = await manager.list<string>();
  // A frame near the limit is three times the rings' first size: they grow for it, both ways.
  const big = "b".repeat(maxFrameBytes - 100);
  const items = Array.from({ length: 3000 }, (_, i) => i % 1000 === 500 ? big : `item ${i}`);
  await Promise.all(items.map((item) => list.append(item)));
  const answers = await Promise.all(items.map((_, i) => list.get(i)));
  assert.ok(answers.every((answer, i) => answer === items[i]), "a frame came back out of order");
  assert.equal(await list.length(), items.length);
});
