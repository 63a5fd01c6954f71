import { ActorHandle } from "./_actor_handle.ts";
import type { ActorAddress } from "./_protocol.ts";
import { runtime } from "./_runtime.ts";
import type { ActorRef } from "./actor_ref.ts";
import { self } from "./self.ts";

/**
 * Gives `ref` a name that any actor in the program can find with {@linkcode whereis}, as
 * Erlang's `register/2`. The name is freed when the actor ends; an actor may hold several.
 *
 * @param name The name.
 * @param ref The actor to name; the current actor when omitted.
 * @returns Resolves once the name is registered.
 * @throws {NameTakenError} If another live actor holds the name.
 * @throws {ActorExitedError} If `ref` has already exited.
 *
 * @example Name the main program, find it from anywhere
 * ```ts
 * import { register, unregister, whereis } from "../mod.ts";
 *
 * await register("main");
 * console.assert((await whereis("main"))?.pid === 1);
 * await unregister("main");
 * ```
 */
export async function register(name: string, ref: ActorRef = self()): Promise<void> {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`Cannot register: the name must be a non-empty string, got ${name}`);
  }
  await runtime.waitFor(runtime.rootCall({ type: "register", name, pid: ref.pid }).answer);
}

/**
 * Frees a name that the current actor registered; nothing happens if it holds no such name.
 *
 * @param name The name.
 * @returns Resolves once the name is free.
 *
 * @example
 * ```ts
 * import { unregister } from "../mod.ts";
 *
 * await unregister("nobody has this name");
 * ```
 */
export async function unregister(name: string): Promise<void> {
  await runtime.waitFor(runtime.rootCall({ type: "unregister", name }).answer);
}

/**
 * Finds the actor registered under `name`, as Erlang's `whereis/1`.
 *
 * @typeParam In The messages that actor takes.
 * @typeParam Out What it replies to an ask.
 * @param name The name.
 * @returns A reference to the actor, or undefined if no live actor holds the name.
 *
 * @example
 * ```ts
 * import { whereis } from "../mod.ts";
 *
 * console.assert((await whereis("no such actor")) === undefined);
 * ```
 */
export async function whereis<In = unknown, Out = unknown>(
  name: string,
): Promise<ActorRef<In, Out> | undefined> {
  const address = await runtime.waitFor(runtime.rootCall({ type: "whereis", name }).answer);
  return address === null ? undefined : new ActorHandle<In, Out>(address as ActorAddress);
}
