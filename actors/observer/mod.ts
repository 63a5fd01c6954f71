/**
 * A live view of a running program, as Erlang's `observer`: `observe()` serves a page with the
 * actor tree, pools, locks, queues, pipes, managers and supervisors, and a JSON snapshot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { observe } from "./mod.ts";
 *
 * await using observer = await observe({ port: 0 });
 * const snapshot = await observer.snapshot();
 * assert.equal(snapshot.actors[0].pid, 1);
 * ```
 *
 * @module
 */
export { observe, type ObserveOptions, Observer } from "./observe.ts";
export type { ActorInspection, Inspection, ObjectInspection, Snapshot } from "./snapshot.ts";
