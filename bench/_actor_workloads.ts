/** Actor-layer workloads for deno bench: ask/reply round trips. */
import { receive, reply, spawn, task } from "../mod.ts";

/** Replies to every ask with the message, until it receives `null`. */
export const replier = task(import.meta, async function replier() {
  while (true) {
    const message = await receive();
    if (message === null) return;
    reply(message);
  }
});

/** A started replier and a function timing `count` asks awaited one at a time. */
export async function askEcho(): Promise<{
  roundTrips(count: number): Promise<number>;
  stop(): Promise<void>;
}> {
  const actor = await spawn<number | null, number>(replier);
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
