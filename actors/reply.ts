import { mail } from "./_kernel/mail.ts";
import { ProcessStateError } from "./errors.ts";

/**
 * Answers the ask that the last `receive()` returned: the asker's `ask()` resolves to `value`.
 * Each ask is answered once; an actor may receive other messages before it replies only if it
 * replies to this one first (gen_server behaviours answer for you: see
 * {@linkcode startServer}).
 *
 * @param value The reply: plain data or handles, copied to the asker.
 * @throws {ProcessStateError} If nothing was received yet, or the last message received was
 * not an ask, or it was answered already.
 * @throws {CloneError} If the value cannot be copied to another actor.
 *
 * @example Answer an ask
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawn } from "../mod.ts";
 * import { echoServer } from "../examples/doc_targets.ts";
 *
 * // echoServer does: for (;;) { const m = await receive(); if (m === "stop") break; reply(m); }
 * const echo = await spawn<string, string>(echoServer);
 * assert.equal(await echo.ask("ping"), "ping");
 * await echo.send("stop");
 * await echo.join();
 * ```
 */
export function reply(value: unknown): void {
  const letter = mail.lastLetter;
  if (letter === null) {
    throw new ProcessStateError("Cannot reply: this actor has not received any message yet");
  }
  mail.answer(letter, { ok: true, value });
}
