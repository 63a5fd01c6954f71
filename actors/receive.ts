import type { MessagePredicate, ReceiveOptions } from "./_kernel/mailbox.ts";
import { type Letter, mail } from "./_kernel/mail.ts";
import { describeValue } from "./_shm/time.ts";

export type { MessagePredicate, ReceiveOptions };

/**
 * Takes the next message from the current actor's mailbox, waiting for one if it is empty.
 * With a predicate, takes the oldest message it accepts (selective receive, as in Erlang):
 * the others stay in the mailbox, in order.
 *
 * Messages come from any actor holding a reference to this one: the parent's `p.send(msg)`,
 * a child's `parentProcess().send(msg)`, or `ref.send(msg)` / `ref.ask(msg)` with a reference
 * from {@linkcode self} or {@linkcode whereis}. Answer an ask with {@linkcode reply}.
 *
 * @typeParam T The type of message expected; not checked at run time.
 * @param options `timeout` in milliseconds (`Infinity` or omitted: no limit) and an abort
 * `signal`.
 * @returns The message.
 * @throws {TimeoutError} If no message arrives within `timeout`.
 * @throws {RangeError} If `timeout` is negative or NaN (the promise rejects; nothing is taken).
 *
 * @example Wait for a message, or give up
 * ```ts
 * import assert from "node:assert/strict";
 * import { receive, TimeoutError } from "../mod.ts";
 *
 * await assert.rejects(receive({ timeout: 10 }), TimeoutError);
 * ```
 */
export function receive<T = unknown>(options?: ReceiveOptions): Promise<T>;
/**
 * Takes the oldest message that `predicate` accepts, leaving the others in the mailbox.
 *
 * @typeParam T The type the predicate narrows to.
 * @param predicate Selects the message to take.
 * @param options `timeout` in milliseconds and an abort `signal`.
 * @returns The message.
 * @throws {TimeoutError} If no accepted message arrives within `timeout`.
 *
 * @example Take replies before other messages
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentProcess, receive } from "../mod.ts";
 *
 * currentProcess().send({ kind: "log" });
 * currentProcess().send({ kind: "reply", value: 42 });
 * const reply = await receive((m: unknown) => (m as { kind: string }).kind === "reply");
 * assert.equal((reply as { value: number }).value, 42);
 * await receive(); // the log message is still there
 * ```
 */
export function receive<T = unknown>(
  predicate: MessagePredicate<unknown>,
  options?: ReceiveOptions,
): Promise<T>;
export async function receive<T>(
  predicateOrOptions?: MessagePredicate<unknown> | ReceiveOptions,
  options?: ReceiveOptions,
): Promise<T> {
  // `receive(undefined, { timeout })` is the selective form without a predicate: its options
  // count, as do those of `receive({ timeout })`.
  const selective = typeof predicateOrOptions === "function" || predicateOrOptions === undefined;
  if (!selective && (typeof predicateOrOptions !== "object" || predicateOrOptions === null)) {
    throw new TypeError(
      "Cannot receive: the first argument must be a predicate function or an options object, " +
        `got ${describeValue(predicateOrOptions)}`,
    );
  }
  const predicate = selective
    ? predicateOrOptions as MessagePredicate<unknown> | undefined
    : undefined;
  const waitOptions = selective ? options : predicateOrOptions as ReceiveOptions;
  const letter = await mail.takeLetter(
    predicate === undefined
      ? isUserMail
      : (letter) => letter.system === undefined && predicate(letter.body),
    waitOptions,
  );
  mail.lastLetter = letter;
  return letter.body as T;
}

/** User mail: not a library's own request to its actor (see `MailEnvelope.system`). */
function isUserMail(letter: Letter): boolean {
  return letter.system === undefined;
}
