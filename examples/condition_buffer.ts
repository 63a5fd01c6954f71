/**
 * A bounded buffer with a Condition: the producer waits while the buffer is full, the consumer
 * while it is empty, and each notifies the other. The buffer lives in a SharedArray (slot 0 is
 * the number of items).
 *
 * Run: deno task example:condition_buffer
 */
import { Condition, Process, SharedArray } from "../mod.ts";

const CAPACITY = 3;

export async function consumer(
  changed: Condition,
  buffer: SharedArray<"i32">,
  count: number,
): Promise<void> {
  for (let taken = 0; taken < count; taken++) {
    await changed.acquire();
    await changed.waitFor(() => buffer.get(0) > 0);
    const size = buffer.get(0);
    console.log(`  consumed ${buffer.get(size)} (buffer had ${size})`);
    buffer.set(0, size - 1);
    changed.notifyAll();
    changed.release();
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

if (import.meta.main) {
  const changed = new Condition();
  const buffer = new SharedArray("i32", CAPACITY + 1);
  const p = new Process({ target: consumer, args: [changed, buffer, 8] });
  p.start();
  for (let item = 1; item <= 8; item++) {
    await changed.acquire();
    await changed.waitFor(() => buffer.get(0) < CAPACITY);
    const size = buffer.get(0) + 1;
    buffer.set(size, item * 100);
    buffer.set(0, size);
    console.log(`produced ${item * 100}`);
    changed.notifyAll();
    changed.release();
  }
  await p.join();
  console.log("buffer drained");
}
