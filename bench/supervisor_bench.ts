/**
 * deno bench for the supervisor: the time from a child's crash to its replacement running
 * again (exit noticed, restart counted, new process started) against a fresh
 * `new Process(...).start()` to running, the baseline. Target: a restart costs less than twice
 * a fresh spawn.
 *
 * Two groups: after idle time (the child ran a while before it crashed, the usual case, and
 * the runtime's standby worker is ready), and back to back (a child that crashes as soon as
 * it was restarted, while the next standby worker is still booting).
 *
 * Run: deno task bench (its `--no-check` matters here: deno bench type-checks the module of
 * every Worker it creates, and its memory grows by about 100 MB per restart otherwise)
 */
import { Process, receive, type RestartEvent, Supervisor, task } from "../mod.ts";

const IDLE_MS = 150;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for mail and crashes on it; a fresh process just waits to be terminated. */
export const crashOnMail = task(import.meta, async function crashOnMail() {
  await receive();
  throw new Error("crash requested by the bench");
});

let restarted = Promise.withResolvers<RestartEvent>();
// Started by the first run, not at import: the children's workers import this module too.
let supervisor: Supervisor | undefined;

async function supervised(): Promise<Supervisor> {
  if (supervisor === undefined) {
    supervisor = new Supervisor({
      name: "bench",
      maxRestarts: Infinity,
      children: [{ id: "child", target: crashOnMail }],
      onRestart: (event) => restarted.resolve(event),
    });
    await supervisor.start();
  }
  return supervisor;
}

/** Milliseconds from `new Process(...)` to its target running, marked for deno bench. */
async function freshSpawn(context: Deno.BenchContext, idleMs: number): Promise<void> {
  await supervised(); // the first worker of the program pays for compiling: not measured
  await delay(idleMs);
  const p = new Process({ target: crashOnMail });
  context.start();
  await p.start();
  context.end();
  await p.terminate();
}

/** Milliseconds from a crash to the restarted child running, marked for deno bench. */
async function restart(context: Deno.BenchContext, idleMs: number): Promise<void> {
  const child = (await supervised()).child("child")!;
  await delay(idleMs);
  restarted = Promise.withResolvers<RestartEvent>();
  context.start();
  child.send("crash");
  await restarted.promise;
  context.end();
}

Deno.bench({
  name: "fresh new Process(...).start() to running",
  group: "after idle time",
  baseline: true,
  warmup: 5,
  n: 30,
  async fn(context) {
    await freshSpawn(context, IDLE_MS);
  },
});

Deno.bench({
  name: "supervisor: crash to restarted child running",
  group: "after idle time",
  warmup: 5,
  n: 30,
  async fn(context) {
    await restart(context, IDLE_MS);
  },
});

Deno.bench({
  name: "fresh new Process(...).start() to running, back to back",
  group: "back to back",
  baseline: true,
  warmup: 5,
  n: 30,
  async fn(context) {
    await freshSpawn(context, 0);
  },
});

Deno.bench({
  name: "supervisor: crash to restarted child running, back to back",
  group: "back to back",
  warmup: 5,
  n: 30,
  async fn(context) {
    await restart(context, 0);
  },
});

globalThis.addEventListener("unload", () => {
  void supervisor?.stop();
});
