/**
 * Synchronization shared between actors on shared memory, repaired when a holder dies: Lock, RLock,
 * Semaphore, BoundedSemaphore, Event, Condition, Barrier, and shared Value and SharedArray.
 *
 * @example A lock, held once
 * ```ts
 * import assert from "node:assert/strict";
 * import { Lock } from "./mod.ts";
 *
 * const lock = new Lock();
 * assert.equal(await lock.acquire(), true);
 * assert.equal(await lock.acquire({ blocking: false }), false);
 * lock.release();
 * ```
 *
 * @module
 */
export * from "./barrier.ts";
export * from "./bounded_semaphore.ts";
export * from "./condition.ts";
export * from "./errors.ts";
export * from "./event.ts";
export * from "./lock.ts";
export * from "./rlock.ts";
export * from "./semaphore.ts";
export * from "./shared_array.ts";
export * from "./value.ts";
