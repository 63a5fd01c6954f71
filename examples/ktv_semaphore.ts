/**
 * The seeds' KTV (karaoke): five people, two rooms. A Semaphore(2) is a lock with two keys:
 * at most two people sing at once, the others wait for a room to free up.
 *
 * Run: deno task example:ktv_semaphore
 */
import { Process, Semaphore } from "../mod.ts";

export async function karaoke(person: string, rooms: Semaphore): Promise<void> {
  await rooms.acquire(); // take a key
  console.log(`${person} walks into a room`);
  await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 200));
  console.log(`${person} leaves`);
  rooms.release(); // hand the key to the next person
}

if (import.meta.main) {
  const rooms = new Semaphore(2);
  const people = Array.from(
    { length: 5 },
    (_, i) => new Process({ target: karaoke, args: [`person${i}`, rooms] }),
  );
  for (const p of people) p.start();
  for (const p of people) await p.join();
  console.log(`rooms free at closing time: ${rooms.getValue()}`);
}
