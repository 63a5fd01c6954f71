import assert from "node:assert/strict";
import { JoinableQueue, Process, ShutDown, TaskDoneError } from "../../mod.ts";
import * as targets from "../fixtures/channel_targets.ts";

Deno.test("join() waits until every item put was marked done by the consumers", async () => {
  const q = new JoinableQueue<number>();
  const workers = [0, 1].map(() => new Process({ target: targets.work, args: [q, 5] }));
  for (const p of workers) await p.start();
  for (let i = 0; i < 10; i++) await q.put(i);
  assert.equal(await q.join(10_000), true);
  assert.equal(q.empty(), true);
  for (const p of workers) await p.join();
});

Deno.test("join() with a timeout returns false while tasks remain; taskDone past zero throws", async () => {
  const q = new JoinableQueue<string>();
  await q.put("job");
  assert.equal(await q.join(10), false);
  await q.get();
  q.taskDone();
  assert.equal(await q.join(), true);
  assert.throws(() => q.taskDone(), (error: Error) => {
    assert.ok(error instanceof TaskDoneError);
    assert.match(error.message, /more times than items were put/);
    return true;
  });
});

Deno.test("shutdown({ immediate: true }) counts the discarded items done: join() returns", async () => {
  const q = new JoinableQueue<number>();
  for (let i = 0; i < 3; i++) await q.put(i);
  const joining = q.join();
  q.shutdown({ immediate: true });
  assert.equal(await joining, true);
  assert.equal(q.qsize(), 0);
  await assert.rejects(q.put(3), ShutDown);
});
