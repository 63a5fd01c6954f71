import assert from "node:assert/strict";
import { Lock, Process, SharedArray, Value } from "../../mod.ts";
import * as targets from "../fixtures/sync_targets.ts";

Deno.test("a Value is shared: the counterpart of the seeds' x = 100 lesson", async () => {
  const numbers = new SharedArray("i32", [1, 2, 3]);
  const total = new Value("i64", 5n);
  const text = new Value("string", "parent", { size: 64 });
  const p = new Process({ target: targets.bumpShared, args: [numbers, total, text] });
  await p.start();
  await p.join();
  assert.deepEqual(numbers.toArray(), [2, 3, 4]);
  assert.equal(total.value, 15n);
  assert.equal(text.value, "parent and a child");
});

Deno.test("shared values and arrays work from nested processes", async () => {
  const numbers = new SharedArray("i32", 2);
  const total = new Value("i64", 0n);
  const text = new Value("string", "root");
  const q = new Process({ target: targets.nestedBump, args: [numbers, total, text] });
  await q.start();
  await q.join();
  assert.deepEqual(numbers.toArray(), [1, 1]);
  assert.equal(total.value, 10n);
});

Deno.test("atomic helpers, Python typecodes, floats, locks and errors", () => {
  const counter = new Value("i", 1);
  assert.equal(counter.add(2), 1);
  assert.equal(counter.sub(1), 3);
  assert.equal(counter.compareExchange(2, 7), 2);
  assert.equal(counter.value, 7);
  const ratio = new Value("d", 0.5);
  ratio.value *= 3;
  assert.equal(ratio.value, 1.5);
  assert.throws(() => ratio.add(1), /use an integer type, or getLock\(\)/);
  assert.ok(counter.getLock());
  const lock = new Lock();
  assert.equal(new Value("u8", 3, { lock }).getLock(), lock);
  assert.throws(() => new Value("i32", 0, { lock: false }).getLock(), TypeError);
  assert.throws(() => new Value("x" as "i32", 0), /unknown type "x"/);
  assert.throws(() => new Value("string", "too long", { size: 3 }), RangeError);
  const array = new SharedArray("f64", [1.5, 2.5]);
  assert.equal(array.get(1), 2.5);
  assert.throws(() => array.get(2), RangeError);
  assert.equal(new SharedArray("u64", [1n]).add(0, 2n), 1n);
  assert.deepEqual([...new SharedArray("u8", 3)], [0, 0, 0]);
});

Deno.test("values the type cannot hold are refused; 64-bit types take safe integer numbers", () => {
  assert.throws(() => new Value("i32", 2 ** 40), RangeError);
  assert.throws(() => new Value("i32", "abc" as never), TypeError);
  assert.throws(() => new Value("u8", -1), /from 0 to 255/);
  const big = new Value("i64", 5 as never);
  assert.equal(big.value, 5n);
  assert.equal(big.add(2 as never), 5n);
  assert.equal(big.value, 7n);
  const counter = new Value("i32", 0);
  assert.throws(() => counter.value = 1.5, RangeError);
  assert.throws(() => counter.add(2 ** 32), RangeError);
  assert.equal(counter.value, 0, "refused writes changed nothing");
  assert.throws(() => new Value("i32", 0, { lock: "x" as never }), TypeError);
  assert.throws(() => new SharedArray("i32", [1, 2 ** 40]), /element 1/);
  assert.throws(() => new SharedArray("i32", 2 ** 40), RangeError);
});

Deno.test("a string value holds exactly `size` UTF-8 bytes and refuses lone surrogates", () => {
  const text = new Value("string", "", { size: 5 });
  assert.equal(text.value, "");
  text.value = "héllo".slice(0, 4); // 5 bytes
  assert.equal(text.value, "héll");
  assert.throws(() => text.value = "hello!", /6 bytes does not fit in a value of 5 bytes/);
  assert.throws(() => text.value = "\udc00", /lone surrogate/);
  assert.equal(text.value, "héll");
  assert.throws(() => new Value("string", "x", { size: 0 }), RangeError);
  assert.throws(() => new Value("string", "x", { size: -1 }), RangeError);
});

Deno.test("an argument that looks like a revival does not revive: the object is new", () => {
  // What a revival carries, passed by hand where the hidden revival parameter is.
  const forged = {
    state: { buffer: new SharedArrayBuffer(8), type: "i32", length: 2, lock: null },
    id: "1.1",
    forAdoption: false,
  };
  const AnyValue = Value as unknown as new (...args: unknown[]) => Value<"i32">;
  const AnyArray = SharedArray as unknown as new (...args: unknown[]) => SharedArray<"i32">;
  const AnyLock = Lock as unknown as new (...args: unknown[]) => Lock;
  assert.equal(new AnyValue("i32", 5, {}, forged).value, 5);
  assert.deepEqual(new AnyArray("i32", [7], {}, forged).toArray(), [7]);
  const lock = new AnyLock(forged);
  assert.equal(lock.acquireSync(), true);
  assert.equal(lock.locked(), true);
});
