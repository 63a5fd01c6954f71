/** Targets for the manager reliability suite, registered so any worker can import them. */
import { type DictProxy, type ListProxy, type LockProxy, self, task } from "../../mod.ts";
import { describeHandle } from "../../actors/_kernel/handles.ts";
import { encodeFrame } from "../../actors/manager/_wire/messages.ts";
import { CONNECT_REQUEST } from "../../actors/manager/_wire/protocol.ts";
import { type ActorHandle, askSystem } from "../../actors/_kernel/actor_handle.ts";
import {
  BELL,
  type Channel,
  MANAGER_SLEEPING,
  newChannel,
} from "../../actors/manager/_wire/session_ring.ts";
import type { LocalEndpoint, ManagerEndpoint } from "../../actors/manager/_client/link.ts";
import {
  COUNTER,
  JOURNAL_COUNTER,
  JOURNAL_POSITION,
  JOURNAL_VALID,
  MUTEX,
  POSITION,
  PUT_SIDE,
  Ring,
  type RingState,
} from "../../actors/_shm/ring.ts";
import { BYTES } from "../../actors/_shm/codec.ts";
import { FRAME_HEADER } from "../../actors/_shm/frames.ts";

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
export const RAW_WRITTEN = 2;
export const PROXY_WRITTEN = 3;

/** The payload of a request frame, as a proxy makes it. */
function request(
  type: "call" | "cast",
  id: number,
  object: number,
  method: string,
  args: unknown[],
): Uint8Array {
  return encodeFrame({ type, id, object, method, args }, 1 << 20, "write a request by hand")
    .subarray(FRAME_HEADER);
}

/**
 * Puts a record into a fresh ring (no wrap) by hand, laid out as `Ring.tryPut` lays it out (an
 * 8-byte header, 8-aligned), but without its mutex and the halt check a zombie stops at.
 */
function putByHand(state: RingState, payload: Uint8Array): void {
  const words = state.words;
  const tail = words[PUT_SIDE + POSITION];
  const at = tail & (new Ring(state).capacity - 1);
  new DataView(state.buffer).setInt32(at, payload.length);
  new Uint8Array(state.buffer)[at + 4] = BYTES;
  new Uint8Array(state.buffer).set(payload, at + 8);
  Atomics.store(words, PUT_SIDE + COUNTER, words[PUT_SIDE + COUNTER] + 1);
  Atomics.store(words, PUT_SIDE + POSITION, tail + ((8 + payload.length + 7) & -8));
}

/** Writes one `set` request into `channel` by hand, bypassing the client side, and rings. */
function writeSet(channel: Channel, hub: Int32Array, object: number, key: string, id: number) {
  putByHand(channel.requests, request("cast", id, object, "set", [key, id]));
  Atomics.add(hub, BELL, 1);
  if (Atomics.load(hub, MANAGER_SLEEPING) !== 0) Atomics.notify(hub, BELL);
}

/** Hands `channel` to the manager, as a client link does. */
async function connectChannel(local: LocalEndpoint, channel: Channel): Promise<void> {
  const answer = await (local.manager as ActorHandle)[askSystem](CONNECT_REQUEST, {
    channel,
    client: self(),
  });
  if (answer !== true) throw new Error(`the manager refused the channel: ${answer}`);
}

/**
 * A client that is reaped while stuck in synchronous code, and then tries to change the
 * manager's state. It opens a channel of its own by hand (besides its proxies' one) and sets
 * `raw before` through it, takes the lock, says so in `progress`, and spins for `busyMs`: long
 * enough to be reaped (terminate() gives a stuck actor a grace period, then reaps it, and the
 * manager releases what it held). Then, as a zombie, it writes `raw after` into its own channel,
 * bypassing every check of the client side (the manager must ignore a session it ended), and
 * sets `proxy after` through its proxy (which must halt it before anything is written).
 */
export const zombieWrites = task(
  import.meta,
  async function zombieWrites(
    d: DictProxy<string, number>,
    lock: LockProxy,
    progress: Int32Array,
    busyMs: number,
  ) {
    const { endpoint, ref } = describe(d);
    const hubWords = new Int32Array(endpoint.local!.hub);
    const channel = newChannel(endpoint.maxFrameBytes);
    await connectChannel(endpoint.local!, channel);
    writeSet(channel, hubWords, ref.object, "raw before", 1);
    await lock.acquire();
    await d.flush();
    Atomics.store(progress, 0, HOLDING);
    Atomics.notify(progress, 0);
    const end = performance.now() + busyMs;
    while (performance.now() < end) {
      // Stuck: terminate() cannot interrupt this.
    }
    writeSet(channel, hubWords, ref.object, "raw after", 2);
    Atomics.store(progress, 0, RAW_WRITTEN);
    Atomics.notify(progress, 0);
    void d.set("proxy after", 3);
    void lock.release();
    Atomics.store(progress, 0, PROXY_WRITTEN);
    Atomics.notify(progress, 0);
  },
);

/** The manager's endpoint and the object a proxy stands for. */
function describe(proxy: DictProxy<string, number> | LockProxy) {
  return proxy[describeHandle]().data as { endpoint: ManagerEndpoint; ref: { object: number } };
}

/**
 * Where {@linkcode dieInsidePuts} dies inside its last put on each of its channels, among the
 * stores `Ring.tryPut` makes once it has copied the record: before its journal is valid (the
 * request is dropped), right after (finished by the repair), and once its counter is applied
 * but not its position (a take finds nothing yet, though the ring counts a record).
 */
export const PUT_DEATHS = ["copied", "journaled", "counted"] as const;

/**
 * A client that dies inside a put on each of several channels of its own. On channel `i` it
 * puts, whole, a call that acquires `locks[i]` and a `set` of `<death> whole`, then leaves the
 * ring as a put of `set <death> last` that died at `PUT_DEATHS[i]` would: holding the put
 * mutex, its record copied. It hands the channels over only then (so the manager never sees
 * the put in progress), says so in `progress[0]`, and waits to be killed.
 */
export const dieInsidePuts = task(
  import.meta,
  async function dieInsidePuts(
    d: DictProxy<string, number>,
    locks: LockProxy[],
    progress: Int32Array,
  ) {
    const { endpoint, ref } = describe(d);
    for (const [index, death] of PUT_DEATHS.entries()) {
      const channel = newChannel(endpoint.maxFrameBytes);
      const ring = new Ring(channel.requests);
      const put = (payload: Uint8Array) => ring.tryPut(BYTES, payload, payload.length, false);
      put(request("call", 1, describe(locks[index]).ref.object, "acquire", []));
      put(request("cast", 2, ref.object, "set", [`${death} whole`, 1]));
      const words = channel.requests.words;
      const before = [words[PUT_SIDE + POSITION], words[PUT_SIDE + COUNTER]];
      put(request("cast", 3, ref.object, "set", [`${death} last`, 1]));
      const after = [words[PUT_SIDE + POSITION], words[PUT_SIDE + COUNTER]];
      [words[PUT_SIDE + POSITION], words[PUT_SIDE + COUNTER]] = before;
      words[PUT_SIDE + MUTEX] = self().pid;
      [words[PUT_SIDE + JOURNAL_POSITION], words[PUT_SIDE + JOURNAL_COUNTER]] = after;
      if (death !== "copied") words[PUT_SIDE + JOURNAL_VALID] = 1;
      if (death === "counted") words[PUT_SIDE + COUNTER] = after[1];
      await connectChannel(endpoint.local!, channel);
    }
    Atomics.store(progress, 0, 1);
    Atomics.notify(progress, 0);
    await new Promise(() => setInterval(() => {}, 1000));
  },
);
