/** Process workloads shared by the deno bench file and the comparison with Python. */
import { Worker } from "node:worker_threads";
import { parentProcess, type Placement, Process, receive, task } from "../mod.ts";

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

/**
 * Milliseconds for one back-to-back spawn, start and join of an empty process, where
 * `placement` says (on an agent, in a NATS context).
 */
export async function spawnJoin(placement?: Placement): Promise<number> {
  const started = performance.now();
  const p = new Process({ target: empty, placement });
  // Both awaited at once: a failed start (an agent gone) is thrown, not left unhandled.
  await Promise.all([p.start(), p.join()]);
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

/** How many processes the "many at once" rows start, as the seeds' lesson does. */
export const MANY = 100;

/** Milliseconds to start `count` empty processes at once, then join them all. */
export async function startJoinMany(count = MANY): Promise<number> {
  const started = performance.now();
  const processes = Array.from({ length: count }, () => new Process({ target: empty }));
  for (const p of processes) p.start();
  for (const p of processes) await p.join();
  return performance.now() - started;
}

/** The two kinds of bare Worker Deno has: the baselines of the spawn rows. */
export type BareKind = "web" | "node";

const BARE_WORKER = new URL("./_bare_worker.ts", import.meta.url);

/** Starts one bare Worker, resolves once it runs; `end()` resolves once its thread has ended. */
function bareWorker(kind: BareKind): Promise<{ end(): Promise<void> }> {
  if (kind === "node") {
    const worker = new Worker(BARE_WORKER);
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    return new Promise((resolve) =>
      worker.once("message", () =>
        resolve({
          end() {
            worker.postMessage("end");
            return exited;
          },
        }))
    );
  }
  const worker = new globalThis.Worker(BARE_WORKER, { type: "module" });
  return new Promise((resolve) => {
    worker.onmessage = () =>
      resolve({
        end() {
          // A web Worker reports no exit: the parent ends it, as it ends its last message.
          worker.terminate();
          return Promise.resolve();
        },
      });
  });
}

/** Milliseconds for one bare Worker started until it runs, then ended: the raw limit. */
export async function bareStartJoin(kind: BareKind): Promise<number> {
  const started = performance.now();
  const worker = await bareWorker(kind);
  await worker.end();
  return performance.now() - started;
}

/** Milliseconds for `count` bare Workers started at once until they all run, then ended. */
export async function bareStartJoinMany(kind: BareKind, count = MANY): Promise<number> {
  const started = performance.now();
  const workers = await Promise.all(Array.from({ length: count }, () => bareWorker(kind)));
  await Promise.all(workers.map((worker) => worker.end()));
  return performance.now() - started;
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
