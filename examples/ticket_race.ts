/**
 * The seeds' ticket grabbing: five buyers, three tickets in a JSON file. Each buyer reads the
 * count, waits for the network, and writes it back. Without a lock all five read "3" and all
 * five buy: oversold. With a Lock around the purchase, exactly three buy.
 *
 * Run: deno task example:ticket_race
 */
import { Event, Lock, Process } from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ticket(
  file: string,
  person: string,
  lock: Lock | null,
  go: Event,
): Promise<void> {
  await go.wait(); // everyone rushes in at once, as in the seeds
  const { count } = JSON.parse(await Deno.readTextFile(file));
  console.log(`${person} sees ${count} tickets left`);
  const buy = async () => {
    const { count } = JSON.parse(await Deno.readTextFile(file));
    await delay(100); // network latency between reading and writing
    if (count > 0) {
      await Deno.writeTextFile(file, JSON.stringify({ count: count - 1 }));
      console.log(`${person} bought a ticket`);
    } else {
      console.log(`${person} found none`);
    }
  };
  if (lock === null) await buy();
  else await lock.withLock(buy);
}

async function sale(withLock: boolean): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(file, JSON.stringify({ count: 3 }));
  const lock = withLock ? new Lock() : null;
  const go = new Event();
  const buyers = Array.from(
    { length: 5 },
    (_, i) => new Process({ target: ticket, args: [file, `person${i}`, lock, go] }),
  );
  for (const p of buyers) await p.start();
  go.set();
  for (const p of buyers) await p.join();
  const { count } = JSON.parse(await Deno.readTextFile(file));
  console.log(`tickets left in the file: ${count}\n`);
  await Deno.remove(file);
}

if (import.meta.main) {
  console.log("== without a lock: everyone buys, the file says tickets remain");
  await sale(false);
  console.log("== with a lock: exactly three buy");
  await sale(true);
}
