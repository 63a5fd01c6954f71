import type { ActorRef } from "./actor_ref.ts";
import { Process, type ProcessOptions } from "./process.ts";

/** Options of {@linkcode spawn}: those of a {@linkcode Process}, but its target and args. */
export type SpawnOptions = Omit<ProcessOptions<unknown[]>, "target" | "args">;

/**
 * A started process typed as an actor: its `send` and `ask` take `In` and an ask resolves to
 * `Out`; everything else is the {@linkcode Process} (join, terminate, exitcode, `ref`).
 */
export type Actor<In = unknown, Out = unknown> =
  & Omit<Process, "send" | "ask">
  & Pick<ActorRef<In, Out>, "send" | "ask">;

/**
 * Starts `target(...args)` as a new actor and resolves once it runs, as Erlang's `spawn`:
 * shorthand for `new Process({ target, args, ...options })` and `await start()`, typed by the
 * messages the actor takes (`In`) and the replies it gives (`Out`).
 *
 * @typeParam In The messages the actor takes.
 * @typeParam Out What it replies to an ask.
 * @typeParam A The target's parameters.
 * @param target A function the worker can import (see {@linkcode Process}).
 * @param args Its arguments.
 * @param options Name, daemon flag, bounded mailbox.
 * @returns The running actor.
 * @throws {TargetNotFoundError} If the worker cannot find the target.
 * @throws {CloneError} If an argument cannot be copied to a worker.
 *
 * @example Spawn, ask, stop
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawn } from "../mod.ts";
 * import { echoServer } from "../examples/doc_targets.ts";
 *
 * const echo = await spawn<string, string>(echoServer, [], { name: "echo" });
 * assert.equal(await echo.ask("marco"), "marco");
 * await echo.send("stop");
 * await echo.join();
 * ```
 */
// With `In` and `Out` given explicitly, TypeScript cannot infer `A`: its default must then
// accept any target, so it is `any[]`; with none given, `A` is inferred from the target.
// deno-lint-ignore no-explicit-any
export async function spawn<In = unknown, Out = unknown, A extends unknown[] = any[]>(
  target: (...args: A) => unknown,
  args?: A,
  options: SpawnOptions = {},
): Promise<Actor<In, Out>> {
  const process = new Process<A>({ ...options, target, args });
  await process.start();
  return process as Actor<In, Out>;
}
