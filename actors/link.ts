import { pidOf } from "./_kernel/actor_handle.ts";
import { runtime } from "./_kernel/runtime.ts";
import { describeValue } from "./_shm/time.ts";
import type { ActorRef } from "./actor_ref.ts";

/**
 * Links the current actor with `ref`, both ways, as Erlang's `link/1`: when either ends
 * abnormally (an error, a non-zero exit, terminate or kill), the other is terminated too,
 * unless it traps exits ({@linkcode trapExit}), in which case it receives an
 * {@linkcode ExitSignal} in its mailbox instead. A normal exit only reaches actors that trap
 * exits. The main program always traps exits. Links are how a group of actors lives and dies
 * together; {@linkcode monitor} only watches.
 *
 * @param ref The actor to link with.
 * @returns Resolves once the link is in place.
 * @throws {ActorExitedError} If `ref` has already exited.
 * @throws {TypeError} If `ref` is not an actor reference.
 *
 * @example The main program learns of a linked actor's crash
 * ```ts
 * import assert from "node:assert/strict";
 * import { ExitSignal, link, receive, spawn } from "../mod.ts";
 * import { waitThenFail } from "../examples/doc_targets.ts";
 *
 * const actor = await spawn(waitThenFail, [50]);
 * await link(actor.ref);
 * const signal = await receive<ExitSignal>((m) => m instanceof ExitSignal);
 * assert.equal(signal.from.pid, actor.pid);
 * assert.equal(signal.reason.kind, "error");
 * await actor.join();
 * ```
 */
export async function link(ref: ActorRef): Promise<void> {
  const pid = pidOf(ref, "link");
  await runtime.waitFor(runtime.rootCall({ type: "link", pid }).answer);
}

/**
 * Removes a link made by {@linkcode link}; nothing happens if there was none.
 *
 * @param ref The actor to unlink from.
 * @returns Resolves once the link is gone.
 *
 * @example
 * ```ts
 * import { link, self, unlink } from "../mod.ts";
 *
 * await link(self()); // linking with oneself does nothing
 * await unlink(self());
 * ```
 */
export async function unlink(ref: ActorRef): Promise<void> {
  const pid = pidOf(ref, "unlink");
  await runtime.waitFor(runtime.rootCall({ type: "unlink", pid }).answer);
}

/**
 * Makes the current actor trap exits (Erlang's `process_flag(trap_exit, true)`): a linked
 * actor's exit arrives as an {@linkcode ExitSignal} message instead of terminating this actor.
 * The main program always traps exits.
 *
 * @param trap Whether to trap exits.
 * @returns Resolves once the supervisor applies it.
 *
 * @example
 * ```ts
 * import { trapExit } from "../mod.ts";
 *
 * await trapExit(true); // a no-op on the main program, which always traps
 * ```
 */
export async function trapExit(trap: boolean): Promise<void> {
  if (typeof trap !== "boolean") {
    throw new TypeError(`Cannot trap exits: trap must be a boolean, got ${describeValue(trap)}`);
  }
  await runtime.waitFor(runtime.rootCall({ type: "trapExit", trap }).answer);
}
