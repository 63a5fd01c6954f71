/**
 * The seeds' join lesson: send one mail and wait for it, then send ten mails by starting all
 * ten processes first and joining them afterwards, so the total time is that of the slowest
 * mail, not the sum.
 *
 * Run: deno task example:mail_join
 */
import { Process } from "../mod.ts";

export async function sendMail(index: number, delayMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, delayMs)); // the mail server's latency
  console.log(`mail ${index} sent`);
}

if (import.meta.main) {
  const one = new Process({ target: sendMail, args: [0, 200] });
  one.start();
  await one.join(); // blocks until the child is done, as p.join() does in Python
  console.log("one mail: done\n");

  const started = performance.now();
  const processes = Array.from(
    { length: 10 },
    (_, index) => new Process({ target: sendMail, args: [index, 100 + 50 * (index % 4)] }),
  );
  for (const p of processes) p.start(); // start them all first...
  for (const p of processes) await p.join(); // ...then wait for each
  const elapsed = performance.now() - started;
  console.log(
    `ten mails: done in ${Math.round(elapsed)} ms: about the slowest mail (250 ms) plus the ` +
      "starts, where joining each before starting the next would take over 2 s",
  );
}
