/**
 * The seeds' zombie and orphan discussion, shown as what cannot happen here.
 *
 * Zombies: in Python a child that ended stays a zombie until its parent joins it. Here the
 * supervisor reaps every exit, joined or not: ten children are started and never joined, and
 * once they end nothing of them is left.
 *
 * Orphans: in Python a child whose parent is terminated lives on, adopted by init. Here
 * terminate() ends the whole subtree: the grandchild below a terminated child ends with it.
 *
 * Run: deno task example:zombie_orphan
 */
import { activeChildren, parentProcess, Process, receive } from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function shortTask(index: number): Promise<void> {
  await delay(50 + index * 10);
}

export async function grandchild(): Promise<void> {
  parentProcess()!.send("grandchild running");
  await delay(60_000);
}

export async function middle(): Promise<void> {
  const child = new Process({ target: grandchild });
  await child.start();
  parentProcess()!.send(await receive()); // pass the grandchild's hello up
  parentProcess()!.send(`middle ${child.name} started`);
  await child.join();
}

if (import.meta.main) {
  for (let index = 0; index < 10; index++) {
    new Process({ target: shortTask, args: [index] }).start();
  }
  console.log(`started 10 children, never joined; alive now: ${activeChildren().length}`);
  while (activeChildren().length > 0) await delay(20);
  console.log("they all ended: alive now 0, and no zombie is left to reap\n");

  const parent = new Process({ target: middle });
  await parent.start();
  console.log(await receive());
  console.log(await receive());
  await parent.terminate();
  console.log(`terminated the middle process (exitcode ${parent.exitcode}); its child ended too`);
  console.log(`alive children: ${activeChildren().length}; the program ends now, no orphan left`);
}
