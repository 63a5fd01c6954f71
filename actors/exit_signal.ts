import type { ActorRef } from "./actor_ref.ts";
import type { ExitReason } from "./exit_reason.ts";

/**
 * The message a linked actor's exit delivers to an actor that traps exits (Erlang's
 * `{'EXIT', Pid, Reason}`), after `await trapExit(true)`. The main program always traps exits.
 * Take it with `receive((m) => m instanceof ExitSignal)`.
 *
 * @example Recognise an exit signal
 * ```ts
 * import assert from "node:assert/strict";
 * import { ExitSignal, receive } from "../mod.ts";
 *
 * const signal = await receive((m) => m instanceof ExitSignal, { timeout: 0 }).catch(() => null);
 * assert.equal(signal, null); // nothing linked has exited
 * ```
 */
export class ExitSignal {
  /** The actor that exited. */
  readonly from: ActorRef;
  /** How it exited. */
  readonly reason: ExitReason;

  /**
   * Creates the signal; the runtime does this when a linked actor exits.
   *
   * @param from The actor that exited.
   * @param reason How it exited.
   */
  constructor(from: ActorRef, reason: ExitReason) {
    this.from = from;
    this.reason = reason;
  }
}
