/**
 * What a send to a full bounded mailbox does: `"block"` makes the sender wait for room (the
 * promise `send` returns resolves once there is), `"drop"` drops the message, `"fail"` throws
 * `MailboxFullError` at the sender.
 */
export type OverflowPolicy = "block" | "drop" | "fail";

/**
 * A bounded mailbox, for a {@linkcode Process} or {@linkcode spawn}. The bound counts messages
 * sent and not yet received, in flight included, so a fast sender cannot fill a slow actor's
 * memory.
 *
 * @example A mailbox of 100 messages whose senders wait for room
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MailboxOptions } from "../mod.ts";
 *
 * const mailbox: MailboxOptions = { capacity: 100, overflow: "block" };
 * assert.equal(mailbox.capacity, 100);
 * ```
 */
export interface MailboxOptions {
  /** The most messages the mailbox holds, an integer from 1 to 2^30. */
  capacity: number;
  /**
   * What a send to the full mailbox does.
   *
   * @default {"block"}
   */
  overflow?: OverflowPolicy;
}
