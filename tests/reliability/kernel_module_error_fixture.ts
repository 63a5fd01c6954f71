/**
 * A module whose evaluation fails in a worker (as a target module with a bad import or a throw
 * at its top level would): the main thread imports it fine, so the start fails in the child.
 */
import { isMainThread } from "node:worker_threads";
import { task } from "../../mod.ts";

/** A target the worker never reaches: importing this module throws there. */
export const unreachable = task(import.meta, function unreachable() {});

if (!isMainThread) throw new Error("this module refuses to load in a worker");
