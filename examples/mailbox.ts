/**
 * Mailboxes: every process is an actor with a mailbox. The parent sends with `p.send()`, the
 * child takes messages with `receive()` and answers with `parentProcess()!.send()`. A receive
 * can select (take the first message a predicate accepts, leaving the others queued, as in
 * Erlang) and can time out with `TimeoutError`.
 *
 * Run: deno task example:mailbox
 */
import { parentProcess, Process, receive, TimeoutError } from "../mod.ts";

type Job = { kind: "job"; n: number } | { kind: "urgent"; text: string } | { kind: "stop" };

export async function worker(): Promise<void> {
  const urgent = await receive<Job>((m) => (m as Job).kind === "urgent");
  parentProcess()!.send(`handled first: ${(urgent as { text: string }).text}`);
  while (true) {
    const job = await receive<Job>();
    if (job.kind === "stop") break;
    if (job.kind === "job") parentProcess()!.send(`${job.n} squared is ${job.n * job.n}`);
  }
  try {
    await receive({ timeout: 50 });
  } catch (error) {
    if (error instanceof TimeoutError) parentProcess()!.send("no more mail after 50 ms");
  }
}

if (import.meta.main) {
  const p = new Process({ target: worker });
  await p.start();
  for (let n = 1; n <= 3; n++) p.send({ kind: "job", n } satisfies Job);
  p.send({ kind: "urgent", text: "the urgent one" } satisfies Job);
  p.send({ kind: "stop" } satisfies Job);
  for (let reply = 0; reply < 5; reply++) console.log(await receive());
  await p.join();
}
