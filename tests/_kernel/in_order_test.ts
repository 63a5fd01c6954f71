/** Numbered messages handed on in their order, on one thread, against a seeded shuffle. */
import assert from "node:assert/strict";
import { InOrder } from "../../actors/_kernel/in_order.ts";
import { withSeed } from "../reliability/_random.ts";

Deno.test("InOrder hands on each message once, in its number's order, whatever order they come in", async () => {
  await withSeed(1209, (random) => {
    for (let round = 0; round < 50; round++) {
      const count = random.int(1, 60);
      const numbers = Array.from({ length: count }, (_, index) => index);
      // Shuffle within a small window, as a poll can overtake a few undelivered events.
      for (let index = count - 1; index > 0; index--) {
        const other = Math.max(0, index - random.int(0, 4));
        [numbers[index], numbers[other]] = [numbers[other], numbers[index]];
      }
      const handed: number[] = [];
      const order = new InOrder<number>((message) => void handed.push(message));
      const arrived = new Set<number>();
      for (const seq of numbers) {
        order.arrive(seq, seq * 10);
        arrived.add(seq);
        // Waiting exactly while some message that arrived is past the first gap.
        assert.equal(order.waiting, arrived.size > handed.length, `round ${round}, after ${seq}`);
      }
      assert.deepEqual(handed, numbers.map((_, index) => index * 10), `round ${round}`);
      assert.equal(order.waiting, false);
    }
  });
});

Deno.test("InOrder holds a message until the one before it arrives", () => {
  const handed: string[] = [];
  const order = new InOrder<string>((message) => void handed.push(message));
  order.arrive(1, "b");
  assert.deepEqual(handed, []);
  assert.equal(order.waiting, true);
  order.arrive(0, "a");
  assert.deepEqual(handed, ["a", "b"]);
  assert.equal(order.waiting, false);
  order.arrive(2, "c");
  assert.deepEqual(handed, ["a", "b", "c"]);
});
