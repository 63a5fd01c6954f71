/** Targets for the channel reliability suite, registered so any worker can import them. */
import {
  type Connection,
  EOFError,
  type JoinableQueue,
  parentProcess,
  type Queue,
  type SharedArray,
  ShutDown,
  task,
  TaskDoneError,
} from "../../mod.ts";

/**
 * Item `i` of producer `p` is `p * count + i`: the value says who put it and in which order.
 * After each put returns, `progress[p]` says how many of them are surely in the channel.
 */
export const produceNumbered = task(
  import.meta,
  function produceNumbered(
    q: Queue<number>,
    producer: number,
    count: number,
    progress: SharedArray<"i32">,
  ) {
    for (let i = 0; i < count; i++) {
      q.putSync(producer * count + i);
      progress.set(producer, i + 1);
    }
  },
);

/** The same over a pipe end, which it closes when done. */
export const sendNumbered = task(
  import.meta,
  function sendNumbered(
    end: Connection<number>,
    producer: number,
    count: number,
    progress: SharedArray<"i32">,
  ) {
    for (let i = 0; i < count; i++) {
      end.send(producer * count + i);
      progress.set(producer, i + 1);
    }
    end.close();
  },
);

/** Counts one receipt of `item` in `seen`; counts in `disorder[0]` an item out of order. */
function record(
  item: number,
  count: number,
  last: Map<number, number>,
  seen: SharedArray<"i32">,
  disorder: SharedArray<"i32">,
): void {
  seen.add(item, 1);
  const producer = Math.floor(item / count);
  if (item <= (last.get(producer) ?? -1)) disorder.add(0, 1);
  last.set(producer, item);
}

/** Takes numbered items until the queue is shut down and drained, recording each. */
export const consumeNumbered = task(
  import.meta,
  function consumeNumbered(
    q: Queue<number>,
    count: number,
    seen: SharedArray<"i32">,
    disorder: SharedArray<"i32">,
  ) {
    const last = new Map<number, number>();
    while (true) {
      let item: number;
      try {
        item = q.getSync();
      } catch (error) {
        if (error instanceof ShutDown) return;
        throw error;
      }
      record(item, count, last, seen, disorder);
    }
  },
);

/** Receives numbered items until EOF, recording each. */
export const receiveNumbered = task(
  import.meta,
  function receiveNumbered(
    end: Connection<number>,
    count: number,
    seen: SharedArray<"i32">,
    disorder: SharedArray<"i32">,
  ) {
    const last = new Map<number, number>();
    while (true) {
      let item: number;
      try {
        item = end.recvSync();
      } catch (error) {
        if (error instanceof EOFError) return;
        throw error;
      }
      record(item, count, last, seen, disorder);
    }
  },
);

/** Puts `count` numbers and a `null` sentinel, none awaited, then returns at once. */
export const putUnawaited = task(
  import.meta,
  function putUnawaited(q: Queue<number | null>, count: number, cancelJoin: boolean) {
    if (cancelJoin) q.cancelJoinThread();
    for (let i = 0; i < count; i++) q.put(i);
    q.put(null);
  },
);

/** Python's habit: puts its items (awaited), then closes its own handle of the queue. */
export const putThenClose = task(
  import.meta,
  async function putThenClose(q: Queue<string | null>, name: string, count: number, ms: number) {
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      await q.put(`${name}-${i}`);
    }
    q.close();
    let refused = "";
    await q.put("after close").catch((error) => refused = error.name);
    parentProcess()!.send(refused);
  },
);

/** Puts `count` numbers without awaiting, then the sentinel with `putSync`, which waits behind them. */
export const putThenPutSync = task(
  import.meta,
  function putThenPutSync(q: Queue<number | null>, count: number) {
    for (let i = 0; i < count; i++) q.put(i);
    q.putSync(null);
  },
);

/** Reports every item up to the `null` sentinel. */
export const collectUntilNull = task(
  import.meta,
  async function collectUntilNull(q: Queue<unknown>) {
    const items: unknown[] = [];
    for (let item = await q.get(); item !== null; item = await q.get()) items.push(item);
    parentProcess()!.send(items);
  },
);

/** Reports every item until `for await` ends, at the queue's shutdown. */
export const iterateAll = task(import.meta, async function iterateAll(q: Queue<unknown>) {
  const items: unknown[] = [];
  for await (const item of q) items.push(item);
  parentProcess()!.send(items);
});

/** Takes items one at a time, with a pause, until the queue is shut down; reports them. */
export const slowCollect = task(
  import.meta,
  async function slowCollect(q: Queue<unknown>, ms: number) {
    const items: unknown[] = [];
    try {
      while (true) {
        items.push(await q.get());
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
    } catch (error) {
      if (!(error instanceof ShutDown)) throw error;
    }
    parentProcess()!.send(items);
  },
);

/**
 * A busy loop (never yielding) calling `taskDone()` once a millisecond: after it is killed, its
 * thread may run on, and must change nothing.
 */
export const busyTaskDone = task(import.meta, function busyTaskDone(q: JoinableQueue<number>) {
  parentProcess()!.send("busy");
  while (true) {
    try {
      q.taskDone();
    } catch (error) {
      if (!(error instanceof TaskDoneError)) throw error; // nothing unfinished now
    }
    const until = performance.now() + 1;
    while (performance.now() < until) { /* busy */ }
  }
});
