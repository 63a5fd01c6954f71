/**
 * Python's Pipe lesson, ported line by line: `p.start(); child_end.close()` with the start not
 * awaited. The child holds its copy from the moment `start()` is called, so the parent's close
 * loses nothing and raises nothing, in both directions, duplex and one-way.
 */
import assert from "node:assert/strict";
import { EOFError, Pipe, Process } from "../../mod.ts";
import { receiveMany } from "../_helpers.ts";
import { collectUntilEof, sendCount } from "./fixtures.ts";

const ROUNDS = 4;
const COUNT = 50;

async function readUntilEof(end: { recv(): Promise<number> }): Promise<number[]> {
  const received: number[] = [];
  try {
    while (true) received.push(await end.recv());
  } catch (error) {
    assert.ok(error instanceof EOFError, `expected EOFError, got ${error}`);
  }
  return received;
}

const expected = Array.from({ length: COUNT }, (_, i) => i);

for (const duplex of [true, false]) {
  const kind = duplex ? "duplex Pipe()" : "Pipe(false)";

  Deno.test(`${kind}: the child writes, the parent closes the child's end right after an un-awaited start()`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [reader, writer] = Pipe<number>(duplex);
      const p = new Process({ target: sendCount, args: [writer, COUNT] });
      p.start();
      writer.close();
      assert.deepEqual(await readUntilEof(reader), expected, `round ${round}`);
      await p.join();
      assert.equal(p.exitcode, 0);
    }
  });

  Deno.test(`${kind}: the child reads, the parent closes the child's end right after an un-awaited start()`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [reader, writer] = Pipe<number>(duplex);
      const p = new Process({ target: collectUntilEof, args: [reader] });
      p.start();
      reader.close();
      for (const value of expected) writer.send(value); // no ChannelClosedError
      writer.close();
      assert.deepEqual(await receiveMany(1), [expected], `round ${round}`);
      await p.join();
      assert.equal(p.exitcode, 0);
    }
  });
}

Deno.test("a closed end passed to a child arrives closed and does not reopen the pipe", async () => {
  const [reader, writer] = Pipe<number>(false);
  writer.close();
  const p = new Process({ target: sendCount, args: [writer, 1] });
  p.start();
  assert.deepEqual(await readUntilEof(reader), []);
  await p.join();
  assert.equal(p.exitcode, 1, "sending on a closed end fails in the child");
  assert.equal(p.error?.name, "ChannelClosedError");
});

Deno.test("an end passed to a child that fails to start is released: the reader sees EOF", async () => {
  const [reader, writer] = Pipe<number>(false);
  // Not exported and not registered: the worker cannot find it.
  const failing = new Process({ target: function notExported(_end: unknown) {}, args: [writer] });
  failing.start().catch(() => {});
  writer.close();
  assert.deepEqual(await readUntilEof(reader), []);
  await failing.join();
  assert.equal(failing.exitcode, 1);
});
