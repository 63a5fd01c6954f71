import { ActorHandle, pidOf } from "./_kernel/actor_handle.ts";
import type { ActorAddress } from "./_kernel/protocol.ts";
import { runtime } from "./_kernel/runtime.ts";
import type { ActorRef } from "./actor_ref.ts";
import { describeValue } from "./_shm/time.ts";
import { self } from "./self.ts";

/**
 * Gives `ref` a name that any actor in the program can find with {@linkcode whereis}, as
 * Erlang's `register/2`. The name is freed when the actor holding it ends; an actor may hold
 * several. The actor holding a name and the actor that registered it (for another, as a
 * supervisor names its children) may both {@linkcode unregister} it.
 *
 * @param name The name.
 * @param ref The actor to name; the current actor when omitted.
 * @returns Resolves once the name is registered.
 * @throws {NameTakenError} If another live actor holds the name.
 * @throws {ActorExitedError} If `ref` has already exited.
 * @throws {TypeError} If `name` is not a non-empty string or `ref` not an actor reference.
 *
 * @example Name the main program, find it from anywhere
 * ```ts
 * import assert from "node:assert/strict";
 * import { register, unregister, whereis } from "../mod.ts";
 *
 * await register("main");
 * assert.equal((await whereis("main"))?.pid, 1);
 * await unregister("main");
 * ```
 */
export async function register(name: string, ref: ActorRef = self()): Promise<void> {
  checkName(name, "register");
  const pid = pidOf(ref, `register "${name}"`);
  await runtime.waitFor(runtime.rootCall({ type: "register", name, pid }).answer);
}

function checkName(name: unknown, action: string): void {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `Cannot ${action}: the name must be a non-empty string, got ${describeValue(name)}`,
    );
  }
}

/**
 * Frees a name that the current actor holds, or that it registered for another actor; nothing
 * happens otherwise (a name held by an actor this one did not name stays with it).
 *
 * @param name The name.
 * @returns Resolves once the name is free.
 * @throws {TypeError} If `name` is not a non-empty string.
 *
 * @example Free a name nobody holds: nothing happens
 * ```ts
 * import { unregister } from "../mod.ts";
 *
 * await unregister("nobody has this name");
 * ```
 */
export async function unregister(name: string): Promise<void> {
  checkName(name, "unregister");
  await runtime.waitFor(runtime.rootCall({ type: "unregister", name }).answer);
}

/**
 * Finds the actor registered under `name`, as Erlang's `whereis/1`.
 *
 * @typeParam In The messages that actor takes.
 * @typeParam Out What it replies to an ask.
 * @param name The name.
 * @returns A reference to the actor, or undefined if no live actor holds the name.
 * @throws {TypeError} If `name` is not a non-empty string.
 *
 * @example Look up a name nobody holds
 * ```ts
 * import assert from "node:assert/strict";
 * import { whereis } from "../mod.ts";
 *
 * assert.equal(await whereis("no such actor"), undefined);
 * ```
 */
export async function whereis<In = unknown, Out = unknown>(
  name: string,
): Promise<ActorRef<In, Out> | undefined> {
  checkName(name, "look up a name");
  const address = await runtime.waitFor(runtime.rootCall({ type: "whereis", name }).answer);
  return address === null ? undefined : new ActorHandle<In, Out>(address as ActorAddress);
}
