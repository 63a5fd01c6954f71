/**
 * OTP's supervisor: restart strategies (oneForOne, oneForAll, restForOne), restart types and
 * intensity, over child specs.
 *
 * @example A supervisor that has not started yet
 * ```ts
 * import assert from "node:assert/strict";
 * import { Supervisor } from "./mod.ts";
 * import { idleForever } from "../../examples/doc_targets.ts";
 *
 * const supervisor = new Supervisor({ children: [{ id: "service", target: idleForever }] });
 * assert.equal(supervisor.whichChildren()[0].process, null);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./supervisor.ts";
