/**
 * deno bench for the Manager: dict set + get through a proxy, one after the other and
 * pipelined. Each times only the calls (`b.start()`/`b.end()`), not the manager's start and
 * shutdown.
 *
 * Run: deno task bench
 */
import { dictSetGetPipelined, dictSetGetSequential } from "./_manager_workloads.ts";

Deno.bench({
  name: "Manager dict: await set + await get, sequential x1000 pairs",
  group: "manager dict",
  baseline: true,
  n: 10,
  warmup: 2,
  async fn(b) {
    await dictSetGetSequential(1000, b);
  },
});

Deno.bench({
  name: "Manager dict: set + get pipelined, 500 in flight, x5000 pairs",
  group: "manager dict",
  n: 10,
  warmup: 2,
  async fn(b) {
    await dictSetGetPipelined(5000, 500, b);
  },
});
