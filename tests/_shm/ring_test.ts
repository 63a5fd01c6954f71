/**
 * The shared-memory ring on one thread: order, wraparound, growth, bounds, shutdown, and the
 * journal that lets `repair` finish or undo the operation of a holder killed mid-way.
 *
 * A killed holder is simulated by writing the ring's words as it would have written them before
 * dying: the test performs the operation for real to learn its outcome, rewinds the side's words
 * to the state before it, then replays the holder's stores (mutex, journal, apply) up to the
 * point of death.
 */
import assert from "node:assert/strict";
import { NOTHING, Ring, RING_LAYOUT } from "../../actors/_shm/ring.ts";
import { isRingState, newRing } from "../../actors/_shm/ring_memory.ts";
import { BYTES, encode } from "../../actors/_shm/codec.ts";
import { configureThread } from "../../actors/_shm/thread.ts";
import { scale, withSeed } from "../reliability/_random.ts";

const {
  CAPACITY,
  COUNTER,
  DISCARDED,
  JOURNAL_COUNTER,
  JOURNAL_DISCARDED,
  JOURNAL_POSITION,
  JOURNAL_VALID,
  MUTEX,
  POSITION,
  PUT_SIDE,
  SHUT_DOWN_IMMEDIATELY,
  STATE,
  TAKE_SIDE,
} = RING_LAYOUT;

/** The pid of the holder that dies; the test thread itself is pid 1. */
const DEAD = 4242;
const isDead = (pid: number) => pid === DEAD;

function ringOf(initialBytes: number, maxBytes = initialBytes, maxsize = 0): Ring {
  return new Ring(newRing({ initialBytes, maxBytes }, maxsize));
}

/** A bytes item whose record is `recordBytes` long (8 of header, then the payload). */
function item(id: number, recordBytes = 24): Uint8Array {
  return new Uint8Array(recordBytes - 8).fill(id);
}

function put(ring: Ring, value: Uint8Array, grow = true): boolean {
  return ring.tryPut(BYTES, value, value.length, grow);
}

function drain(ring: Ring): unknown[] {
  const taken: unknown[] = [];
  while (true) {
    const value = ring.tryTake();
    if (value === NOTHING) return taken;
    taken.push(value);
  }
}

Deno.test("ring: items come out in the order they went in; count and unfinished follow", () => {
  const ring = ringOf(1024);
  const values = ["first", 2, { third: [3] }, null, "fifth"];
  for (const value of values) {
    const { tag, bytes, length } = encode(value, "put on queue");
    assert.equal(ring.tryPut(tag, bytes, length), true);
  }
  assert.equal(ring.count, 5);
  assert.equal(ring.unfinished, 5);
  assert.equal(ring.tryTake(), "first");
  assert.equal(ring.count, 4);
  assert.deepEqual(drain(ring), values.slice(1));
  assert.equal(ring.count, 0);
  assert.equal(ring.tryTake(), NOTHING);
  assert.equal(ring.peekTag(), undefined);
  assert.equal(ring.unfinished, 5, "taking does not finish a task");
  for (let done = 4; done >= 0; done--) {
    assert.equal(ring.taskDone(), true);
    assert.equal(ring.unfinished, done);
  }
  assert.equal(ring.taskDone(), false, "no task left to mark done");
  assert.equal(ring.unfinished, 0);
});

Deno.test("ring: tryTake with accept leaves a record of another tag; into receives bytes", () => {
  const ring = ringOf(1024);
  const { tag, bytes, length } = encode("text", "put on queue");
  ring.tryPut(tag, bytes, length);
  put(ring, new Uint8Array([1, 2, 3]));
  put(ring, new Uint8Array([4, 5, 6, 7, 8]));
  assert.equal(ring.peekTag(), tag);
  assert.equal(ring.tryTake(BYTES), NOTHING);
  assert.equal(ring.count, 3);
  assert.equal(ring.tryTake(tag), "text");
  assert.equal(ring.peekTag(), BYTES);
  const into = new Uint8Array(4);
  assert.equal(ring.tryTake(BYTES, into), 3);
  assert.deepEqual(into, new Uint8Array([1, 2, 3, 0]));
  // Longer than `into`: still taken, as a copy.
  assert.deepEqual(ring.tryTake(BYTES, into), new Uint8Array([4, 5, 6, 7, 8]));
  assert.equal(ring.count, 0);
});

Deno.test("ring: a full ring of fixed size refuses a put; a record that would cross the end wraps", () => {
  // 64 bytes hold two 24-byte records; the third does not fit.
  const ring = ringOf(64);
  assert.equal(put(ring, item(1)), true);
  assert.equal(put(ring, item(2)), true);
  assert.equal(put(ring, item(3)), false);
  assert.equal(ring.count, 2);
  assert.deepEqual(ring.tryTake(), item(1));
  // The record at offset 48 would end at 72: a padding takes bytes 48..63, the record 0..23.
  assert.equal(put(ring, item(3)), true);
  assert.equal(put(ring, item(4)), false, "bytes 24..47 hold item 2");
  assert.deepEqual(ring.tryTake(), item(2));
  assert.equal(ring.peekTag(), BYTES, "the padding is not a record");
  assert.deepEqual(ring.tryTake(), item(3));
  assert.equal(ring.count, 0);
  assert.equal(ring.capacity, 64);
  // Many more laps with mixed sizes, every one in order.
  for (let lap = 0; lap < 200; lap++) {
    const size = 8 + 8 * (lap % 4);
    assert.equal(put(ring, item(lap % 256, size)), true, `lap ${lap}`);
    assert.deepEqual(ring.tryTake(), item(lap % 256, size), `lap ${lap}`);
  }
  assert.equal(ring.capacity, 64);
});

Deno.test("ring: growth doubles the buffer up to maxBytes, keeping records that wrapped", () => {
  const ring = ringOf(64, 256);
  assert.equal(ring.maxBytes, 256);
  put(ring, item(1));
  put(ring, item(2));
  ring.tryTake();
  put(ring, item(3)); // wraps: its bytes are at the start of the buffer, item 2's in the middle
  assert.equal(ring.capacity, 64);
  assert.equal(put(ring, item(4), false), false, "grow: false only fails a small record");
  assert.equal(ring.capacity, 64);
  assert.equal(put(ring, item(4)), true);
  assert.equal(ring.capacity, 128);
  assert.equal(ring.atLargest, false);
  const ids = [2, 3, 4];
  for (let id = 5; put(ring, item(id)); id++) ids.push(id);
  assert.equal(ring.capacity, 256);
  assert.equal(ring.atLargest, true);
  // Nine records and three paddings (16, 16 and 8 bytes, at the ends of the 64, 128 and 256
  // byte layouts) fill the 256 bytes.
  assert.deepEqual(ids, [2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(drain(ring), ids.map((id) => item(id)));
  // Half the largest buffer is the largest record.
  assert.equal(ring.tooLarge(128 - 8), false);
  assert.equal(ring.tooLarge(128 - 7), true);
  assert.equal(put(ring, item(9, 128)), true);
  assert.deepEqual(ring.tryTake(), item(9, 128));
});

Deno.test("ring: a record larger than half the buffer grows it even with grow: false", () => {
  const ring = ringOf(64, 512);
  put(ring, item(1));
  assert.equal(put(ring, item(7, 48), false), true, "48 bytes never fit beside a padding in 64");
  assert.equal(ring.capacity, 128);
  assert.deepEqual(drain(ring), [item(1), item(7, 48)]);
});

Deno.test("ring: random puts and takes across wraps and growths come out in order", async () => {
  await withSeed(1205, (random) => {
    const ring = ringOf(64, 4096);
    const model: Uint8Array[] = [];
    let next = 0;
    const steps = Math.round(5000 * scale());
    for (let step = 0; step < steps; step++) {
      if (random.chance(0.55)) {
        const value = new Uint8Array(random.int(0, 200)).fill(next++ % 256);
        if (put(ring, value)) model.push(value);
        else assert.equal(ring.atLargest, true, `step ${step}: a put failed before the largest`);
      } else {
        const expected = model.shift() ?? NOTHING;
        assert.deepEqual(ring.tryTake(), expected, `step ${step}`);
      }
      assert.equal(ring.count, model.length, `step ${step}`);
      assert.ok(ring.capacity <= 4096 && (ring.capacity & (ring.capacity - 1)) === 0);
    }
    assert.deepEqual(drain(ring), model);
  });
});

Deno.test("ring: tryTakeRaw hands the record where it lies; a read that throws leaves it", () => {
  const ring = ringOf(64);
  assert.equal(put(ring, item(7)), true);
  assert.equal(put(ring, item(8)), true);
  assert.throws(
    () =>
      ring.tryTakeRaw(() => {
        throw new RangeError("refused");
      }),
    RangeError,
  );
  assert.equal(ring.count, 2, "the refused record is still there");
  const seen: [number, number[]][] = [];
  const read = (tag: number, bytes: Uint8Array, from: number, to: number) => {
    assert.ok(bytes.buffer instanceof SharedArrayBuffer, "in place, not a copy");
    seen.push([tag, [...bytes.subarray(from, to)]]);
  };
  assert.equal(ring.tryTakeRaw(read), true);
  assert.equal(ring.tryTakeRaw(read), true);
  assert.equal(ring.tryTakeRaw(read), false, "an empty ring hands nothing");
  assert.deepEqual(seen, [[BYTES, [...item(7)]], [BYTES, [...item(8)]]]);
  // A record past a padding is found too.
  assert.equal(put(ring, item(9)), true);
  assert.equal(put(ring, item(10)), true);
  assert.equal(ring.tryTakeRaw(read), true);
  assert.equal(put(ring, item(11)), true, "wraps behind a padding");
  assert.equal(ring.tryTakeRaw(read), true);
  assert.equal(ring.tryTakeRaw(read), true);
  assert.deepEqual(seen.slice(2).map(([, bytes]) => bytes[0]), [9, 10, 11]);
});

Deno.test("ring: a one-to-one ring keeps order across wraps with no mutex or journal, batching its puts", async () => {
  assert.throws(() => newRing({ initialBytes: 64, maxBytes: 128 }, 0, true), RangeError);
  const ring = new Ring(newRing({ initialBytes: 256, maxBytes: 256 }, 0, true));
  const { words } = ring.state;
  await withSeed(1208, (random) => {
    const model: Uint8Array[] = [];
    const unpublished: Uint8Array[] = [];
    const steps = Math.round(4000 * scale());
    for (let step = 0; step < steps; step++) {
      if (random.chance(0.55)) {
        const value = new Uint8Array(random.int(0, 100)).fill(step % 256);
        if (put(ring, value)) unpublished.push(value);
        if (random.chance(0.5)) {
          assert.equal(ring.empty, model.length === 0, "a put is not seen before publish");
          ring.publish();
          model.push(...unpublished.splice(0));
        }
      } else {
        assert.deepEqual(ring.tryTake(), model.shift() ?? NOTHING, `step ${step}`);
      }
      assert.equal(ring.empty, model.length === 0, `step ${step}`);
      for (const side of [PUT_SIDE, TAKE_SIDE]) {
        assert.equal(words[side + MUTEX], 0, "a one-to-one ring took a mutex");
        assert.equal(words[side + JOURNAL_VALID], 0, "a one-to-one ring kept a journal");
      }
    }
    assert.equal(ring.capacity, 256);
  });
  assert.throws(() => ring.shutdown(false), TypeError);
  // A producer killed between its two stores leaves its record counted, never visible.
  drain(ring);
  Atomics.add(words, PUT_SIDE + COUNTER, 1);
  assert.equal(ring.empty, true);
  assert.equal(ring.tryTake(), NOTHING);
});

Deno.test("ring: isRingState accepts a ring's state and nothing else", () => {
  const state = newRing({ initialBytes: 64, maxBytes: 256 }, 0);
  assert.equal(isRingState(state), true);
  assert.equal(isRingState(structuredClone(state)), true, "a state another actor was handed");
  for (
    const bad of [
      null,
      42,
      {},
      { words: state.words },
      { words: new Int32Array(48), buffer: state.buffer },
      { words: state.words, buffer: new SharedArrayBuffer(64) },
      { words: new Int32Array(new SharedArrayBuffer(8)), buffer: state.buffer },
    ]
  ) {
    assert.equal(isRingState(bad), false, `accepted ${Deno.inspect(bad)}`);
  }
  const words = new Int32Array(new SharedArrayBuffer(state.words.byteLength));
  words.set(state.words);
  words[CAPACITY] = 100;
  assert.equal(isRingState({ words, buffer: state.buffer }), false, "a capacity not a power of 2");
});

Deno.test("ring: maxsize bounds the items, whatever the room in bytes", () => {
  const ring = ringOf(1024, 1024, 3);
  assert.equal(ring.maxsize, 3);
  for (const id of [1, 2, 3]) assert.equal(put(ring, item(id)), true);
  assert.equal(put(ring, item(4)), false);
  assert.equal(ring.count, 3);
  assert.deepEqual(ring.tryTake(), item(1));
  assert.equal(put(ring, item(4)), true);
  assert.equal(put(ring, item(5)), false);
  assert.deepEqual(drain(ring), [item(2), item(3), item(4)]);
});

Deno.test("ring: shutdown refuses puts and lets takes drain what is left", () => {
  const ring = ringOf(1024);
  for (const id of [1, 2, 3]) put(ring, item(id));
  ring.shutdown(false);
  assert.equal(ring.shutDown, true);
  assert.equal(put(ring, item(4)), false);
  assert.equal(ring.drained, false);
  assert.deepEqual(drain(ring), [item(1), item(2), item(3)]);
  assert.equal(ring.drained, true);
  assert.equal(ring.unfinished, 3, "drained items are still tasks to mark done");
});

Deno.test("ring: immediate shutdown discards what is left, paddings not counted, once", () => {
  const ring = ringOf(64);
  put(ring, item(1));
  put(ring, item(2));
  ring.tryTake();
  put(ring, item(3)); // after a padding
  assert.equal(ring.unfinished, 3);
  ring.shutdown(false);
  ring.shutdown(true); // a drain can still become immediate
  assert.equal(ring.count, 0);
  assert.equal(ring.drained, true);
  assert.equal(ring.unfinished, 1, "items 2 and 3 discarded; item 1 taken, not done");
  assert.equal(ring.tryTake(), NOTHING);
  assert.equal(put(ring, item(4)), false);
  assert.equal(ring.discard(), true, "nothing left to discard");
  assert.equal(ring.unfinished, 1);
  assert.equal(ring.taskDone(), true);
  assert.equal(ring.taskDone(), false);
});

Deno.test("ring: an immediate shutdown that finds the take mutex busy leaves the discard to the next take", () => {
  const ring = ringOf(1024);
  for (const id of [1, 2]) put(ring, item(id));
  const words = ring.state.words;
  words[TAKE_SIDE + MUTEX] = DEAD;
  ring.shutdown(true);
  assert.equal(ring.count, 2);
  assert.equal(ring.discard(), false);
  words[TAKE_SIDE + MUTEX] = 0;
  assert.equal(ring.tryTake(), NOTHING);
  assert.equal(ring.count, 0);
  assert.equal(ring.unfinished, 0);
});

/** A side's position and counter (and discarded count), as the ring words hold them. */
interface SideState {
  position: number;
  counter: number;
  discarded: number;
}

function sideState(ring: Ring, side: number): SideState {
  const words = ring.state.words;
  return {
    position: words[side + POSITION],
    counter: words[side + COUNTER],
    discarded: words[side + DISCARDED],
  };
}

/** Puts the side's words back as they were before the operation that reached `after`. */
function rewind(ring: Ring, side: number, before: SideState): void {
  const words = ring.state.words;
  words[side + POSITION] = before.position;
  words[side + COUNTER] = before.counter;
  words[side + DISCARDED] = before.discarded;
}

/**
 * The stores a holder makes, in ring.ts's order, from taking the mutex to just before freeing
 * it; `completes` is the index of the store that marks the journal valid.
 */
function holderStores(side: number, after: SideState, discard: boolean) {
  const journal: [number, number][] = [
    [side + JOURNAL_POSITION, after.position],
    [side + JOURNAL_COUNTER, after.counter],
    ...(discard ? [[side + JOURNAL_DISCARDED, after.discarded] as [number, number]] : []),
  ];
  const apply: [number, number][] = [
    ...(discard ? [[side + DISCARDED, after.discarded] as [number, number]] : []),
    [side + COUNTER, after.counter],
    [side + POSITION, after.position],
  ];
  const stores: [number, number][] = [
    [side + MUTEX, DEAD],
    ...journal,
    [side + JOURNAL_VALID, discard ? 2 : 1],
    ...apply,
    [side + JOURNAL_VALID, 0],
  ];
  return { stores, completes: 1 + journal.length };
}

/**
 * For each point where a holder can die during `operation` on `side`, builds the ring, lets
 * the holder die there, repairs it, and checks it is exactly before or after the operation.
 */
function checkEveryDeath(
  side: number,
  setup: () => Ring,
  operation: (ring: Ring) => void,
  check: (ring: Ring, completed: boolean, point: string) => void,
  discard = false,
): void {
  for (let dies = 0;; dies++) {
    const ring = setup();
    const before = sideState(ring, side);
    operation(ring);
    const after = sideState(ring, side);
    rewind(ring, side, before);
    const { stores, completes } = holderStores(side, after, discard);
    if (dies === stores.length) return;
    const words = ring.state.words;
    for (const [index, value] of stores.slice(0, dies + 1)) words[index] = value;
    const point = `died after store ${dies} (${JSON.stringify(stores[dies])})`;
    const asked: number[] = [];
    ring.repair((pid) => {
      asked.push(pid);
      return isDead(pid);
    });
    assert.deepEqual(asked, [DEAD], `${point}: only the held mutex's pid is asked about`);
    assert.equal(words[side + MUTEX], 0, `${point}: the mutex is freed`);
    assert.equal(words[side + JOURNAL_VALID], 0, `${point}: the journal is spent`);
    check(ring, dies >= completes, point);
  }
}

/** Two items filling a 64-byte ring, the second after a padding: [2, 3]. */
function wrappedRing(maxBytes = 64): Ring {
  const ring = ringOf(64, maxBytes);
  put(ring, item(1));
  put(ring, item(2));
  ring.tryTake();
  put(ring, item(3));
  return ring;
}

/** Overwrites the free bytes of the ring, as a put that died while copying would leave them. */
function scribbleOverFreeBytes(ring: Ring): void {
  const words = ring.state.words;
  const bytes = new Uint8Array(ring.state.buffer);
  const capacity = ring.capacity;
  const head = words[TAKE_SIDE + POSITION];
  for (let position = words[PUT_SIDE + POSITION]; position !== head + capacity; position++) {
    bytes[position & (capacity - 1)] = 0xee;
  }
}

Deno.test("ring repair: a put killed at any point is undone before its journal, kept after", () => {
  checkEveryDeath(
    PUT_SIDE,
    () => {
      const ring = ringOf(64);
      put(ring, item(1));
      put(ring, item(2));
      ring.tryTake();
      return ring;
    },
    (ring) => assert.equal(put(ring, item(3)), true), // wraps after a padding
    (ring, completed, point) => {
      if (!completed) scribbleOverFreeBytes(ring);
      const expected = completed ? [item(2), item(3)] : [item(2)];
      assert.equal(ring.count, expected.length, point);
      assert.equal(ring.unfinished, expected.length + 1, point);
      assert.deepEqual(drain(ring), expected, point);
      // The layout is whole: the ring goes on working from where it was left.
      assert.equal(put(ring, item(4)), true, point);
      assert.equal(put(ring, item(5)), true, point);
      assert.deepEqual(drain(ring), [item(4), item(5)], point);
    },
  );
});

Deno.test("ring repair: a take killed at any point is undone before its journal, kept after", () => {
  checkEveryDeath(
    TAKE_SIDE,
    wrappedRing,
    (ring) => assert.deepEqual(ring.tryTake(), item(2)),
    (ring, completed, point) => {
      const expected = completed ? [item(3)] : [item(2), item(3)];
      assert.equal(ring.count, expected.length, point);
      assert.deepEqual(drain(ring), expected, point);
      assert.equal(ring.unfinished, 3, point);
    },
  );
  // The take of a record after a padding moves the head past both.
  checkEveryDeath(
    TAKE_SIDE,
    () => {
      const ring = wrappedRing();
      ring.tryTake();
      return ring;
    },
    (ring) => assert.deepEqual(ring.tryTake(), item(3)),
    (ring, completed, point) => {
      assert.deepEqual(drain(ring), completed ? [] : [item(3)], point);
      assert.equal(put(ring, item(4)), true, point);
      assert.equal(put(ring, item(5)), true, point);
      assert.deepEqual(drain(ring), [item(4), item(5)], point);
    },
  );
});

Deno.test("ring repair: a discard killed at any point counts its records discarded exactly once", () => {
  checkEveryDeath(
    TAKE_SIDE,
    () => {
      const ring = wrappedRing();
      ring.state.words[STATE] = SHUT_DOWN_IMMEDIATELY;
      return ring;
    },
    (ring) => assert.equal(ring.discard(), true),
    (ring, completed, point) => {
      assert.equal(ring.count, completed ? 0 : 2, point);
      assert.equal(ring.unfinished, completed ? 1 : 3, point);
      // Whatever was left, the next take discards it; item 1, taken, stays unfinished.
      assert.equal(ring.tryTake(), NOTHING, point);
      assert.equal(ring.count, 0, point);
      assert.equal(ring.unfinished, 1, point);
    },
    true,
  );
});

Deno.test("ring repair: a living holder is left alone; the other side still works", () => {
  const ring = ringOf(1024);
  put(ring, item(2));
  put(ring, item(3));
  const words = ring.state.words;
  const before = sideState(ring, PUT_SIDE);
  put(ring, item(9, 16));
  const after = sideState(ring, PUT_SIDE);
  rewind(ring, PUT_SIDE, before);
  const { stores, completes } = holderStores(PUT_SIDE, after, false);
  for (const [index, value] of stores.slice(0, completes + 1)) words[index] = value;
  ring.repair(() => false);
  assert.equal(words[PUT_SIDE + MUTEX], DEAD);
  assert.equal(words[PUT_SIDE + JOURNAL_VALID], 1);
  assert.equal(put(ring, item(4)), false, "the put mutex is held");
  assert.deepEqual(ring.tryTake(), item(2), "a take does not wait for a put");
  ring.repair(isDead);
  assert.equal(words[PUT_SIDE + MUTEX], 0);
  assert.deepEqual(drain(ring), [item(3), item(9, 16)]);
  // With neither mutex held, repair asks about nobody.
  ring.repair(() => assert.fail("no holder to ask about"));
});

class Killed extends Error {}

Deno.test("ring repair: a put killed while growing leaves the old layout, and the next put grows", () => {
  const ring = wrappedRing(256);
  const words = ring.state.words;
  const halt = new Int32Array(1);
  // The kernel's halt hook runs before every shared-state step; the one that finds the buffer
  // longer than the published capacity is inside the growth, just before the capacity store.
  configureThread({
    pid: 1,
    halt: { words: halt, index: 0 },
    exit: () => {
      if (ring.state.buffer.byteLength > ring.capacity) throw new Killed();
    },
  });
  halt[0] = 1;
  try {
    assert.throws(() => put(ring, item(4)), Killed);
  } finally {
    halt[0] = 0;
  }
  assert.equal(ring.state.buffer.byteLength, 128);
  assert.equal(ring.capacity, 64);
  // A dying grower holds both mutexes (the throw above released them on its way out).
  words[PUT_SIDE + MUTEX] = DEAD;
  words[TAKE_SIDE + MUTEX] = DEAD;
  const asked: number[] = [];
  ring.repair((pid) => {
    asked.push(pid);
    return isDead(pid);
  });
  assert.deepEqual(asked, [DEAD, DEAD]);
  assert.equal(words[PUT_SIDE + MUTEX], 0);
  assert.equal(words[TAKE_SIDE + MUTEX], 0);
  assert.equal(ring.count, 2);
  assert.equal(put(ring, item(4)), true);
  assert.equal(ring.capacity, 128);
  assert.deepEqual(drain(ring), [item(2), item(3), item(4)]);
});
