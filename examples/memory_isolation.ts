/**
 * The seeds' `global x = 100` lesson: each process has its own memory. The child sets its copy
 * of `x` to 0; the parent's `x` is still 100. To share data, send messages (or use a queue,
 * a pipe or a shared Value).
 *
 * Run: deno task example:memory_isolation
 */
import { parentProcess, Process, receive } from "../mod.ts";

export let x = 100;

export function change(): void {
  x = 0;
  console.log(`child: x = ${x}`);
  parentProcess()!.send(x);
}

if (import.meta.main) {
  const p = new Process({ target: change });
  await p.start();
  await p.join();
  console.log(`parent: x = ${x} (the child's x was ${await receive()})`);
}
