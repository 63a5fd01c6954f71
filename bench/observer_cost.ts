/**
 * What observing costs the observed program: a pool `map` of tiny tasks and a queue's
 * throughput, measured without an observer, with one that no page watches, and with one page
 * open (a second program reading the event stream, as a browser would, at the default
 * interval), in rounds that alternate the three, medians of each.
 *
 * Run: deno task bench:observer
 */
import { observe, type Observer } from "../mod.ts";
import { queueItemsPerSecond } from "./_channel_workloads.ts";
import { pool2 } from "./_pool_workloads.ts";

const ROUNDS = 7;

/** A second program that reads the observer's stream until it is killed. */
function openPage(observer: Observer): Deno.ChildProcess {
  const reader = `
    const response = await fetch(${JSON.stringify(new URL("events", observer.url).href)});
    for await (const _ of response.body!) { /* a page redraws here */ }
  `;
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", reader],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

const pool = await pool2();
type Mode = "none" | "observer" | "page";
const results: Record<Mode, { map: number[]; queue: number[] }> = {
  none: { map: [], queue: [] },
  observer: { map: [], queue: [] },
  page: { map: [], queue: [] },
};
await pool.mapTinyPerSecond();
await queueItemsPerSecond();
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of ["none", "observer", "page"] as Mode[]) {
    const observer = mode === "none" ? null : await observe();
    const page = mode === "page" ? openPage(observer!) : null;
    if (page !== null) {
      while (observer!.viewers === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    results[mode].map.push(await pool.mapTinyPerSecond());
    results[mode].queue.push(await queueItemsPerSecond());
    if (page !== null) {
      page.kill();
      await page.status;
    }
    await observer?.close();
  }
}
await pool.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
const base = { map: median(results.none.map), queue: median(results.none.queue) };
for (const mode of ["none", "observer", "page"] as Mode[]) {
  const map = median(results[mode].map);
  const queue = median(results[mode].queue);
  console.log(
    `${mode.padEnd(9)} pool map ${(map / 1e6).toFixed(2)}M items/s (${
      (100 * map / base.map).toFixed(1)
    }%), queue ${(queue / 1e6).toFixed(2)}M items/s (${(100 * queue / base.queue).toFixed(1)}%)`,
  );
}
