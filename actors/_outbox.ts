/**
 * Sending to an actor's mailbox, bounded or not. A sender reserves a slot in the receiver's
 * mailbox words before it posts (the receiver frees it when it takes the message), so a bounded
 * mailbox's depth counts messages in flight too and can never exceed its capacity. When it is
 * full, the receiver's overflow policy decides: wait for room, drop the message, or throw.
 *
 * @module
 */
import { waitUntil } from "./_futex.ts";
import {
  type ActorAddress,
  MAILBOX_CAPACITY,
  MAILBOX_DEPTH,
  MAILBOX_OVERFLOW,
  OVERFLOW_POLICIES,
} from "./_protocol.ts";
import { exitcodeOf, runtime } from "./_runtime.ts";
import { MailboxFullError, TimeoutError } from "./errors.ts";

/** How long a send to a full mailbox whose policy is `"block"` may wait. */
export interface SendOptions {
  /**
   * Milliseconds to wait for room in a full bounded mailbox before rejecting with
   * `TimeoutError`; forever when omitted. Unused by unbounded mailboxes.
   */
  timeout?: number;
}

/** What an ask may carry besides the message. */
export interface AskOptions {
  /** Milliseconds to wait for the reply before rejecting with `TimeoutError`; forever if omitted. */
  timeout?: number;
  /** Cancels the wait: the ask rejects with the signal's reason, and a late reply is dropped. */
  signal?: AbortSignal;
}

const SENT: Promise<void> = Promise.resolve();
/** The last send still waiting for room, by receiver: later sends queue behind it, in order. */
const waiting = new Map<number, Promise<void>>();

/** Takes a slot in `mailbox` if it has room. */
function tryReserve(mailbox: Int32Array): boolean {
  const capacity = Atomics.load(mailbox, MAILBOX_CAPACITY);
  if (capacity === 0) {
    Atomics.add(mailbox, MAILBOX_DEPTH, 1);
    return true;
  }
  while (true) {
    const depth = Atomics.load(mailbox, MAILBOX_DEPTH);
    if (depth >= capacity) return false;
    if (Atomics.compareExchange(mailbox, MAILBOX_DEPTH, depth, depth + 1) === depth) return true;
  }
}

/**
 * Reserves a slot in the mailbox at `address`, then runs `post`. Resolves once posted (or
 * dropped); waits first when the mailbox is full and its policy is `"block"`.
 *
 * @throws {MailboxFullError} At once, if the mailbox is full and its policy is `"fail"`.
 */
export function sendWhenRoom(
  address: ActorAddress,
  mailbox: Int32Array,
  post: () => void,
  options: SendOptions = {},
): Promise<void> {
  const pid = address.pid;
  const earlier = waiting.get(pid);
  if (earlier === undefined && tryReserve(mailbox)) {
    post();
    return SENT;
  }
  const policy = OVERFLOW_POLICIES[Atomics.load(mailbox, MAILBOX_OVERFLOW)];
  if (policy === "fail") {
    throw new MailboxFullError(
      `Cannot send to actor ${pid}: its mailbox is full ` +
        `(${Atomics.load(mailbox, MAILBOX_CAPACITY)} messages); try again later`,
    );
  }
  if (policy === "drop") return SENT;
  const status = new Int32Array(address.status);
  const gone = () => exitcodeOf(status) !== null;
  const send = (earlier ?? SENT).then(async () => {
    const reserved = await waitUntil(
      mailbox,
      () => gone() || tryReserve(mailbox),
      options,
      `send to actor ${pid}`,
    );
    if (!reserved) {
      throw new TimeoutError(
        `Cannot send to actor ${pid}: its mailbox stayed full for ${options.timeout} ms`,
      );
    }
    if (!gone()) post();
  });
  waiting.set(pid, send);
  const forget = () => {
    if (waiting.get(pid) === send) waiting.delete(pid);
  };
  send.then(forget, forget);
  return runtime.waitFor(send);
}
