/**
 * What observing costs the observed program: a pool `map` of tiny tasks and a queue's
 * throughput, measured without an observer, with one that no page watches, and with one page
 * open (a second program reading the event stream, as a browser would, at the default
 * interval), in rounds that alternate the three: medians of each, and in parentheses the median
 * over rounds of each round's rate against the same round's rate without an observer.
 *
 * Run: deno task bench:observer
 */
import { observe, type Observer } from "../mod.ts";
import { queueItemsPerSecond } from "./_channel_workloads.ts";
import { pool2 } from "./_pool_workloads.ts";

const ROUNDS = 9;
/** Each sample is the median of this many runs: one map of 100,000 tiny tasks takes 2-5 ms. */
const RUNS = 15;

async function medianOf(run: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let index = 0; index < RUNS; index++) values.push(await run());
  return median(values);
}

/**
 * A second program that reads the observer's stream until it is killed: curl when the machine
 * has it (as light as a client gets), else a Deno program.
 */
function openPage(observer: Observer): Deno.ChildProcess {
  const events = new URL("events", observer.url).href;
  const reader = `
    const response = await fetch(${JSON.stringify(events)});
    for await (const _ of response.body!) { /* a page redraws here */ }
  `;
  const curl = ["/usr/bin/curl", "/bin/curl"].find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
  const [command, args] = curl === undefined
    ? [Deno.execPath(), ["eval", reader]]
    : [curl, ["-sN", events, "-o", "/dev/null"]];
  return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).spawn();
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
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
const MODES: Mode[] = ["none", "observer", "page"];
for (let round = 0; round < ROUNDS; round++) {
  // Each round starts with another mode, so that no mode always follows the same one.
  for (const mode of MODES.map((_, index) => MODES[(round + index) % MODES.length])) {
    const observer = mode === "none" ? null : await observe();
    const page = mode === "page" ? openPage(observer!) : null;
    if (page !== null) {
      while (observer!.viewers === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Let the reading program finish starting (its start is not the observer's cost); every
    // mode waits the same.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    results[mode].map.push(await medianOf(() => pool.mapTinyPerSecond()));
    results[mode].queue.push(await medianOf(() => queueItemsPerSecond()));
    if (page !== null) {
      page.kill();
      await page.status;
    }
    await observer?.close();
  }
}
await pool.stop();

// Each round's rates over the same round's rates without an observer: paired, so that the
// machine's drift from round to round cancels.
const ratio = (mode: Mode, row: "map" | "queue") =>
  median(results[mode][row].map((value, round) => value / results.none[row][round]));
for (const mode of MODES) {
  const map = median(results[mode].map);
  const queue = median(results[mode].queue);
  console.log(
    `${mode.padEnd(9)} pool map ${(map / 1e6).toFixed(2)}M items/s (${
      (100 * ratio(mode, "map")).toFixed(1)
    }%), queue ${(queue / 1e6).toFixed(2)}M items/s (${(100 * ratio(mode, "queue")).toFixed(1)}%)`,
  );
}
