import { ActorHandle } from "./_kernel/actor_handle.ts";
import { runtime } from "./_kernel/runtime.ts";
import type { ActorRef } from "./actor_ref.ts";

let cached: ActorRef | null = null;

/**
 * The current actor's own reference, as Erlang's `self()`: send it to other actors so they
 * can message this one directly (replies, subscriptions), whoever their parent is.
 *
 * @typeParam In The messages this actor takes.
 * @typeParam Out What it replies to an ask.
 * @returns This actor's reference.
 *
 * @example An actor asks itself (its own mailbox works the same way)
 * ```ts
 * import assert from "node:assert/strict";
 * import { self } from "../mod.ts";
 *
 * const me = self();
 * await me.send("note to self");
 * assert.equal(me.pid, 1);
 * assert.equal(me.mailboxDepth, 1);
 * ```
 */
export function self<In = unknown, Out = unknown>(): ActorRef<In, Out> {
  if (cached === null || cached.pid !== runtime.pid) {
    cached = new ActorHandle(runtime.address());
  }
  return cached as ActorRef<In, Out>;
}
