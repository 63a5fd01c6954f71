import {
  checkSignal,
  checkTimeout,
  describeValue,
  startTimer,
  stopTimer,
  type Timer,
} from "../_shm/time.ts";
import { TimeoutError } from "../errors.ts";

/** How long a receive may wait, and a signal that cancels it. */
export interface ReceiveOptions {
  /**
   * Milliseconds to wait for a matching message before rejecting with `TimeoutError`; `0` only
   * looks at what is already in the mailbox. Waits forever when omitted or `Infinity`.
   */
  timeout?: number;
  /** Cancels the wait; the receive rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Selects which message a receive takes; messages it rejects stay in the mailbox, in order. */
export type MessagePredicate<T> = (message: T) => boolean;

interface Waiter<T> {
  accepts: MessagePredicate<T>;
  take(message: T): void;
}

const acceptAll = () => true;

/**
 * An actor's mailbox: an unbounded FIFO of delivered messages and a FIFO of receivers waiting
 * for one. A delivered message goes to the oldest waiter that accepts it, else to the queue, so
 * nothing is lost when the receiver is slow and order is kept per sender.
 */
export class Mailbox<T = unknown> {
  #messages: T[] = [];
  #head = 0;
  #waiters = new Set<Waiter<T>>();

  /** The number of messages waiting to be received. */
  get size(): number {
    return this.#messages.length - this.#head;
  }

  /** Whether a message `predicate` accepts is queued (any message, when omitted). */
  holds(predicate: MessagePredicate<T> = acceptAll): boolean {
    return this.#indexOf(predicate) >= 0;
  }

  /** Hands `message` to a waiting receiver, or queues it. */
  deliver(message: T): void {
    for (const waiter of this.#waiters) {
      if (waiter.accepts(message)) {
        this.#waiters.delete(waiter);
        waiter.take(message);
        return;
      }
    }
    this.#messages.push(message);
  }

  /**
   * Takes the oldest message accepted by `predicate`, waiting for one if none is queued.
   * Rejects (never throws) on bad options: a timeout that is not a number of milliseconds
   * `>= 0` (or `Infinity`), a signal that is not an `AbortSignal`.
   */
  receive(predicate: MessagePredicate<T> = acceptAll, options: ReceiveOptions = {}): Promise<T> {
    let timeout: number | undefined;
    let signal: AbortSignal | undefined;
    try {
      if (typeof options !== "object" || options === null) {
        throw new TypeError(
          `Cannot receive: options must be an object, got ${describeValue(options)}`,
        );
      }
      timeout = checkTimeout(options.timeout, "receive");
      signal = checkSignal(options.signal, "receive");
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const index = this.#indexOf(predicate);
    if (index >= 0) return Promise.resolve(this.#takeAt(index));
    if (timeout === 0) return Promise.reject(noMessageError(timeout));
    return this.#wait(predicate, timeout, signal);
  }

  #wait(predicate: MessagePredicate<T>, timeout?: number, signal?: AbortSignal): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    let timer: Timer | undefined;
    const settle = () => {
      this.#waiters.delete(waiter);
      stopTimer(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const waiter: Waiter<T> = {
      accepts: predicate,
      take(message) {
        settle();
        resolve(message);
      },
    };
    const onAbort = () => {
      settle();
      reject(signal?.reason);
    };
    this.#waiters.add(waiter);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeout !== undefined) {
      timer = startTimer(timeout, () => {
        settle();
        reject(noMessageError(timeout));
      });
    }
    return promise;
  }

  #indexOf(predicate: MessagePredicate<T>): number {
    for (let index = this.#head; index < this.#messages.length; index++) {
      if (predicate(this.#messages[index])) return index;
    }
    return -1;
  }

  #takeAt(index: number): T {
    const message = this.#messages[index];
    if (index === this.#head) {
      this.#head++;
      if (this.#head * 2 >= this.#messages.length) {
        this.#messages = this.#messages.slice(this.#head);
        this.#head = 0;
      }
    } else {
      this.#messages.splice(index, 1);
    }
    return message;
  }
}

function noMessageError(timeout: number): TimeoutError {
  return new TimeoutError(
    `No matching message arrived within ${timeout} ms; receive() again, or raise the timeout`,
  );
}
