/** How long a send to a full mailbox whose policy is `"block"` may wait. */
export interface SendOptions {
  /**
   * Milliseconds to wait for room in a full bounded mailbox before rejecting with
   * `TimeoutError`; forever when omitted or `Infinity`. Unused by unbounded mailboxes.
   */
  timeout?: number;
}

/** What an ask may carry besides the message. */
export interface AskOptions {
  /**
   * Milliseconds to wait for the reply before rejecting with `TimeoutError`, the wait for room
   * in a full bounded mailbox included; forever when omitted or `Infinity`.
   */
  timeout?: number;
  /**
   * Cancels the wait (for room, then for the reply): the ask rejects with the signal's reason,
   * and a late reply is dropped.
   */
  signal?: AbortSignal;
}

/**
 * A reference to an actor, by which any actor can message it: what {@linkcode self},
 * {@linkcode whereis} and {@linkcode spawn} give, and what a started {@linkcode Process} has as
 * `ref`. It can be sent in messages and passed as a Process or Pool argument: the other actor
 * gets a reference to the same actor, and mail then goes directly between the two.
 *
 * `In` is the type of the messages the actor takes, `Out` the type of its replies to `ask`.
 *
 * @typeParam In The messages the actor takes.
 * @typeParam Out What it replies to an ask.
 *
 * @example Ask an actor and wait for its reply
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawn } from "../mod.ts";
 * import { echoServer } from "../examples/doc_targets.ts";
 *
 * const echo = await spawn<string, string>(echoServer);
 * assert.equal(await echo.ask("hi", { timeout: 5000 }), "hi");
 * await echo.send("stop");
 * await echo.join();
 * ```
 */
export interface ActorRef<In = unknown, Out = unknown> {
  /** The actor's pid, unique in the program. */
  readonly pid: number;
  /** The actor's name. */
  readonly name: string;
  /**
   * The messages sent to the actor that it has not received yet, those in flight included,
   * read from shared memory: for monitoring, and what a bounded mailbox's capacity limits.
   */
  readonly mailboxDepth: number;
  /**
   * Whether the actor is still running, read from shared memory.
   *
   * @returns False once the actor has exited.
   */
  isAlive(): boolean;
  /**
   * Sends `message` to the actor's mailbox, fire and forget, as Erlang's `!`. Messages from
   * one sender arrive in order; a message to an actor that has exited is dropped. When the
   * actor's mailbox is bounded and full, its overflow policy applies: `"block"` waits for room
   * (await the promise for backpressure), `"drop"` drops the message, `"fail"` rejects. Every
   * failure rejects the promise (never a throw at the call), and a refused message takes no
   * room in the mailbox.
   *
   * @param message Plain data, or handles (references, queues, locks), copied to the actor.
   * @param options How long a blocked send may wait (`Infinity` or omitted: no limit).
   * @returns Resolves once the message is on its way (or dropped).
   * @throws {CloneError} If the message cannot be copied to another actor.
   * @throws {MailboxFullError} If the bounded mailbox is full and its policy is `"fail"`.
   * @throws {TimeoutError} If a blocked send waited its whole `timeout`.
   */
  send(message: In, options?: SendOptions): Promise<void>;
  /**
   * Sends `message` as a request and resolves to the actor's reply, which it gives with
   * {@linkcode reply} (or by returning from a behaviour's `handleCall`).
   *
   * @typeParam R The reply's type, `Out` unless given.
   * @param message The request.
   * @param options A `timeout` in milliseconds (`Infinity` or omitted: no limit) and an abort
   * `signal`; both also cover the wait for room in a full `"block"` mailbox.
   * @returns The reply.
   * @throws {TimeoutError} If no reply arrives within `timeout`.
   * @throws {ActorExitedError} If the actor has exited, or exits before it replies (or while
   * the ask waits for room in its mailbox).
   * @throws {MailboxFullError} If its bounded mailbox is full and its policy is `"fail"` or
   * `"drop"`.
   */
  ask<R = Out>(message: In, options?: AskOptions): Promise<R>;
}
