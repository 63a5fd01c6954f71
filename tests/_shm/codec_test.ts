/**
 * The codec and the handle walk on one thread, fast enough for thousands of values: the channel
 * codec (`channels/_codec.ts`) against `structuredClone`, the check every crossing value passes
 * (`actors/_clone.ts`), and the walk that replaces handles by descriptions and back
 * (`actors/_portable.ts`).
 */
import assert from "node:assert/strict";
import { assertCloneable } from "../../actors/_shm/clone.ts";
import {
  containsHandles,
  describeHandle,
  encodeHandles,
  type HandleDescription,
  type Portable,
  registerHandleKind,
  reviveHandles,
} from "../../actors/_kernel/handles.ts";
import {
  CLONED,
  COMPACT,
  decode,
  encode,
  encodeNumbers,
  numbersIn,
} from "../../actors/_shm/codec.ts";
import { CloneError, Lock, Queue } from "../../mod.ts";
import { type Random, scale, withSeed } from "../reliability/_random.ts";
import { cloneDifference, randomValue, TRICKY_STRINGS } from "../reliability/_values.ts";

const memory = new SharedArrayBuffer(1 << 22);
const bytes = new Uint8Array(memory);
const view = new DataView(memory);

/** Encodes `value` into shared memory at an 8-aligned offset, as a ring does, and decodes it. */
function roundTrip(value: unknown, at = 8): { tag: number; value: unknown } {
  const { tag, bytes: encoded, length } = encode(value, "put on queue");
  bytes.set(encoded.subarray(0, length), at);
  return { tag, value: decode(tag, bytes, view, at, length) };
}

Deno.test("encode and decode give what structuredClone gives, and the result owns its memory", async () => {
  await withSeed(1201, (random) => {
    const found: string[] = [];
    const count = Math.round(4000 * scale());
    for (let index = 0; index < count; index++) {
      const value = randomValue(random);
      const received = roundTrip(value, 8 * random.int(1, 64)).value;
      // Later records overwrite the same memory: the received value must not notice.
      bytes.fill(0xee, 0, 1 << 12);
      const difference = cloneDifference(structuredClone(value), received);
      if (difference !== undefined) found.push(`value ${index}: ${difference}`);
    }
    assert.deepEqual(found, []);
  });
});

Deno.test("lone surrogates survive as values, keys and items; well-formed strings stay compact", () => {
  for (const text of TRICKY_STRINGS) {
    for (const value of [text, [text], { [text]: text }, { nested: { list: [1, text] } }]) {
      const { tag, value: received } = roundTrip(value);
      assert.equal(cloneDifference(structuredClone(value), received), undefined, text);
      if (text !== "__proto__") {
        assert.equal(tag, text.isWellFormed() ? COMPACT : CLONED, JSON.stringify(text));
      }
    }
  }
  const long = "é".repeat(500) + "\ud800";
  assert.equal(roundTrip(long).value, long);
});

Deno.test("small plain values keep the compact encoding", () => {
  const values = [
    0,
    -1.5,
    "item-42",
    "日本語",
    true,
    null,
    undefined,
    { id: 1, name: "widget", tags: ["a", "b"] },
    [1, "two", { three: 3 }],
  ];
  for (const value of values) {
    const { tag, value: received } = roundTrip(value);
    assert.equal(tag, COMPACT, JSON.stringify(value));
    assert.deepEqual(received, value);
  }
});

Deno.test("typed arrays keep their offset, their buffer's length and the buffer views share", () => {
  const buffer = new ArrayBuffer(32);
  new Uint8Array(buffer).forEach((_, i, all) => all[i] = i);
  const pair = [new Uint8Array(buffer, 4, 8), new Int32Array(buffer, 16, 2)];
  const received = roundTrip(pair).value as [Uint8Array, Int32Array];
  assert.equal(received[0].buffer, received[1].buffer, "one buffer, as structuredClone keeps");
  assert.equal(received[0].byteOffset, 4);
  assert.equal(received[0].buffer.byteLength, 32);
  assert.ok(!(received[0].buffer instanceof SharedArrayBuffer));

  // Whole views and buffers take the shortcut; each kind comes back as itself.
  for (
    const whole of [
      new Uint8Array([1, 2, 3]),
      new Float64Array([1.5, -0]),
      new BigInt64Array([-5n]),
      new Float16Array([0.5]),
      new DataView(new ArrayBuffer(4)),
      new ArrayBuffer(5),
      new Uint8Array(0),
    ]
  ) {
    const { tag, value } = roundTrip(whole);
    assert.ok(tag > CLONED, `${whole.constructor.name} takes the shortcut`);
    assert.equal(cloneDifference(structuredClone(whole), value), undefined);
  }
  // A view into a larger buffer, or a resizable buffer, keeps what structuredClone keeps.
  const resizable = new ArrayBuffer(8, { maxByteLength: 64 });
  const { tag, value } = roundTrip(new Uint8Array(resizable));
  assert.equal(tag, CLONED);
  const grown = (value as Uint8Array).buffer as ArrayBuffer;
  assert.equal(grown.resizable, true);
  assert.equal(grown.maxByteLength, 64);
});

Deno.test("a channel refuses what it cannot carry as bytes, with a CloneError naming it", () => {
  const refuse = (value: unknown, pattern: RegExp) =>
    assert.throws(() => encode(value, "put on queue"), (error: unknown) => {
      assert.ok(error instanceof CloneError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  refuse(
    { memory },
    /item\.memory is a SharedArrayBuffer, which a queue, pipe or manager cannot share/,
  );
  refuse([new Int32Array(memory)], /item\[0\] is a view of a SharedArrayBuffer/);
  refuse({ q: new Queue() }, /item\.q is a Queue, a handle on shared state/);
  refuse(new Map([["k", new Lock()]]), /item\.get\("k"\) is a Lock/);
  refuse({ blob: new Blob(["ab"]) }, /item\.blob is a Blob.*arrayBuffer\(\)/);
  refuse(new Proxy([1, new Date()], {}), /item cannot be serialized/);
  const detached = new ArrayBuffer(8);
  structuredClone(detached, { transfer: [detached] });
  refuse(detached, /cannot be serialized.*detached/);
});

class Point {
  constructor(readonly x: number) {}
}
class NotFound extends RangeError {}

Deno.test("assertCloneable: what passes and what is refused, with the path", () => {
  const passes = (value: unknown) => assertCloneable(value, "value", "send");
  const refused = (value: unknown, pattern: RegExp, cause?: unknown) =>
    assert.throws(() => assertCloneable(value, "value", "send"), (error: unknown) => {
      assert.ok(error instanceof CloneError, String(error));
      assert.match(error.message, pattern);
      if (cause !== undefined) assert.equal(error.cause, cause);
      return true;
    });
  const nullPrototype = Object.assign(Object.create(null), { a: 1 });
  passes(nullPrototype);
  passes(new Map([[nullPrototype, 1], [[nullPrototype], 2]])); // a key String() cannot show
  passes([Object(1), Object("s"), Object(true), Object(1n), new Date(), /x/g]);
  passes([new Error("e"), new TypeError("t", { cause: { code: 1 } }), new URIError("u")]);
  passes({ [Symbol("ignored")]: () => {} }); // structured clone ignores symbol keys
  passes(new Set([new Uint8Array(2), new ArrayBuffer(1), memory]));

  refused({ a: [1, { b: new Point(1) }] }, /value\.a\[1\]\.b is an instance of Point/);
  refused(new Map([[nullPrototype, new Point(1)]]), /value\.get\(<key #0>\) is an instance/);
  refused(
    new Map<unknown, number>([["k", 1], [new Point(1), 2]]),
    /value\[map key #1\] is an instance of Point/,
  );
  refused(new Set([1, () => {}]), /value\[set item #1\] is a function/);
  refused({ "a b": Symbol("s") }, /value\["a b"\] is a symbol \(s\)/);
  const named = Object.assign([1, 2], { fn: function named() {} });
  refused(named, /value\.fn is a function \(named\)/);
  refused(new NotFound("gone"), /instance of NotFound, a subclass of RangeError, which would/);
  refused(new Error("e", { cause: new Point(2) }), /value\.cause is an instance of Point/);
  refused(new Error("e", { cause: new Queue() }), /value\.cause is a Queue, a handle, inside/);
  refused(new File(["x"], "f.txt"), /value is a File, whose bytes cannot be read/);
  const boom = new Error("getter exploded");
  refused(
    {
      ok: 1,
      get bad() {
        throw boom;
      },
    },
    /value\.bad cannot be read: its getter threw Error: getter exploded/,
    boom,
  );
  // Cycles end, and a handle is allowed in a message.
  const cyclic: Record<string, unknown> = {};
  cyclic.self = [cyclic, new Map([[cyclic, cyclic]])];
  passes(cyclic);
  passes({ q: new Queue() });
});

/** A handle for the walk tests: revived as the plain object structured clone makes of it. */
class Token implements Portable {
  static described = 0;
  constructor(readonly id: number) {}
  [describeHandle](): HandleDescription {
    Token.described++;
    return { kind: "token", data: { id: this.id } };
  }
}
let revived = 0;
registerHandleKind(import.meta, "token", (data) => {
  revived++;
  return { id: (data as { id: number }).id };
});

/** Crosses `value` as mail does: its handles described, structured clone, then revived. */
async function cross(value: unknown): Promise<unknown> {
  return await reviveHandles(structuredClone(encodeHandles(value)));
}

/** Puts tokens (from a small set, so that some repeat) here and there inside `value`. */
function sprinkle(value: unknown, random: Random, tokens: Token[]): void {
  const seen = new Set<unknown>();
  const visit = (item: unknown) => {
    if (typeof item !== "object" || item === null || seen.has(item)) return;
    seen.add(item);
    const token = () => random.pick(tokens);
    if (Array.isArray(item)) {
      [...item].forEach(visit);
      if (random.chance(0.3)) item.push(token());
      if (random.chance(0.1)) (item as unknown as Record<string, unknown>).handle = token();
    } else if (item instanceof Map) {
      [...item].forEach(([key, entry]) => (visit(key), visit(entry)));
      if (random.chance(0.3)) item.set(random.chance(0.5) ? token() : "h", token());
    } else if (item instanceof Set) {
      [...item].forEach(visit);
      if (random.chance(0.3)) item.add(token());
    } else if (
      Object.getPrototypeOf(item) === Object.prototype || Object.getPrototypeOf(item) === null
    ) {
      Object.values(item).forEach(visit);
      if (random.chance(0.3)) (item as Record<string, unknown>).handle = token();
    }
  };
  visit(value);
}

Deno.test("the handle walk keeps the graph: sharing, cycles, holes, named properties, Map, Set", async () => {
  await withSeed(1202, async (random) => {
    const found: string[] = [];
    const count = Math.round(1500 * scale());
    for (let index = 0; index < count; index++) {
      const value = [randomValue(random)];
      const tokens = [new Token(1), new Token(2), new Token(3)];
      if (random.chance(0.8)) sprinkle(value, random, tokens);
      const before = structuredClone(value);
      Token.described = 0;
      revived = 0;
      const received = await cross(value);
      const difference = cloneDifference(structuredClone(value), received) ??
        cloneDifference(before, structuredClone(value)); // the sent value is left as it was
      if (difference !== undefined) found.push(`value ${index}: ${difference}`);
      if (Token.described !== revived || Token.described > tokens.length) {
        found.push(`value ${index}: ${Token.described} described, ${revived} revived`);
      }
    }
    assert.deepEqual(found, []);
  });
});

Deno.test("a value without handles is not copied by the walk; the parts without handles neither", async () => {
  const clean = { list: [1, 2, { deep: true }], map: new Map([[{}, []]]) };
  (clean as Record<string, unknown>).self = clean;
  assert.equal(containsHandles(clean), false);
  assert.equal(encodeHandles(clean), clean);
  assert.equal(await reviveHandles(clean), clean);

  const token = new Token(7);
  const holder = { clean, handles: [token, token], byHandle: new Map([[token, clean]]) };
  assert.equal(containsHandles(holder), true);
  assert.equal(containsHandles(new Set([new Map([["k", [token]]])])), true);
  const encoded = encodeHandles(holder);
  assert.notEqual(encoded, holder);
  assert.equal(encoded.clean, clean, "a part without handles is passed as it is");
  assert.equal(encoded.handles[0], encoded.handles[1], "one handle, one description");
  assert.equal([...encoded.byHandle.keys()][0], encoded.handles[0]);
  assert.equal(encoded.byHandle.get(encoded.handles[0]), clean);
  const received = await reviveHandles(structuredClone(encoded)) as typeof holder;
  assert.equal(received.handles[0], received.handles[1]);
  assert.equal([...received.byHandle.keys()][0], received.handles[0]);
  assert.equal(received.byHandle.get(received.handles[0]), received.clean);
  assert.deepEqual(received.handles[0], { id: 7 });

  // Deep values, and values whose shared references would make a walk exponential.
  let deep: unknown = token;
  for (let i = 0; i < 100; i++) deep = { next: deep };
  assert.equal(containsHandles(deep), true);
  let doubled: unknown[] = [1];
  for (let i = 0; i < 40; i++) doubled = [doubled, doubled];
  assert.equal(containsHandles(doubled), false);
  doubled.push(new Set([token]));
  assert.equal(containsHandles([doubled]), true);

  // Arrays keep holes, length and named properties when they are copied for a handle.
  const sparse = [token, , 3] as unknown[];
  sparse.length = 5;
  (sparse as unknown as Record<string, unknown>).name = "kept";
  const copy = await cross(sparse) as unknown[];
  assert.equal(copy.length, 5);
  assert.ok(!(1 in copy));
  assert.equal((copy as unknown as Record<string, unknown>).name, "kept");
  // A null-prototype object copied for a handle stays one until structured clone.
  const bare = Object.assign(Object.create(null), { token });
  assert.equal(Object.getPrototypeOf(encodeHandles(bare)), null);
});

Deno.test("arrays of numbers take the numeric-array form and keep what structuredClone keeps", () => {
  const special = [-0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 31), 0.1, Number.MIN_VALUE];
  for (const length of [15, 16, 17, 255, 256, 257, 4096, 65536, 65537]) {
    const numbers = Array.from(
      { length },
      (_, index) => special[index % special.length] + 0 * index,
    );
    numbers[length - 1] = -0;
    for (const value of [numbers, { numbers }, [1, numbers, "tail"]]) {
      const { tag, value: received } = roundTrip(value, 8 * (1 + (length % 3)));
      assert.equal(cloneDifference(structuredClone(value), received), undefined, `${length}`);
      assert.equal(tag, length <= 65536 ? COMPACT : CLONED, `length ${length}`);
    }
  }
  // A hole or a named property is kept, as structured clone keeps it.
  const holey = Array.from({ length: 20 }, (_, index) => index);
  delete holey[7];
  const named = Object.assign(Array.from({ length: 20 }, (_, index) => index), { label: "x" });
  for (const value of [holey, named]) {
    assert.equal(cloneDifference(structuredClone(value), roundTrip(value).value), undefined);
  }
});

Deno.test("encodeNumbers packs long runs of numbers that numbersIn reads without a copy", () => {
  assert.equal(encodeNumbers([1, 2, 3]), null, "a short run stays as it is");
  assert.equal(encodeNumbers([...Array(20).keys(), "x"]), null);
  const values = Array.from({ length: 1000 }, (_, index) => index / 3);
  values[5] = -0;
  const record = encodeNumbers(values)!;
  const numbers = numbersIn(new Uint8Array(record))!;
  assert.deepEqual(Array.from(numbers), values);
  assert.ok(Object.is(numbers[5], -0));
  assert.equal(numbers.buffer, record, "a view of the shared record");
  // The same record is an ordinary codec record too.
  const decoded = decode(
    COMPACT,
    new Uint8Array(record),
    new DataView(record),
    8,
    record.byteLength - 8,
  );
  assert.deepEqual(decoded, values);
  assert.equal(numbersIn(new Uint8Array(encode({ a: 1 }, "test").bytes)), null);
});

Deno.test("a getter that encodes while its value is encoded leaves both values whole", () => {
  let inner: unknown;
  const value = {
    first: "a",
    get second() {
      const { tag, bytes: encoded, length } = encode({ nested: [1, 2, 3] }, "put on queue");
      bytes.set(encoded.subarray(0, length), 1 << 20);
      inner = decode(tag, bytes, view, 1 << 20, length);
      return "b";
    },
    third: [4, 5],
  };
  const received = roundTrip(value).value;
  assert.deepEqual(received, { first: "a", second: "b", third: [4, 5] });
  assert.deepEqual(inner, { nested: [1, 2, 3] });
});

Deno.test("bytes that are not a record of the codec are refused with a TypeError, never misread", async () => {
  await withSeed(1207, (random) => {
    const samples = [{ id: 1, name: "widget", tags: ["a", "b"] }, Array(40).fill(1.5), "text"];
    let refused = 0;
    const count = Math.round(3000 * scale());
    for (let index = 0; index < count; index++) {
      const { bytes: encoded, length } = encode(samples[index % samples.length], "test");
      const payload = encoded.slice(0, length);
      const cut = random.chance(0.5);
      if (cut) {
        // Truncated, or with a byte too many.
        const at = random.int(0, length);
        bytes.set(payload.subarray(0, at), 8);
        bytes[8 + at] = 0;
        try {
          decode(COMPACT, bytes, view, 8, at === length ? length + 1 : at);
          assert.fail(`a payload cut at ${at} of ${length} decoded`);
        } catch (error) {
          assert.ok(error instanceof TypeError, String(error));
          refused++;
        }
      } else {
        // Random bytes written over it: a value or a TypeError, nothing else.
        for (let flips = random.int(1, 4); flips > 0; flips--) {
          payload[random.int(0, length - 1)] = random.int(0, 255);
        }
        bytes.set(payload, 8);
        try {
          decode(COMPACT, bytes, view, 8, length);
        } catch (error) {
          assert.ok(error instanceof TypeError, String(error));
        }
      }
    }
    assert.ok(refused > 0);
  });
});
