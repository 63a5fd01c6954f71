/**
 * The seeds' terminate lesson: terminate() does not end the process instantly, so isAlive()
 * right after it is still true; once the process has ended it is false. Here `terminate()`
 * returns a promise that resolves when the process has ended, and the exit codes follow
 * Python: -15 for terminate (SIGTERM), -9 for kill (SIGKILL).
 *
 * Run: deno task example:terminate
 */
import { Process } from "../mod.ts";

export async function work(): Promise<void> {
  console.log("child is working");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}

if (import.meta.main) {
  const p = new Process({ target: work });
  await p.start();
  const ended = p.terminate();
  console.log("isAlive() right after terminate():", p.isAlive()); // true
  await ended;
  console.log("isAlive() once it ended:", p.isAlive(), "exitcode:", p.exitcode); // false -15

  const q = new Process({ target: work });
  await q.start();
  await q.kill();
  console.log("after kill(): exitcode", q.exitcode); // -9
}
