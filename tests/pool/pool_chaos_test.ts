/**
 * Chaos: 10,000 tasks while a helper kills a random pool worker every few milliseconds. Every
 * task settles exactly once, with its correct value or with WorkerDiedError; none is lost, and
 * the pool still closes and joins cleanly.
 */
import assert from "node:assert/strict";
import { activeChildren, Pool, WorkerDiedError } from "../../mod.ts";
import { busyIn } from "../fixtures/pool_targets.ts";

const TASKS = 10_000;
const KILL_EVERY_MS = 4;

Deno.test("10,000 tasks under random worker kills: each settles once, correctly", async () => {
  const pool = new Pool({ processes: 2 });
  const outcomes = new Array<number>(TASKS).fill(0);
  const wrong: string[] = [];
  const settled = Promise.withResolvers<void>();
  let remaining = TASKS;
  let died = 0;
  /** Workers seen running tasks: the killer aims at those, not at replacements still booting. */
  const working = new Set<number | undefined>();
  const settle = (index: number) => {
    if (++outcomes[index] === 1 && --remaining === 0) settled.resolve();
  };
  for (let index = 0; index < TASKS; index++) {
    pool.applyAsync(busyIn, [index, 0.05], {
      callback(value) {
        working.add(value.pid);
        if (value.index !== index) wrong.push(`task ${index} returned ${value.index}`);
        settle(index);
      },
      errorCallback(error) {
        if (error instanceof WorkerDiedError) died++;
        else wrong.push(`task ${index} failed with ${error.name}: ${error.message}`);
        settle(index);
      },
    });
  }
  let kills = 0;
  const killer = setInterval(() => {
    const alive = pool.workers.filter((worker) => worker.isAlive() && working.has(worker.pid));
    if (alive.length === 0) return;
    kills++;
    alive[Math.floor(Math.random() * alive.length)].kill().catch(() => {});
  }, KILL_EVERY_MS);
  try {
    await settled.promise;
  } finally {
    clearInterval(killer);
  }
  assert.deepEqual(wrong, []);
  assert.ok(outcomes.every((count) => count === 1), "a task was reported twice");
  assert.ok(kills > 0 && died <= kills, `${died} tasks died in ${kills} kills`);
  assert.ok(died < TASKS, "some tasks completed");
  pool.close();
  await pool.join();
  assert.equal(pool.workers.length, 0);
  assert.equal(activeChildren().length, 0);
});
