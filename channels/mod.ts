/**
 * Typed channels between actors on a journaled shared-memory ring: Queue, SimpleQueue,
 * JoinableQueue and Pipe, with the errors they raise.
 *
 * @example A queue in one actor
 * ```ts
 * import assert from "node:assert/strict";
 * import { Queue } from "./mod.ts";
 *
 * const q = new Queue<number>();
 * await q.put(1);
 * assert.equal(await q.get(), 1);
 * ```
 *
 * @module
 */
export * from "./buffer_options.ts";
export * from "./connection.ts";
export * from "./errors.ts";
export * from "./joinable_queue.ts";
export * from "./pipe.ts";
export * from "./queue.ts";
export * from "./simple_queue.ts";
