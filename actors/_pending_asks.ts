/**
 * The asks an actor has sent and not yet had answered: each settles exactly once, by its reply,
 * its timeout, its abort signal, or the exit of the actor asked.
 *
 * @module
 */
import type { ReceiveOptions } from "./_mailbox.ts";
import { TimeoutError } from "./errors.ts";

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
   * @throws {RangeError} If the timeout is not a number of milliseconds >= 0.
   */
  open(pid: number, options: ReceiveOptions): { id: number; promise: Promise<unknown> } {
    const { timeout, signal } = options;
    if (timeout !== undefined && !(timeout >= 0)) {
      throw new RangeError(
        `Cannot ask actor ${pid}: timeout must be a number of milliseconds >= 0, got ${timeout}`,
      );
    }
    const id = ++this.#nextId;
    const answer = Promise.withResolvers<unknown>();
    const timer = timeout === undefined ? undefined : setTimeout(() => {
      this.reject(
        id,
        new TimeoutError(
          `Actor ${pid} did not reply within ${timeout} ms; ask again, or raise the timeout`,
        ),
      );
    }, timeout);
    const onAbort = () => this.reject(id, signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const cleanUp = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    this.#asks.set(id, { pid, answer, cleanUp });
    if (signal?.aborted) onAbort();
    return { id, promise: answer.promise };
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
