/**
 * Opens files until the program has almost no descriptor left, then starts a process: the start
 * must fail with SpawnError (Deno would abort the whole program building the Worker), and once
 * the files are closed a start works again. Run under a low `ulimit -n`.
 */
import { Process, SpawnError, task } from "../../mod.ts";

export const hello = task(import.meta, function hello() {});

if (import.meta.main) {
  const warmup = new Process({ target: hello });
  await warmup.start();
  await warmup.join();
  const files: Deno.FsFile[] = [];
  try {
    for (;;) files.push(Deno.openSync("/dev/null"));
  } catch {
    // Out of descriptors: leave a few, fewer than a worker needs.
  }
  for (const file of files.splice(files.length - 4)) file.close();
  // An idle moment: a standby refill must not abort the program now either.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const refused = new Process({ target: hello });
  const outcome = await refused.start().then(() => "started", (error) => error);
  console.log(JSON.stringify({
    refused: outcome instanceof SpawnError,
    exitcode: refused.exitcode,
    message: String(outcome?.message ?? outcome),
  }));
  for (const file of files) file.close();
  const again = new Process({ target: hello });
  await again.start();
  await again.join();
  console.log(JSON.stringify({ again: again.exitcode }));
}
