/**
 * The seeds' JoinableQueue version: consumers are daemons that never stop on their own; each
 * marks every item done with `taskDone()`, the producer waits with `join()` until all its food
 * was eaten, and the main program ends, taking the daemon consumers with it.
 *
 * Run: deno task example:joinable_queue
 */
import { JoinableQueue, Process } from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function consumer(name: string, q: JoinableQueue<string>): Promise<void> {
  while (true) {
    const item = await q.get();
    await delay(40);
    console.log(`  ${name} ate ${item}`);
    q.taskDone();
  }
}

export async function producer(food: string, q: JoinableQueue<string>): Promise<void> {
  for (let i = 1; i <= 3; i++) await q.put(`${food} ${i}`);
  await q.join(); // wait until consumers marked all of it done
  console.log(`all the ${food} was eaten`);
}

if (import.meta.main) {
  const q = new JoinableQueue<string>();
  for (const name of ["ann", "bob"]) {
    new Process({ target: consumer, args: [name, q], daemon: true }).start();
  }
  const producers = ["bun", "rice"].map((food) =>
    new Process({ target: producer, args: [food, q] })
  );
  for (const p of producers) p.start();
  for (const p of producers) await p.join();
  console.log("producers done: the main program ends, and the daemon consumers with it");
}
