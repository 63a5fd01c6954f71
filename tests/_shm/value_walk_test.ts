import assert from "node:assert/strict";
import {
  forEachMatch,
  NAMED_KEYS_LIMIT,
  namedKeys,
  pathTo,
  reaches,
  replaceCopying,
  replaceInPlace,
  someObject,
} from "../../actors/_shm/value_walk.ts";

/** What the walks look for: instances of this class, as handles are. */
class Special {
  constructor(readonly id: number) {}
}
const isSpecial = (value: object) => value instanceof Special;
const marker = (found: object) => ({ marker: (found as Special).id });

Deno.test("reaches finds a match at any depth of every container, and ends cycles", () => {
  const special = new Special(1);
  assert.equal(reaches([1, [2, [3, special]]], isSpecial), true);
  assert.equal(reaches({ a: { b: new Map([["k", special]]) } }, isSpecial), true);
  assert.equal(reaches(new Map([[special, 1]]), isSpecial), true, "a Map key");
  assert.equal(reaches(new Set([[special]]), isSpecial), true);
  assert.equal(reaches(new Date(0), isSpecial), false);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(reaches(cyclic, isSpecial), false);
  cyclic.later = special;
  assert.equal(reaches(cyclic, isSpecial), true);
});

Deno.test("reaches goes past the quick walk's budget and depth", () => {
  // Deeper than the quick walk goes, and shared widely enough to spend its budget of visits.
  let deep: unknown = new Special(1);
  for (let level = 0; level < 100; level++) deep = [deep];
  assert.equal(reaches(deep as object, isSpecial), true);
  const shared = [1, 2, 3];
  const wide = Array.from({ length: 2000 }, () => shared);
  assert.equal(reaches(wide, isSpecial), false);
  wide.push([new Special(2)] as unknown as number[]);
  assert.equal(reaches(wide, isSpecial), true);
});

Deno.test("named properties of an array are searched up to the limit", () => {
  const short = [1, 2] as unknown as Record<string, unknown>;
  short.extra = new Special(1);
  assert.deepEqual(namedKeys(short as unknown as unknown[]), ["extra"]);
  assert.equal(reaches(short, isSpecial), true);
  const long = Array.from({ length: NAMED_KEYS_LIMIT + 1 }, () => 0) as unknown as Record<
    string,
    unknown
  >;
  long.extra = new Special(2);
  assert.deepEqual(namedKeys(long as unknown as unknown[]), []);
  assert.deepEqual(namedKeys(long as unknown as unknown[], true), ["extra"]);
});

Deno.test("replaceCopying copies only the containers on the way, once each", () => {
  const special = new Special(7);
  const untouched = { deep: [1, 2] };
  const onTheWay = [special, special];
  const value = { untouched, onTheWay, again: onTheWay, alone: untouched };
  const result = replaceCopying(value, isSpecial, marker) as typeof value;
  assert.notEqual(result, value);
  assert.equal(result.untouched, untouched, "a part without matches is not copied");
  assert.equal(result.alone, result.untouched);
  assert.notEqual(result.onTheWay, onTheWay);
  assert.equal(result.again, result.onTheWay, "sharing among the copies is kept");
  assert.equal(result.onTheWay[0], result.onTheWay[1], "one replacement per match");
  assert.deepEqual(result.onTheWay[0], { marker: 7 });
  assert.equal(value.onTheWay[0], special, "the original is unchanged");
});

Deno.test("replaceCopying keeps holes, named properties, null prototypes, __proto__ and cycles", () => {
  const special = new Special(1);
  // deno-lint-ignore no-sparse-arrays
  const holey = [, special, ,] as unknown[];
  (holey as unknown as Record<string, unknown>).name = "kept";
  const bare = Object.create(null) as Record<string, unknown>;
  bare.item = special;
  const proto = JSON.parse('{"__proto__": 1}') as Record<string, unknown>;
  proto.item = special;
  const cyclic: Record<string, unknown> = { item: special };
  cyclic.self = cyclic;
  const value = {
    holey,
    bare,
    proto,
    cyclic,
    map: new Map([[special, special]]),
    set: new Set([special]),
  };
  // deno-lint-ignore no-explicit-any
  const result = replaceCopying(value, isSpecial, marker) as Record<string, any>;
  assert.equal(result.holey.length, 3);
  assert.equal(0 in result.holey, false, "a hole stays a hole");
  assert.equal(result.holey.name, "kept");
  assert.equal(Object.getPrototypeOf(result.bare), null);
  assert.equal(Object.hasOwn(result.proto, "__proto__"), true, "an own __proto__ key stays data");
  assert.equal(Object.getPrototypeOf(result.proto), Object.prototype);
  assert.equal(result.cyclic.self, result.cyclic, "the cycle closes on the copy");
  const [[key, entry]] = [...result.map];
  assert.equal(key, entry, "a Map key and value that were one match are one replacement");
  assert.equal([...result.set][0], key);
});

Deno.test("replaceCopying returns what holds no match as it is", () => {
  const value = { a: [1, { b: 2 }] };
  assert.equal(replaceCopying(value, isSpecial, marker), value);
  assert.equal(replaceCopying(5, isSpecial, marker), 5);
  const special = new Special(3);
  assert.deepEqual(replaceCopying(special, isSpecial, marker), { marker: 3 });
});

Deno.test("replaceInPlace changes the value itself, Map keys and Set items in their order", () => {
  const a = new Special(1);
  const b = new Special(2);
  const map = new Map<unknown, unknown>([["first", 0], [a, b], ["last", a]]);
  const set = new Set<unknown>([0, a, 9]);
  const value = { map, set, list: [a, a] };
  const result = replaceInPlace(value, isSpecial, marker) as typeof value;
  assert.equal(result, value);
  assert.deepEqual([...map.keys()].map((key) => JSON.stringify(key)), [
    '"first"',
    '{"marker":1}',
    '"last"',
  ]);
  assert.equal(value.list[0], value.list[1], "one replacement per match");
  assert.equal(map.get("last"), value.list[0]);
  assert.deepEqual([...set], [0, { marker: 1 }, 9]);
  assert.equal([...set][1], value.list[0]);
});

Deno.test("forEachMatch visits each match once and never enters one", () => {
  const inner = new Special(2);
  const outer = Object.assign(new Special(1), { inner });
  const seen: number[] = [];
  forEachMatch([outer, outer, { again: outer }], isSpecial, (found) => {
    seen.push((found as Special).id);
  });
  assert.deepEqual(seen, [1]);
});

Deno.test("someObject stops at the first object its visitor accepts", () => {
  const visited: unknown[] = [];
  const target = { target: true };
  const found = someObject([1, target, { after: true }], (item) => {
    visited.push(item);
    return item === target;
  });
  assert.equal(found, true);
  assert.equal(visited.length, 2, "the array, then the target; nothing after it");
});

Deno.test("pathTo names the way to an object, through every kind of container", () => {
  const target = new Special(1);
  const value = { list: [0, new Map([["key", new Set([target])]])] };
  assert.equal(pathTo(value, target, "args"), 'args.list[1].get("key")[set item]');
  assert.equal(pathTo(value, value, "args"), "args");
  assert.equal(pathTo(value, new Special(2), "args"), "args", "not found: the label alone");
});
