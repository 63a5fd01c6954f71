/**
 * Run by kernel_test.ts with `--v8-flags=--expose-gc`: creates and drops many shared primitives
 * on the main thread, and passes many locks to a child that drops them, then prints what stayed
 * behind as JSON: heap before and after, the cost of a start + join before and after, and how
 * many primitives the root supervisor still keeps for workers.
 */
import { Event, Lock, Process, Queue, Value } from "../../mod.ts";
import { rootSupervisor } from "../../actors/_kernel/root/root.ts";
import { takeAndDropLocks } from "./kernel_fixtures.ts";

export function noop(): void {}

const gc = (globalThis as unknown as { gc(): void }).gc;
const settle = async () => {
  for (let round = 0; round < 4; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const heapMiB = async () => {
  await settle();
  return Deno.memoryUsage().heapUsed / 2 ** 20;
};

async function startJoinMs(rounds: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const p = new Process({ target: noop });
    await p.start();
    await p.join();
  }
  return (performance.now() - t0) / rounds;
}

if (import.meta.main) {
  const [locks, others, passed] = Deno.args.map(Number);
  await startJoinMs(2);
  const before = { heap: await heapMiB(), startJoinMs: await startJoinMs(5) };
  for (let i = 0; i < locks; i++) {
    new Lock();
    if (i % 10_000 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  for (let i = 0; i < others; i++) {
    new Event();
    new Value("i32", i);
    new Queue(0, { bufferBytes: 64, maxBufferBytes: 64 });
    if (i % 2_000 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  // Locks that cross to a child: held there, then dropped there and here.
  const child = new Process({ target: takeAndDropLocks, args: [passed] });
  await child.start();
  for (let i = 0; i < passed; i++) await child.send({ lock: new Lock() });
  await child.send("drop");
  const { receive } = await import("../../mod.ts");
  await receive({ timeout: 30_000 });
  const root = await rootSupervisor();
  const deadline = Date.now() + 10_000;
  while (root.heldByWorkers > 0 && Date.now() < deadline) await settle();
  const heldByWorkers = root.heldByWorkers;
  await child.send("stop");
  await child.join();
  const after = { heap: await heapMiB(), startJoinMs: await startJoinMs(5) };
  console.log(JSON.stringify({ before, after, heldByWorkers }));
}
