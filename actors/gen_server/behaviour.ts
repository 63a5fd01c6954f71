/**
 * What a `handleCall` returns: the reply for the caller and the new state; `stop: true` ends
 * the server normally after the reply is sent.
 */
export interface CallResult<State, Reply> {
  /** The caller's `call` resolves to it. */
  reply: Reply;
  /** The state the next message sees. */
  state: State;
  /** Ends the server (its `terminate` runs with "normal") after replying. */
  stop?: boolean;
}

/** Why a server ends: its `stop()`, a `stop: true` result, or the error a handler threw. */
export type TerminateReason = "normal" | Error;

/**
 * A long-lived actor in the spirit of Erlang's `gen_server`: a class whose methods the
 * framework calls, holding the state between them. `init` builds the state from the start
 * arguments; `handleCall` answers a `call` (an ask); `handleCast` takes a `cast` (fire and
 * forget); `handleInfo` takes any other message (a plain `send`, an `ExitSignal`);
 * `terminate` runs once when the server ends. An error thrown by `handleCall` refuses that
 * request: the caller's `call` rejects with it and the state stays as it was (the TypeScript
 * form of OTP's `{reply, {error, Reason}, State}`). An error thrown by `init`, `handleCast` or
 * `handleInfo`, where no caller waits, crashes the server, as in OTP, so a
 * {@linkcode Supervisor} can restart it.
 *
 * Register the class with `task(import.meta, MyServer)` (or export it from the main module),
 * then start it with {@linkcode startServer}.
 *
 * @typeParam State The state the framework holds between messages.
 * @typeParam Call The requests `handleCall` answers.
 * @typeParam Cast The messages `handleCast` takes.
 * @typeParam Reply The replies `handleCall` gives.
 * @typeParam Args The arguments of `init`.
 *
 * @example A counter
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Behaviour, CallResult } from "../../mod.ts";
 *
 * class Counter implements Behaviour<number, "get", number, number, [number]> {
 *   init(start: number) {
 *     return start;
 *   }
 *   handleCall(_request: "get", state: number): CallResult<number, number> {
 *     return { reply: state, state };
 *   }
 *   handleCast(increment: number, state: number) {
 *     return state + increment;
 *   }
 * }
 * assert.equal(new Counter().handleCast(2, 40), 42);
 * ```
 */
export interface Behaviour<
  State,
  Call = never,
  Cast = never,
  Reply = unknown,
  Args extends unknown[] = [],
> {
  /** Builds the first state from the arguments given to `startServer`. */
  init(...args: Args): State | Promise<State>;
  /** Answers a `call`. */
  handleCall?(
    request: Call,
    state: State,
  ): CallResult<State, Reply> | Promise<CallResult<State, Reply>>;
  /** Takes a `cast`; returns the new state. */
  handleCast?(message: Cast, state: State): State | Promise<State>;
  /** Takes any other message (a `send`, an `ExitSignal`); returns the new state. */
  handleInfo?(message: unknown, state: State): State | Promise<State>;
  /** Runs once when the server ends, normally or not. */
  terminate?(reason: TerminateReason, state: State): void | Promise<void>;
}
