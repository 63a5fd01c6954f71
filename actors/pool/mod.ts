/**
 * A Pool of worker processes for many small tasks: apply, applyAsync, map, imap, starmap, with
 * callbacks, timeouts and cancellation; a dead worker costs only the task it was running.
 *
 * @example Map over a pool
 * ```ts
 * import assert from "node:assert/strict";
 * import { Pool } from "./mod.ts";
 * import { square } from "../../examples/doc_targets.ts";
 *
 * await using pool = new Pool({ processes: 2 });
 * assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
 * ```
 *
 * @module
 */
export * from "./async_result.ts";
export * from "./pool.ts";
