/**
 * The seeds' producer/consumer model with a Queue. Producers make food, consumers eat it. When
 * the producers are done they put a sentinel (`null`) so a consumer knows to stop, and the
 * lesson: one sentinel per consumer, or the others wait forever (shown at the end).
 *
 * Run: deno task example:producer_consumer
 */
import { Process, Queue } from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function producer(
  name: string,
  food: string,
  q: Queue<string | null>,
): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    await delay(30);
    await q.put(`${food} ${i}`);
    console.log(`${name} made ${food} ${i}`);
  }
}

export async function consumer(name: string, q: Queue<string | null>): Promise<void> {
  while (true) {
    const item = await q.get();
    if (item === null) break; // the sentinel: no more food
    await delay(50);
    console.log(`  ${name} ate ${item}`);
  }
  console.log(`  ${name} goes home`);
}

if (import.meta.main) {
  const q = new Queue<string | null>();
  const producers = [
    new Process({ target: producer, args: ["chef", "bun", q] }),
    new Process({ target: producer, args: ["cook", "noodles", q] }),
  ];
  const consumers = ["ann", "bob"].map((name) =>
    new Process({ target: consumer, args: [name, q] })
  );
  for (const p of [...producers, ...consumers]) p.start();
  for (const p of producers) await p.join();
  for (const _ of consumers) await q.put(null); // one sentinel per consumer
  for (const p of consumers) await p.join();
  console.log("everyone went home: one sentinel per consumer");

  // The trap: one sentinel for two consumers. The first one home takes it; the other waits
  // for food forever (we give it a second, then terminate it).
  const trap = new Queue<string | null>();
  const waiting = ["cat", "dan"].map((name) =>
    new Process({ target: consumer, args: [name, trap] })
  );
  for (const p of waiting) await p.start();
  await trap.put(null);
  for (const p of waiting) await p.join(1000);
  const stuck = waiting.filter((p) => p.isAlive());
  console.log(`one sentinel for two consumers: ${stuck.length} consumer still waits, terminated`);
  for (const p of stuck) await p.terminate();
}
