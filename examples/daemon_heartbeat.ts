/**
 * The seeds' daemon lessons. A daemon prints a growing line of stars; a normal process runs
 * longer than the main program's code. When the main code is done, the daemon is ended at once
 * while the program waits for the normal process, exactly as in Python:
 *
 *   *  / normal process starts / ** / *** / main code done / normal process ends
 *
 * A daemon is also how a server reports that it is alive: the heartbeat below stops by itself
 * when the program it watches ends.
 *
 * Run: deno task example:daemon_heartbeat
 */
import { Process } from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function stars(): Promise<void> {
  for (let count = 1;; count++) {
    console.log("*".repeat(count));
    await delay(200);
  }
}

export async function normalWork(): Promise<void> {
  console.log("normal process starts");
  await delay(1000);
  console.log("normal process ends");
}

export async function heartbeat(service: string): Promise<void> {
  while (true) {
    await delay(150);
    console.log(`  [heartbeat] ${service} is alive`);
  }
}

if (import.meta.main) {
  const daemon = new Process({ target: stars, daemon: true });
  daemon.start();
  new Process({ target: normalWork }).start();
  new Process({ target: heartbeat, args: ["web server"], daemon: true }).start();
  await delay(500);
  console.log("main code done: daemons end now, the normal process is waited for");
}
