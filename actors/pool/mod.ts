/**
 * A Pool of worker processes for many small tasks: apply, applyAsync, map, imap, starmap, with
 * callbacks, timeouts and cancellation; a dead worker costs only the task it was running.
 *
 * @example Map over a pool
 * ```ts
 * import assert from "node:assert/strict";
 * import { Pool } from "./mod.ts";
 * import { double } from "../../examples/doc_targets.ts";
 *
 * await using pool = new Pool({ processes: 2 });
 * assert.deepEqual(await pool.map(double, [1, 2, 3]), [2, 4, 6]);
 * ```
 *
 * @module
 */
export * from "./async_result.ts";
export * from "./errors.ts";
export * from "./pool.ts";
