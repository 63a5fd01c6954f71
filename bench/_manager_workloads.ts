/**
 * Manager dict workloads shared by the deno bench file and the comparison with Python.
 *
 * Run alone, it compares just these with Python's `Manager().dict()` (the same medians as
 * `deno task bench:compare`, without the other workloads):
 * `deno run --allow-read --allow-run bench/_manager_workloads.ts`
 */
import { Manager } from "../mod.ts";
import { afterStart, type Clock, noClock } from "./_clock.ts";

/**
 * Operations per second of `await d.set(k, i); await d.get(k)` through a proxy, one after the
 * other, as Python's `d[k] = i; d[k]` on a `Manager().dict()`. `set` is sent without waiting
 * for the manager's answer, so each pair costs one round trip.
 */
export async function dictSetGetSequential(
  pairs = 10_000,
  clock: Clock = noClock,
): Promise<number> {
  await using manager = new Manager();
  const d = await manager.dict<string, number>();
  await d.set("k", 0);
  await d.get("k");
  await afterStart();
  clock.start();
  const started = performance.now();
  for (let i = 0; i < pairs; i++) {
    await d.set("k", i);
    await d.get("k");
  }
  const perSecond = 2 * pairs / (performance.now() - started) * 1000;
  clock.end();
  return perSecond;
}

/**
 * Operations per second of `set` and `get` pairs issued without awaiting each reply, `window`
 * pairs in flight at a time: the pipelined form, which Python's blocking proxies cannot use.
 */
export async function dictSetGetPipelined(
  pairs = 50_000,
  window = 500,
  clock: Clock = noClock,
): Promise<number> {
  await using manager = new Manager();
  const d = await manager.dict<string, number>();
  await d.get("k");
  await afterStart();
  clock.start();
  const started = performance.now();
  for (let base = 0; base < pairs; base += window) {
    const gets: Promise<unknown>[] = [];
    for (let i = base; i < base + window; i++) {
      void d.set(`k${i % 100}`, i);
      gets.push(d.get(`k${i % 100}`));
    }
    await Promise.all(gets);
  }
  const perSecond = 2 * pairs / (performance.now() - started) * 1000;
  clock.end();
  return perSecond;
}

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

/** The median of `repeats` runs after `warmup` runs, as bench/compare.ts samples. */
async function sample(run: () => Promise<number>, repeats: number, warmup: number) {
  const samples: number[] = [];
  for (let index = 0; index < warmup + repeats; index++) {
    const value = await run();
    if (index >= warmup) samples.push(value);
  }
  return { median: median(samples), samples };
}

if (import.meta.main) {
  const script = new URL("./python_bench.py", import.meta.url).pathname;
  const output = await new Deno.Command("python3", {
    args: [script, "manager_dict_set_get"],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`python3 ${script} failed with code ${output.code}`);
  const python = JSON.parse(new TextDecoder().decode(output.stdout)).manager_dict_set_get;
  const sequential = await sample(() => dictSetGetSequential(), 3, 1);
  const pipelined = await sample(() => dictSetGetPipelined(), 3, 1);
  const rate = (value: number) => `${Math.round(value / 1000)}k ops/s`;
  console.log(`python Manager().dict(), sequential: ${rate(python)}`);
  for (const [label, { median, samples }] of Object.entries({ sequential, pipelined })) {
    console.log(
      `ours, ${label}: ${rate(median)} (samples ${samples.map(rate).join(", ")}), ` +
        `${(median / python).toFixed(1)}x python`,
    );
  }
}
