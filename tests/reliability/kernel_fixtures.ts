/** Targets for tests/reliability/kernel_test.ts, registered so any worker can import them. */
import process from "node:process";
import {
  ActorExitedError,
  type ActorRef,
  type Lock,
  parentProcess,
  Process,
  receive,
  reply,
  spawn,
  task,
  TimeoutError,
} from "../../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Replies to every ask with its message, after `message.delayMs` if it has one. */
export const echo = task(import.meta, async function echo() {
  while (true) {
    const message = await receive<{ delayMs?: number } | string>();
    if (message === "stop") return;
    if (typeof message === "object" && message?.delayMs) await delay(message.delayMs);
    reply(message);
  }
});

/** Sleeps `ms` without receiving anything: its mailbox fills. */
export const stuck = task(import.meta, async function stuck(ms: number) {
  await delay(ms);
});

/** Registered without a name: found by its position among the module's nameless tasks. */
export const anonymousReport = task(import.meta, async (x: number) => {
  await parentProcess()!.send(x * 10);
});

/** A second nameless task of the same module, so positions matter. */
export const anonymousEcho = task(import.meta, async () => {
  reply(await receive());
});

/** Calls `Deno.exit(code)`, inside a `try` that swallows everything when `catchIt`. */
export const denoExit = task(import.meta, async function denoExit(code: number, catchIt: boolean) {
  try {
    Deno.exit(code);
  } catch (error) {
    if (!catchIt) throw error;
  }
  await delay(10_000);
});

/** Calls `process.exit(code)` from `node:process`. */
export const nodeExit = task(import.meta, function nodeExit(code: number) {
  process.exit(code);
});

/** A subclass with a private field: it cannot be rebuilt in a worker. */
export class WithPrivate extends Process {
  #secret = 42;
  override run(): void {
    parentProcess()!.send(this.#secret);
  }
}
task(import.meta, WithPrivate);

/** Computes for `ms` without yielding after its terminate, then sends mail and registers a name. */
export const zombie = task(import.meta, async function zombie(ms: number) {
  await parentProcess()!.send("computing");
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // A pure computation loop: nothing here checks the halt flag.
  }
  await parentProcess()!.send("zombie mail");
});

/** Takes `lock`, mails it back to the parent (a description in flight), then waits to be killed. */
export const holdAndReturn = task(import.meta, async function holdAndReturn(lock: Lock) {
  await lock.acquire();
  await parentProcess()!.send({ lock });
  await delay(60_000);
});

/**
 * Receives `count` messages that each carry a lock, acquires and releases each, then "drop"
 * (the last message received is kept for `reply()`), drops them all, collects garbage (the test
 * runs with `--expose-gc`), then says so and waits for "stop".
 */
export const takeAndDropLocks = task(import.meta, async function takeAndDropLocks(count: number) {
  // In a function of its own, whose frame (and its last lock) is gone once it returns.
  await (async () => {
    for (let i = 0; i < count; i++) {
      const { lock } = await receive<{ lock: Lock }>();
      await lock.acquire();
      lock.release();
    }
  })();
  await receive((m) => m === "drop");
  for (let round = 0; round < 3; round++) {
    (globalThis as unknown as { gc(): void }).gc();
    await delay(20);
  }
  await parentProcess()!.send("dropped");
  await receive((m) => m === "stop");
});

/**
 * A node of the kill-schedule tree: starts `leaves` echo actors, reports their references, then
 * answers asks: `{ to: i, value }` is relayed to leaf `i` as an ask with `timeoutMs` (its outcome
 * is the reply: the leaf's answer, or `{ error: name }`), anything else is echoed.
 */
export const treeNode = task(import.meta, async function treeNode(leaves: number) {
  const children = [];
  for (let i = 0; i < leaves; i++) children.push(await spawn(echo));
  await parentProcess()!.send({ leaves: children.map((child) => child.ref) });
  while (true) {
    const message = await receive<{ to?: number; value: unknown; timeoutMs: number }>();
    if (message.to === undefined) {
      reply(message);
      continue;
    }
    const leaf: ActorRef = children[message.to].ref;
    try {
      reply(await leaf.ask(message.value, { timeout: message.timeoutMs }));
    } catch (error) {
      const known = error instanceof TimeoutError || error instanceof ActorExitedError;
      reply({ error: known ? (error as Error).name : `unexpected ${error}` });
    }
  }
});
