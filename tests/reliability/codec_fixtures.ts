/**
 * Targets for the codec property test (`codec_test.ts`). Every actor draws the same values from
 * the same seed, so the receiving side of each carrier checks what arrived against
 * `structuredClone` of what was sent, and answers with its own drawing for the other direction.
 */
import { CloneError, type Connection, type Lock, Queue, receive, reply, task } from "../../mod.ts";
import { Random } from "./_random.ts";
import { cloneDifference, randomValue } from "./_values.ts";

/** The `count` values drawn from `seed`: the same in every actor. */
export function drawValues(seed: number, count: number): unknown[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => randomValue(random));
}

/** The differences between `received` and structured clones of the values drawn from `seed`. */
export function differences(carrier: string, seed: number, received: unknown[]): string[] {
  const expected = drawValues(seed, received.length);
  const found: string[] = [];
  received.forEach((value, index) => {
    const difference = cloneDifference(structuredClone(expected[index]), value);
    if (difference !== undefined) found.push(`${carrier}, value ${index}: ${difference}`);
  });
  return found;
}

/**
 * Receives `count` values on each carrier in turn (its arguments, the queue `items`, the pipe
 * `end`, its mailbox by `send`, then by `ask`), checks them, and answers each carrier that has a
 * way back with its own drawing: on `back`, on the pipe, and as replies. Reports the differences
 * it found on `report`.
 */
export const checkCarriers = task(
  import.meta,
  async function checkCarriers(
    seed: number,
    count: number,
    args: unknown[],
    items: Queue<unknown>,
    back: Queue<unknown>,
    end: Connection<unknown>,
    report: Queue<string[]>,
  ) {
    const found = differences("Process args", seed, args);
    const own = drawValues(seed, count);
    const fromQueue = [];
    for (let i = 0; i < count; i++) fromQueue.push(await items.get());
    found.push(...differences("Queue, parent to child", seed, fromQueue));
    for (const value of own) await back.put(value);
    const fromPipe = [];
    for (let i = 0; i < count; i++) fromPipe.push(await end.recv());
    found.push(...differences("Pipe, parent to child", seed, fromPipe));
    for (const value of own) end.send(value);
    const mail = [];
    for (let i = 0; i < count; i++) mail.push(await receive());
    found.push(...differences("ActorRef.send", seed, mail));
    const asked = [];
    for (let i = 0; i < count; i++) {
      asked.push(await receive());
      reply(own[i]);
    }
    found.push(...differences("ask", seed, asked));
    await report.put(found);
  },
);

const drawn = new Map<number, unknown[]>();

/**
 * A pool task: checks `value` against the `index`-th value drawn from `seed`, and returns the
 * difference (if any) with its own drawing of that value, for the way back.
 */
export const checkPooled = task(
  import.meta,
  function checkPooled(seed: number, count: number, index: number, value: unknown) {
    let values = drawn.get(seed);
    if (values === undefined) drawn.set(seed, values = drawValues(seed, count));
    return {
      difference: cloneDifference(structuredClone(values[index]), value),
      value: values[index],
    };
  },
);

/** What {@linkcode useHandles} receives: handles in a Map (key and value), a Set and a cycle. */
export interface HandleNest {
  byName: Map<string, Queue<string>>;
  byHandle: Map<Queue<string>, string>;
  locks: Set<Lock>;
  again: Queue<string>[];
  self?: HandleNest;
}

/**
 * Uses the handles in `nest` and reports on them: whether each is a live handle, whether the
 * same handle is one object wherever it appears, and whether the cycle is kept.
 */
export async function reportOnNest(nest: HandleNest): Promise<void> {
  const queue = nest.byName.get("q")!;
  const [keyed] = nest.byHandle.keys();
  const [lock] = nest.locks;
  const locked = await lock.acquire({ timeout: 5000 });
  lock.release();
  await queue.put(JSON.stringify({
    queue: queue instanceof Queue,
    keyIsQueue: keyed instanceof Queue,
    sameHandle: queue === keyed && queue === nest.again[0],
    keyValue: nest.byHandle.get(queue),
    locked,
    tag: (nest.again as unknown as { tag?: string }).tag,
    cycle: nest.self === nest,
  }));
}

/** Receives a nest of handles as an argument, then in a message, and reports on each. */
export const useHandles = task(
  import.meta,
  async function useHandles(nest: HandleNest) {
    await reportOnNest(nest);
    await reportOnNest(await receive<HandleNest>());
  },
);

/** A pool task reporting on a nest of handles. */
export const useHandlesPooled = task(
  import.meta,
  async function useHandlesPooled(nest: HandleNest) {
    await reportOnNest(nest);
    return "done";
  },
);

class Point {
  constructor(readonly x: number) {}
}

/** Takes one ask, tries to reply with a class instance, and replies with the error instead. */
export const replyWithInstance = task(import.meta, async function replyWithInstance() {
  await receive();
  try {
    reply({ at: [new Point(1)] });
  } catch (error) {
    reply(error instanceof CloneError ? error.message : `not a CloneError: ${error}`);
  }
});
