/**
 * Run by the pool's reliability suite in a subprocess: a task that exhausts its worker's heap,
 * through apply and map, between two maps that must work. Prints what happened as JSON. The
 * optional argument is the pool's `maxWorkerMemoryMb`.
 */
import { Pool } from "../../mod.ts";
import { exhaustHeap } from "./pool_fixtures.ts";
import { square } from "../fixtures/pool_targets.ts";

if (import.meta.main) {
  const limit = Deno.args[0] ? Number(Deno.args[0]) : undefined;
  const pool = new Pool({ processes: 2, maxWorkerMemoryMb: limit });
  const name = (error: Error) => error.name;
  const before = await pool.map(square, [1, 2, 3]);
  const apply = await pool.apply(exhaustHeap, [0]).then(String, name);
  const map = await pool.map(exhaustHeap, [0, 1], { chunksize: 1 }).then(String, name);
  const after = await pool.map(square, [4, 5, 6]);
  await pool.terminate();
  console.log(JSON.stringify({ before, apply, map, after }));
}
