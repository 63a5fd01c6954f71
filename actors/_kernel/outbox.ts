/**
 * Sending to an actor's mailbox, bounded or not. A sender reserves a slot in the receiver's
 * mailbox words before it posts (the receiver frees it when it takes the message), so a bounded
 * mailbox's depth counts messages in flight too and can never exceed its capacity. When it is
 * full, the receiver's overflow policy decides: wait for room, drop the message, or fail. A send
 * that is refused (a message that cannot be cloned, a post that fails) takes no slot, or gives
 * it back, so a bounded mailbox never fills with messages that were never sent.
 *
 * @module
 */
import { waitUntil, wake } from "../_shm/futex.ts";
import {
  type ActorAddress,
  exitcodeOf,
  MAILBOX_CAPACITY,
  MAILBOX_DEPTH,
  MAILBOX_OVERFLOW,
  OVERFLOW_POLICIES,
} from "./protocol.ts";
import { MailboxFullError, TimeoutError } from "../errors.ts";

/** What became of a message: posted, dropped by a full `"drop"` mailbox, or its actor gone. */
export type SendOutcome = "posted" | "dropped" | "gone";

/** The outcome of a send posted at once, shared: comparing with it tells the fast path. */
export const SENT: Promise<SendOutcome> = Promise.resolve("posted");
const DROPPED: Promise<SendOutcome> = Promise.resolve("dropped");
/** The last send still waiting for room, by receiver: later sends queue behind it, in order. */
const waiting = new Map<number, Promise<unknown>>();

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

/** Gives back a slot taken for a message that was not posted, and wakes senders waiting for one. */
function unreserve(mailbox: Int32Array): void {
  Atomics.sub(mailbox, MAILBOX_DEPTH, 1);
  wake(mailbox);
}

/**
 * Runs `post` in a reserved slot; a post that throws gives the slot back. A posted message wakes
 * the receiver if it is blocked briefly in `receive()` (free when it is not): it polls its links
 * while it waits (see `Mail.takeLetter`).
 */
function postReserved(mailbox: Int32Array, post: () => void): void {
  try {
    post();
  } catch (error) {
    unreserve(mailbox);
    throw error;
  }
  wake(mailbox);
}

/**
 * How a send waits for room. `settled`/`isSettled` belong to an ask: once it has settled (its
 * timeout, its signal), the wait ends and nothing is posted.
 */
interface WaitForRoom {
  timeout?: number;
  settled?: Promise<unknown>;
  isSettled?: () => boolean;
}

/**
 * Reserves a slot in the mailbox at `address`, then runs `post`. Resolves once posted, dropped,
 * or found gone; waits first when the mailbox is full and its policy is `"block"`. Returns
 * {@linkcode SENT} itself when it posted at once.
 *
 * @throws {MailboxFullError} At once, if the mailbox is full and its policy is `"fail"`.
 * @throws {Error} Whatever `post` throws, when it posts at once (the slot is given back).
 */
export function sendWhenRoom(
  address: ActorAddress,
  mailbox: Int32Array,
  post: () => void,
  options: WaitForRoom = {},
): Promise<SendOutcome> {
  const pid = address.pid;
  const earlier = waiting.get(pid);
  if (earlier === undefined && tryReserve(mailbox)) {
    postReserved(mailbox, post);
    return SENT;
  }
  const policy = OVERFLOW_POLICIES[Atomics.load(mailbox, MAILBOX_OVERFLOW)];
  // Only a `"block"` mailbox has sends waiting for room.
  if (policy === "fail") throw mailboxFull(pid, mailbox);
  if (policy === "drop") return DROPPED;
  const status = new Int32Array(address.status);
  const gone = () => exitcodeOf(status) !== null;
  const settled = options.isSettled ?? (() => false);
  // An ask that settles while it waits (its timeout, its signal) ends the wait now.
  void options.settled?.then(() => wake(mailbox), () => wake(mailbox));
  const send = (earlier ?? SENT).then(async (): Promise<SendOutcome> => {
    let reserved = false;
    const ready = await waitUntil(
      mailbox,
      () => gone() || settled() || (reserved = tryReserve(mailbox)),
      { timeout: options.timeout },
      `send to actor ${pid}`,
    );
    if (!ready) {
      throw new TimeoutError(
        `Cannot send to actor ${pid}: its mailbox stayed full for ${options.timeout} ms`,
      );
    }
    if (reserved && !gone() && !settled()) {
      postReserved(mailbox, post);
      return "posted";
    }
    if (reserved) unreserve(mailbox);
    return gone() ? "gone" : "dropped";
  });
  waiting.set(pid, send);
  const forget = () => {
    if (waiting.get(pid) === send) waiting.delete(pid);
  };
  send.then(forget, forget);
  return send;
}

function mailboxFull(pid: number, mailbox: Int32Array): MailboxFullError {
  return new MailboxFullError(
    `Cannot send to actor ${pid}: its mailbox is full ` +
      `(${Atomics.load(mailbox, MAILBOX_CAPACITY)} messages); try again later`,
  );
}
