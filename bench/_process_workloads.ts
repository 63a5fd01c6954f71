/** Process workloads shared by the deno bench file and the comparison with Python. */
import { Worker } from "node:worker_threads";
import { parentProcess, Process, receive, task } from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Does nothing: the cost measured is the process's own. */
export const empty = task(import.meta, function empty() {});

/** Echoes every message back to the parent until it receives `null`. */
export const echo = task(import.meta, async function echo() {
  while (true) {
    const message = await receive();
    if (message === null) return;
    parentProcess()!.send(message);
  }
});

/** Milliseconds for one back-to-back spawn, start and join of an empty process. */
export async function spawnJoin(): Promise<number> {
  const started = performance.now();
  const p = new Process({ target: empty });
  p.start();
  await p.join();
  return performance.now() - started;
}

/** Marks the measured span of a workload, as `Deno.BenchContext` does. */
export interface Span {
  start(): void;
  end(): void;
}

/**
 * Milliseconds from `start()` to the target running, after the program was idle a while (so
 * the warm standby worker is ready); `span` marks just that part for deno bench.
 */
export async function startAfterIdle(span?: Span): Promise<number> {
  await delay(150);
  span?.start();
  const started = performance.now();
  const p = new Process({ target: empty });
  await p.start();
  const elapsed = performance.now() - started;
  span?.end();
  await p.join();
  return elapsed;
}

/** A started echo child and a function timing `count` mailbox round trips through it. */
export async function mailboxEcho(): Promise<{
  roundTrips(count: number): Promise<number>;
  stop(): Promise<void>;
}> {
  const child = new Process({ target: echo });
  await child.start();
  return {
    async roundTrips(count) {
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        child.send(i);
        await receive();
      }
      return performance.now() - started;
    },
    async stop() {
      child.send(null);
      await child.join();
    },
  };
}

/** The same echo over a bare Worker's postMessage: the baseline. */
export function rawEcho(): {
  roundTrips(count: number): Promise<number>;
  stop(): Promise<number>;
} {
  const worker = new Worker(new URL("./_raw_echo_worker.ts", import.meta.url));
  let answer = Promise.withResolvers<unknown>();
  worker.on("message", (message) => answer.resolve(message));
  return {
    async roundTrips(count) {
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        answer = Promise.withResolvers();
        worker.postMessage(i);
        await answer.promise;
      }
      return performance.now() - started;
    },
    stop: () => worker.terminate(),
  };
}
