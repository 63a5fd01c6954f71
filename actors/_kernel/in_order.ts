/**
 * Messages numbered by their sender, handed on in that order however they arrive. A receiver
 * that takes some messages off a port with `receiveMessageOnPort` (while it waits briefly,
 * without the event loop) and gets others from the port's message events can see them out of
 * order: Deno may hold a message it has not dispatched yet as an event while a poll takes the
 * next one. Mail links number their envelopes and put them back in order here.
 *
 * @module
 */

/** Hands numbered messages on in their order. */
export class InOrder<T> {
  /** The number of the next message to hand on. */
  #next = 0;
  /** Messages that came before `#next`, by number. */
  readonly #early = new Map<number, T>();
  readonly #handle: (message: T) => void;

  /** @param handle What is done with each message, in order. */
  constructor(handle: (message: T) => void) {
    this.#handle = handle;
  }

  /** Whether messages that came early wait for one before them. */
  get waiting(): boolean {
    return this.#early.size > 0;
  }

  /** Takes message `seq`: hands it on, with those it was holding up, or keeps it until then. */
  arrive(seq: number, message: T): void {
    if (seq !== this.#next) return void this.#early.set(seq, message);
    let next: T | undefined = message;
    while (next !== undefined) {
      this.#early.delete(this.#next);
      this.#next++;
      this.#handle(next);
      next = this.#early.get(this.#next);
    }
  }
}
