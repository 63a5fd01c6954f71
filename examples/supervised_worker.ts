/**
 * A supervised worker: the worker computes square roots of the numbers in its mailbox and
 * crashes on bad input (a negative number, a word). Its supervisor restarts it, a fresh
 * process with a new pid and an empty mailbox, and the main program carries on with the next
 * input. `onRestart` reports every restart, with the reason the worker died of, to the main
 * program's own mailbox, where the worker's answers arrive too.
 *
 * Run: deno task example:supervised_worker
 */
import { currentProcess, parentProcess, receive, type RestartEvent, Supervisor } from "../mod.ts";

export async function squareRoots(): Promise<void> {
  while (true) {
    const input = await receive<string>();
    const n = Number(input);
    if (input.trim() === "" || !(n >= 0)) {
      throw new RangeError(`bad input ${JSON.stringify(input)}`);
    }
    parentProcess()!.send(`sqrt(${input}) = ${Math.sqrt(n)}`);
  }
}

if (import.meta.main) {
  const supervisor = new Supervisor({
    name: "calculator",
    strategy: "oneForOne",
    maxRestarts: 3,
    periodMs: 5000,
    children: [{ id: "sqrt", target: squareRoots }],
    onRestart: (event) => currentProcess().send(event),
  });
  await supervisor.start();
  console.log(`worker started as pid ${supervisor.child("sqrt")!.pid}`);

  for (const input of ["16", "2", "-1", "81", "oops", "100"]) {
    supervisor.child("sqrt")!.send(input);
    const answer = await receive<string | RestartEvent>({ timeout: 10_000 });
    if (typeof answer === "string") {
      console.log(answer);
      continue;
    }
    const { reason, pid, restarts } = answer;
    console.log(
      `input ${input}: the worker (pid ${reason.pid}) died of ${reason.error!.name}: ` +
        `${reason.error!.message}; restarted as pid ${pid} (restart ${restarts})`,
    );
  }

  const last = supervisor.child("sqrt")!;
  await supervisor.stop();
  await supervisor.join();
  console.log(`supervisor stopped: the last worker (pid ${last.pid}) exitcode ${last.exitcode}`);
}
