/**
 * The actor API: processes (Python's `multiprocessing.Process`) and what every actor can do
 * with them, Erlang's way: send and receive mail, ask and reply, monitor, link, register names.
 *
 * @example A process that answers an ask
 * ```ts
 * import assert from "node:assert/strict";
 * import { Process } from "./mod.ts";
 * import { echoServer } from "../examples/doc_targets.ts";
 *
 * const p = new Process({ target: echoServer });
 * await p.start();
 * assert.equal(await p.ask("hi"), "hi");
 * p.send("stop");
 * await p.join();
 * ```
 *
 * @module
 */
export * from "./active_children.ts";
export * from "./actor_ref.ts";
export * from "./cpu_count.ts";
export * from "./current_process.ts";
export * from "./errors.ts";
export * from "./exit.ts";
export * from "./exit_reason.ts";
export * from "./exit_signal.ts";
export * from "./init_ack.ts";
export * from "./link.ts";
export * from "./mailbox_options.ts";
export type { AgentPlacement, Placement } from "./placement.ts";
export * from "./monitor.ts";
export * from "./parent_process.ts";
export * from "./process.ts";
export * from "./receive.ts";
export * from "./register.ts";
export * from "./reply.ts";
export * from "./self.ts";
export * from "./spawn.ts";
export * from "./task.ts";
export * from "./wait_options.ts";
