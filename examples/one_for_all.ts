/**
 * A one-for-all group: a reader, a parser and a writer that only make sense together (as a
 * pipeline sharing state would). When one member crashes, the supervisor terminates the others
 * in reverse start order and starts all three again in order, so the group always restarts
 * from a clean, consistent state. The members it terminated itself (exit code -15) count as
 * no failure: one crash is one restart.
 *
 * Run: deno task example:one_for_all
 */
import { currentProcess, receive, type RestartEvent, Supervisor } from "../mod.ts";

export async function member(): Promise<void> {
  const command = await receive<string>();
  if (command === "crash") throw new Error(`${currentProcess().name} lost its connection`);
}

if (import.meta.main) {
  const supervisor = new Supervisor({
    name: "pipeline",
    strategy: "oneForAll",
    children: ["reader", "parser", "writer"].map((id) => ({ id, target: member })),
    onRestart: (event) => currentProcess().send(event),
  });
  const pids = () =>
    supervisor.whichChildren().map(({ id, process }) => `${id} ${process?.pid}`).join(", ");
  await supervisor.start();
  console.log(`started: ${pids()}`);
  const before = supervisor.whichChildren();

  console.log("the parser crashes...");
  supervisor.child("parser")!.send("crash");
  const { id, reason, restarted } = await receive<RestartEvent>({ timeout: 10_000 });
  console.log(`${id} died of ${reason.error?.message}: restarted ${restarted.join(", ")}`);
  console.log(
    `old processes: ${
      before.map(({ id, process }) => `${id} exitcode ${process!.exitcode}`).join(", ")
    }`,
  );
  console.log(`now: ${pids()}`);

  await supervisor.stop();
  await supervisor.join();
  console.log(
    `stopped: ${supervisor.whichChildren().filter(({ process }) => process).length} running`,
  );
}
