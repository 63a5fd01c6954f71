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
 * - `{ agent: name }`: on the agent started with that name (`deno task agent -- --name name`);
 * - `{ isolation: "process" }` (with or without `agent`): in an OS process of its own, which the
 *   agent starts for it. A Worker cannot be stopped while its code runs synchronously (a loop);
 *   a process can: `terminate()` of such a process ends it within a second whatever it runs.
 *   It costs a Deno start (about half a second) instead of a Worker's.
 *
 * A process started by an actor that runs on an agent runs on that agent unless its placement
 * names another, as a Python child runs on its parent's machine.
 *
 * @example Placements
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Placement } from "../mod.ts";
 *
 * const choices: Placement[] = ["local", "any", { agent: "gpu-1" }, { isolation: "process" }];
 * assert.equal(choices.length, 4);
 * ```
 */
export type Placement = "local" | "any" | AgentPlacement;

/** A placement on agents: a named one, and in a Worker (the default) or a process of its own. */
export interface AgentPlacement {
  /** The agent's name; any agent, in turn, when omitted. */
  agent?: string;
  /**
   * `"worker"`: a Worker of the agent; `"process"`: an OS process of its own, on the agent's
   * machine, which `terminate()` ends even in synchronous code.
   *
   * @default {"worker"}
   */
  isolation?: "worker" | "process";
}
