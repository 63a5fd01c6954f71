/**
 * Where a process runs: on this machine, or on an agent of a NATS context.
 *
 * @module
 */
/**
 * Where a {@linkcode Process} runs, chosen when it starts:
 *
 * - `"local"`: on the machine of the actor that starts it (the default, and the only choice
 *   without a NATS context);
 * - `"any"`: on any agent of the program's NATS context, one after another;
 * - `{ agent: name }`: on the agent started with that name (`deno task agent -- --name name`).
 *
 * A process started by an actor that runs on an agent runs on that agent unless its placement
 * names another, as a Python child runs on its parent's machine.
 *
 * @example Placements
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Placement } from "../mod.ts";
 *
 * const choices: Placement[] = ["local", "any", { agent: "gpu-1" }];
 * assert.equal(choices.length, 3);
 * ```
 */
export type Placement = "local" | "any" | { agent: string };
