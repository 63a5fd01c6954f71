/** Manager dict workloads shared by the deno bench file and the comparison with Python. */
import { Manager } from "../mod.ts";

/**
 * Operations per second of `await d.set(k, i); await d.get(k)` through a proxy, one after the
 * other, as Python's `d[k] = i; d[k]` on a `Manager().dict()`. `set` is sent without waiting
 * for the manager's answer, so each pair costs one round trip.
 */
export async function dictSetGetSequential(pairs = 10_000): Promise<number> {
  await using manager = new Manager();
  const d = await manager.dict<string, number>();
  await d.set("k", 0);
  await d.get("k");
  const started = performance.now();
  for (let i = 0; i < pairs; i++) {
    await d.set("k", i);
    await d.get("k");
  }
  return 2 * pairs / (performance.now() - started) * 1000;
}

/**
 * Operations per second of `set` and `get` pairs issued without awaiting each reply, `window`
 * pairs in flight at a time: the pipelined form, which Python's blocking proxies cannot use.
 */
export async function dictSetGetPipelined(pairs = 50_000, window = 500): Promise<number> {
  await using manager = new Manager();
  const d = await manager.dict<string, number>();
  await d.get("k");
  const started = performance.now();
  for (let base = 0; base < pairs; base += window) {
    const gets: Promise<unknown>[] = [];
    for (let i = base; i < base + window; i++) {
      void d.set(`k${i % 100}`, i);
      gets.push(d.get(`k${i % 100}`));
    }
    await Promise.all(gets);
  }
  return 2 * pairs / (performance.now() - started) * 1000;
}
