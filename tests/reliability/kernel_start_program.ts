/**
 * Python's habit, run by kernel_test.ts as a program of its own: three processes started without
 * `await`, one of which cannot start (its target is not exported). The program must carry on,
 * its healthy children must finish, and the failure must be printed once.
 */
import { Process } from "../../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function good(i: number): Promise<void> {
  await delay(100);
  console.log(`good ${i} done`);
}

function bad(): void {}

if (import.meta.main) {
  const processes = [
    new Process({ target: good, args: [1] }),
    new Process({ target: bad }),
    new Process({ target: good, args: [2] }),
  ];
  for (const p of processes) p.start();
  for (let step = 1; step <= 3; step++) {
    await delay(100);
    console.log(`step ${step}`);
  }
  for (const p of processes) await p.join();
  console.log(JSON.stringify({
    exitcodes: processes.map((p) => p.exitcode),
    error: processes[1].error?.name ?? null,
  }));
}
