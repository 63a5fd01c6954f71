/** Targets for the manager reliability suite, registered so any worker can import them. */
import {
  type DictProxy,
  type ListProxy,
  type LockProxy,
  parentProcess,
  self,
  task,
} from "../../mod.ts";
import { describeHandle } from "../../actors/_kernel/handles.ts";
import { encodeFrame } from "../../actors/manager/_wire/messages.ts";
import { CONNECT_REQUEST } from "../../actors/manager/_wire/protocol.ts";
import { type ActorHandle, askSystem } from "../../actors/_kernel/actor_handle.ts";
import {
  BELL,
  type Channel,
  MANAGER_SLEEPING,
  newChannel,
  RingFrameWriter,
} from "../../actors/manager/_wire/session_ring.ts";
import type { LocalEndpoint } from "../../actors/manager/_client/link.ts";

/** Slots of the word array the counting targets report through. */
export const ACKED = 0;

/**
 * Increments `counts[key]` until it is killed, storing each value the manager acknowledged in
 * `acked[slot]` (raw shared memory, which the test reads after the kill).
 */
export const countUntilKilled = task(
  import.meta,
  async function countUntilKilled(
    counts: DictProxy<string, number>,
    key: string,
    acked: Int32Array,
    slot: number,
  ) {
    while (true) Atomics.store(acked, slot, await counts.increment(key));
  },
);

/** The same under the managed lock, held across the increment: killed holding it, often. */
export const countUnderLockUntilKilled = task(
  import.meta,
  async function countUnderLockUntilKilled(
    counts: DictProxy<string, number>,
    lock: LockProxy,
    key: string,
    acked: Int32Array,
    slot: number,
  ) {
    while (true) {
      await lock.acquire();
      Atomics.store(acked, slot, await counts.increment(key));
      await lock.release();
    }
  },
);

/** Extends the list with triples of one value, without waiting for answers, until killed. */
export const extendTriplesUntilKilled = task(
  import.meta,
  async function extendTriplesUntilKilled(list: ListProxy<number>, base: number) {
    for (let i = base;; i++) {
      void list.extend([i, i, i]);
      if (i % 64 === 0) await list.flush();
    }
  },
);

/** What {@linkcode zombieWrites} has done, in `progress[0]`. */
export const HOLDING = 1;
export const OUT_OF_LOOP = 2;
export const RAW_WRITTEN = 3;
export const PROXY_WRITTEN = 4;

/** Writes one `set` request into `channel` by hand, as a client link would, and rings. */
export function writeSet(
  channel: Channel,
  hub: Int32Array,
  object: number,
  key: string,
  id: number,
): void {
  const frame = encodeFrame(
    { type: "cast", id, object, method: "set", args: [key, id] },
    1 << 20,
    "write a request by hand",
  );
  const ring = new RingFrameWriter(channel.requests);
  ring.write(frame);
  ring.publish();
  if (ring.pending) throw new Error("the request ring had no room for one request");
  Atomics.add(hub, BELL, 1);
  if (Atomics.load(hub, MANAGER_SLEEPING) !== 0) Atomics.notify(hub, BELL);
}

/**
 * A client that is reaped while stuck in synchronous code, and then tries to change the
 * manager's state. It opens a channel of its own by hand (besides its proxies' one), mails it
 * to its parent, sets `raw before` through it, takes the lock, says so in `progress`, and spins
 * for `busyMs`: long enough to be reaped (terminate() gives a stuck actor a grace period, then
 * reaps it, and the manager releases what it held). Then, as a zombie, it writes `raw after`
 * into its own channel by hand, and sets `proxy after` through its proxy: the ring halts it at
 * the first, before anything is written. (Its parent then writes into the channel for it, to see
 * that the manager ignores a session it ended.)
 */
export const zombieWrites = task(
  import.meta,
  async function zombieWrites(
    d: DictProxy<string, number>,
    lock: LockProxy,
    progress: Int32Array,
    busyMs: number,
  ) {
    const { endpoint, ref } = d[describeHandle]().data as {
      endpoint: { local: LocalEndpoint };
      ref: { object: number };
    };
    const { hub, manager } = endpoint.local;
    const hubWords = new Int32Array(hub);
    const channel = newChannel();
    const answer = await (manager as ActorHandle)[askSystem](CONNECT_REQUEST, {
      channel,
      client: self(),
    });
    if (answer !== true) throw new Error(`the manager refused the channel: ${answer}`);
    parentProcess()!.send({ channel, hub, object: ref.object });
    writeSet(channel, hubWords, ref.object, "raw before", 1);
    await lock.acquire();
    await d.flush();
    Atomics.store(progress, 0, HOLDING);
    Atomics.notify(progress, 0);
    const end = performance.now() + busyMs;
    while (performance.now() < end) {
      // Stuck: terminate() cannot interrupt this.
    }
    Atomics.store(progress, 0, OUT_OF_LOOP);
    Atomics.notify(progress, 0);
    writeSet(channel, hubWords, ref.object, "raw after", 2);
    Atomics.store(progress, 0, RAW_WRITTEN);
    Atomics.notify(progress, 0);
    void d.set("proxy after", 3);
    void lock.release();
    Atomics.store(progress, 0, PROXY_WRITTEN);
    Atomics.notify(progress, 0);
  },
);
