/** Actor-layer workloads for deno bench and bench:compare: ask/reply round trips, deaths. */
import { monitor, receive, reply, spawn, type SpawnOptions, task } from "../mod.ts";

/** Replies to every ask with the message, until it receives `null`. */
export const replier = task(import.meta, async function replier() {
  while (true) {
    const message = await receive();
    if (message === null) return;
    reply(message);
  }
});

/**
 * A started replier (where `options.placement` says) and a function timing `count` asks awaited
 * one at a time.
 */
export async function askEcho(options: SpawnOptions = {}): Promise<{
  roundTrips(count: number): Promise<number>;
  stop(): Promise<void>;
}> {
  const actor = await spawn<number | null, number>(replier, [], options);
  return {
    async roundTrips(count) {
      const started = performance.now();
      for (let i = 0; i < count; i++) await actor.ask(i);
      return performance.now() - started;
    },
    async stop() {
      await actor.send(null);
      await actor.join();
    },
  };
}

/** Ends itself with `Deno.exit(1)` on its first message. */
export const exitOnMessage = task(import.meta, async function exitOnMessage() {
  await receive();
  Deno.exit(1);
});

/**
 * Milliseconds from sending an actor the message on which it calls `Deno.exit(1)` until a
 * monitor on it resolves: one mail hop, the actor's exit and its report to the root.
 */
export async function exitToMonitorMs(): Promise<number> {
  const actor = await spawn(exitOnMessage);
  // The main program is the root: the monitor is in place before the message is sent.
  const down = monitor(actor.ref);
  const started = performance.now();
  await actor.send("exit");
  await down;
  const elapsed = performance.now() - started;
  await actor.join();
  return elapsed;
}
