import { ActorHandle, askSystem, pidOf } from "../_kernel/actor_handle.ts";
import { runtime } from "../_kernel/runtime.ts";
import { serveBehaviour, STOP } from "./_server_loop.ts";
import { refFor } from "../_kernel/targets.ts";
import type { ActorRef, AskOptions, SendOptions } from "../actor_ref.ts";
import type { Behaviour } from "./behaviour.ts";
import { ActorExitedError } from "../errors.ts";
import { Process } from "../process.ts";
import { register } from "../register.ts";
import type { SpawnOptions } from "../spawn.ts";

/** Options of {@linkcode startServer}: those of {@linkcode spawn}, and a name to register. */
export interface ServerOptions extends Omit<SpawnOptions, "initAck"> {
  /** Registers the server under this name (see {@linkcode whereis}) once it is initialised. */
  register?: string;
}

/**
 * A running {@linkcode Behaviour}: `call` and `cast` it, `stop` it. Its `ref` can be sent to
 * other actors, which use {@linkcode call} and {@linkcode cast} on it.
 *
 * @typeParam Call The requests it answers.
 * @typeParam Cast The casts it takes.
 * @typeParam Reply Its replies.
 */
export class Server<Call = unknown, Cast = unknown, Reply = unknown> {
  /** The process the server runs in: join it, terminate it, read its exit code. */
  readonly process: Process;

  /**
   * Wraps a started server process; {@linkcode startServer} does this.
   *
   * @param process The process running the behaviour.
   */
  constructor(process: Process) {
    this.process = process;
  }

  /** The server's reference, to send to other actors. */
  get ref(): ActorRef<Call, Reply> {
    return this.process.ref as ActorRef<Call, Reply>;
  }

  /** The server's pid. */
  get pid(): number {
    return this.ref.pid;
  }

  /**
   * Sends a request to `handleCall` and resolves to its reply, as `gen_server:call`.
   *
   * @param request The request.
   * @param options A `timeout` in milliseconds and an abort `signal`.
   * @returns The reply.
   * @throws {TimeoutError} If no reply arrives within `timeout`.
   * @throws {ActorExitedError} If the server has exited or exits before it replies.
   * @throws {Error} The error `handleCall` threw to refuse the request.
   */
  call(request: Call, options?: AskOptions): Promise<Reply> {
    return call(this.ref, request, options);
  }

  /**
   * Sends a message to `handleCast`, fire and forget, as `gen_server:cast`.
   *
   * @param message The message.
   * @param options How long a send to a full bounded mailbox may wait.
   * @returns Resolves once the message is on its way.
   */
  cast(message: Cast, options?: SendOptions): Promise<void> {
    return cast(this.ref, message, options);
  }

  /**
   * Sends any other message, which `handleInfo` takes, as Erlang's `!` to a gen_server.
   *
   * @param message The message.
   * @param options How long a send to a full bounded mailbox may wait.
   * @returns Resolves once the message is on its way.
   */
  send(message: unknown, options?: SendOptions): Promise<void> {
    return this.process.send(message, options);
  }

  /**
   * Stops the server normally: messages sent before are handled first, then `terminate`
   * runs with "normal" and the process exits with code 0.
   *
   * @returns Resolves once the process has exited.
   */
  async stop(): Promise<void> {
    if (this.process.exitcode === null) {
      const ref = this.process.ref as ActorHandle;
      await ref[askSystem](STOP, null).catch((error) => {
        if (!(error instanceof ActorExitedError)) throw error;
      });
    }
    await this.process.join();
  }

  /** Stops the server: `await using server = await startServer(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Starts a {@linkcode Behaviour} in a new actor, as `gen_server:start`: resolves once its
 * `init` has run, so the server is ready for calls.
 *
 * @typeParam State The behaviour's state.
 * @typeParam Call The requests it answers.
 * @typeParam Cast The casts it takes.
 * @typeParam Reply Its replies.
 * @typeParam Args The arguments of its `init`.
 * @param behaviour The behaviour class, registered with `task(import.meta, Class)` or
 * exported from the main module.
 * @param args The arguments of `init`.
 * @param options Name, daemon flag, bounded mailbox, and a name to register.
 * @returns The running server.
 * @throws {Error} The error `init` threw, if it did (the server's process has then exited).
 * @throws {NameTakenError} If `register` names a name another actor holds.
 *
 * @example A bank account server
 * ```ts
 * import assert from "node:assert/strict";
 * import { startServer } from "../../mod.ts";
 * import { Account } from "../../examples/doc_targets.ts";
 *
 * await using account = await startServer(Account, [100]);
 * await account.cast({ deposit: 50 });
 * assert.equal(await account.call("balance"), 150);
 * ```
 */
export async function startServer<State, Call, Cast, Reply, Args extends unknown[]>(
  behaviour: new () => Behaviour<State, Call, Cast, Reply, Args>,
  args: Args,
  options: ServerOptions = {},
): Promise<Server<Call, Cast, Reply>> {
  const { register: name, ...processOptions } = options;
  const target = refFor(behaviour, runtime.mainModule, `server ${behaviour.name}`);
  const process = new Process({
    name: behaviour.name,
    ...processOptions,
    target: serveBehaviour,
    args: [target, args],
    initAck: true,
  });
  try {
    await process.start();
  } catch (error) {
    await process.join();
    throw process.error ?? error;
  }
  const server = new Server<Call, Cast, Reply>(process);
  if (name !== undefined) await register(name, server.ref);
  return server;
}

/**
 * Calls the server at `ref` (from any actor), as `gen_server:call`.
 *
 * @typeParam Reply The reply's type.
 * @param ref The server's reference.
 * @param request The request for its `handleCall`.
 * @param options A `timeout` in milliseconds and an abort `signal`.
 * @returns The reply.
 * @throws {TimeoutError} If no reply arrives within `timeout`.
 * @throws {ActorExitedError} If the server has exited or exits before it replies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { call, startServer } from "../../mod.ts";
 * import { Account } from "../../examples/doc_targets.ts";
 *
 * await using account = await startServer(Account, [10]);
 * assert.equal(await call(account.ref, "balance"), 10);
 * ```
 */
export function call<Reply = unknown>(
  ref: ActorRef,
  request: unknown,
  options?: AskOptions,
): Promise<Reply> {
  try {
    return serverRef(ref, "call a server").ask<Reply>(request, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Casts a message to the server at `ref` (from any actor), as `gen_server:cast`: its
 * `handleCast` takes it.
 *
 * @param ref The server's reference.
 * @param message The message.
 * @param options How long a send to a full bounded mailbox may wait.
 * @returns Resolves once the message is on its way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cast, startServer } from "../../mod.ts";
 * import { Account } from "../../examples/doc_targets.ts";
 *
 * await using account = await startServer(Account, [0]);
 * await cast(account.ref, { deposit: 5 });
 * assert.equal(await account.call("balance"), 5);
 * ```
 */
export function cast(ref: ActorRef, message: unknown, options?: SendOptions): Promise<void> {
  try {
    return serverRef(ref, "cast to a server").cast(message, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The reference behind `ref`: itself, or a started process's (a `Process` was passed). */
function serverRef(ref: ActorRef, action: string): ActorHandle {
  if (ref instanceof ActorHandle) return ref;
  if (ref instanceof Process) return ref.ref as ActorHandle;
  if (ref instanceof Server) return ref.ref as ActorHandle;
  pidOf(ref, action);
  throw new TypeError(
    `Cannot ${action}: expected an actor reference (from self(), whereis(), spawn() or a ` +
      "started Process)",
  );
}
