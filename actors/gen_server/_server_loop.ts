/**
 * The generic loop that runs every {@linkcode Behaviour} in its actor, as OTP's `gen_server`
 * module drives its callback modules: it holds the state and dispatches each message to
 * `handleCall`, `handleCast` or `handleInfo`.
 *
 * @module
 */
import type { TargetRef } from "../_kernel/protocol.ts";
import { type Letter, mail } from "../_kernel/mail.ts";
import { runtime } from "../_kernel/runtime.ts";
import { loadRef } from "../_kernel/targets.ts";
import type { Behaviour, TerminateReason } from "./behaviour.ts";
import { task } from "../task.ts";
import { initAck } from "../init_ack.ts";

/** The system request that stops a server normally (see `MailEnvelope.system`). */
export const STOP = "gen_server.stop";

type AnyBehaviour = Behaviour<unknown, unknown, unknown, unknown, unknown[]>;

/** Runs the behaviour class `behaviour` with `args` until it stops or a handler throws. */
export const serveBehaviour = task(
  import.meta,
  async function serveBehaviour(behaviour: TargetRef, args: unknown[]): Promise<void> {
    const BehaviourClass = await loadRef(behaviour) as unknown as new () => AnyBehaviour;
    const server = new BehaviourClass();
    let state = await server.init(...args);
    initAck();
    let reason: TerminateReason = "normal";
    try {
      while (true) {
        const letter = await mail.takeLetter();
        if (letter.system !== undefined) {
          if (letter.system !== STOP) {
            refuseSystem(letter);
            continue;
          }
          mail.answer(letter, { ok: true, value: null });
          return;
        }
        const next = await handle(server, letter, state);
        state = next.state;
        if (next.stop) return;
      }
    } catch (error) {
      reason = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      await server.terminate?.(reason, state);
    }
  },
);

/** Answers a system request this loop does not know (sent by another library, by mistake). */
function refuseSystem(letter: Letter): void {
  if (letter.ask === undefined) return;
  mail.answer(letter, {
    ok: false,
    error: new TypeError(
      `Cannot ${JSON.stringify(letter.system)} server ${runtime.name}: a gen_server answers ` +
        `only ${JSON.stringify(STOP)} among system requests`,
    ),
  });
}

async function handle(
  server: AnyBehaviour,
  letter: Letter,
  state: unknown,
): Promise<{ state: unknown; stop: boolean }> {
  if (letter.ask === undefined) {
    const handler = letter.cast ? server.handleCast : server.handleInfo;
    return {
      state: handler === undefined ? state : await handler.call(server, letter.body, state),
      stop: false,
    };
  }
  if (server.handleCall === undefined) {
    mail.answer(letter, {
      ok: false,
      error: new TypeError(`Cannot call server ${runtime.name}: its behaviour has no handleCall`),
    });
    return { state, stop: false };
  }
  try {
    const result = await server.handleCall(letter.body, state);
    mail.answer(letter, { ok: true, value: result.reply });
    return { state: result.state, stop: result.stop === true };
  } catch (error) {
    // A refused request, as a thrown error: the caller gets it, the state is unchanged.
    mail.answer(letter, { ok: false, error });
    return { state, stop: false };
  }
}
