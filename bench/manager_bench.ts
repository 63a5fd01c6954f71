/**
 * deno bench for the Manager: dict set + get through a proxy, one after the other and
 * pipelined.
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
  async fn() {
    await dictSetGetSequential(1000);
  },
});

Deno.bench({
  name: "Manager dict: set + get pipelined, 500 in flight, x5000 pairs",
  group: "manager dict",
  n: 10,
  warmup: 2,
  async fn() {
    await dictSetGetPipelined(5000);
  },
});
