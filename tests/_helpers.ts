/** Small helpers shared by the test suites. */
import { receive } from "../mod.ts";

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Receives `count` messages, failing the test instead of hanging if one is missing. */
export async function receiveMany<T>(count: number, timeoutMs = 10_000): Promise<T[]> {
  const messages: T[] = [];
  for (let i = 0; i < count; i++) messages.push(await receive<T>({ timeout: timeoutMs }));
  return messages;
}

/** Waits until `condition()` holds, polling; rejects after `timeoutMs` instead of hanging. */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await delay(5);
  }
}
