/**
 * The asks an actor has sent and not yet had answered: each settles exactly once, by its reply,
 * its timeout, its abort signal, or the exit of the actor asked.
 *
 * @module
 */
import type { ReceiveOptions } from "./mailbox.ts";
import {
  checkSignal,
  checkTimeout,
  describeValue,
  startTimer,
  stopTimer,
  type Timer,
} from "../_shm/time.ts";
import { TimeoutError } from "../errors.ts";

interface PendingAsk {
  readonly pid: number;
  readonly answer: PromiseWithResolvers<unknown>;
  /** Clears the timeout and the abort listener. */
  readonly cleanUp: () => void;
}

/** Open asks by id. */
export class PendingAsks {
  readonly #asks = new Map<number, PendingAsk>();
  #nextId = 0;

  /**
   * Opens an ask to actor `pid`.
   *
   * @throws {TypeError} If the options are not an object, the timeout not a number or the
   * signal not an `AbortSignal`.
   * @throws {RangeError} If the timeout is negative or NaN.
   */
  open(pid: number, options: ReceiveOptions = {}): { id: number; promise: Promise<unknown> } {
    const action = `ask actor ${pid}`;
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot ${action}: options must be an object, got ${describeValue(options)}`,
      );
    }
    const timeout = checkTimeout(options.timeout, action);
    const signal = checkSignal(options.signal, action);
    const id = ++this.#nextId;
    const answer = Promise.withResolvers<unknown>();
    let timer: Timer | undefined;
    if (timeout !== undefined) {
      timer = startTimer(timeout, () => {
        this.reject(
          id,
          new TimeoutError(
            `Actor ${pid} did not reply within ${timeout} ms; ask again, or raise the timeout`,
          ),
        );
      });
    }
    const onAbort = () => this.reject(id, signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const cleanUp = () => {
      stopTimer(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    this.#asks.set(id, { pid, answer, cleanUp });
    if (signal?.aborted) onAbort();
    return { id, promise: answer.promise };
  }

  /** Whether ask `id` still waits for its answer. */
  isOpen(id: number): boolean {
    return this.#asks.has(id);
  }

  /** Settles ask `id` with its reply; a late reply (after a timeout) is dropped. */
  resolve(id: number, value: unknown): void {
    this.#take(id)?.answer.resolve(value);
  }

  /** Rejects ask `id`. */
  reject(id: number, error: unknown): void {
    this.#take(id)?.answer.reject(error);
  }

  /** Rejects every ask still open to actor `pid`. */
  rejectAll(pid: number, error: unknown): void {
    for (const [id, ask] of this.#asks) if (ask.pid === pid) this.reject(id, error);
  }

  #take(id: number): PendingAsk | undefined {
    const ask = this.#asks.get(id);
    if (ask === undefined) return undefined;
    this.#asks.delete(id);
    ask.cleanUp();
    return ask;
  }
}
