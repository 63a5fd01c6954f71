/**
 * The reference to an actor that any actor can hold: its address (pid, name, and the shared
 * status and mailbox words). It crosses between actors as a handle, in messages and arguments,
 * and is revived there as the same reference.
 *
 * @module
 */
import { type AskOptions, type SendOptions, sendWhenRoom } from "./_outbox.ts";
import { describeHandle, type HandleDescription, registerHandleKind } from "./_portable.ts";
import { type ActorAddress, MAILBOX_DEPTH } from "./_protocol.ts";
import { exitcodeOf, runtime } from "./_runtime.ts";
import type { ActorRef } from "./actor_ref.ts";
import { MailboxFullError } from "./errors.ts";

const KIND = "actorRef";

/** The one implementation of {@linkcode ActorRef}. */
export class ActorHandle<In = unknown, Out = unknown> implements ActorRef<In, Out> {
  readonly #address: ActorAddress;
  readonly #status: Int32Array;
  readonly #mailbox: Int32Array;

  constructor(address: ActorAddress) {
    this.#address = address;
    this.#status = new Int32Array(address.status);
    this.#mailbox = new Int32Array(address.mailbox);
  }

  get pid(): number {
    return this.#address.pid;
  }

  get name(): string {
    return this.#address.name;
  }

  get mailboxDepth(): number {
    return Math.max(0, Atomics.load(this.#mailbox, MAILBOX_DEPTH));
  }

  /** The exit code once the actor has exited, else null. */
  get exitcode(): number | null {
    return exitcodeOf(this.#status);
  }

  isAlive(): boolean {
    return this.exitcode === null;
  }

  send(message: In, options?: SendOptions): Promise<void> {
    return sendWhenRoom(
      this.#address,
      this.#mailbox,
      () => runtime.post(this.#address, message),
      options,
    );
  }

  /** A gen_server cast: a send its behaviour handles with `handleCast`. */
  cast(message: unknown, options?: SendOptions): Promise<void> {
    return sendWhenRoom(
      this.#address,
      this.#mailbox,
      () => runtime.post(this.#address, message, { cast: true }),
      options,
    );
  }

  ask<R = Out>(message: In, options: AskOptions = {}): Promise<R> {
    let reply: Promise<unknown> | undefined;
    try {
      const sent = sendWhenRoom(this.#address, this.#mailbox, () => {
        reply = runtime.ask(this.#address, this.#status, message, options);
      });
      // Posted at once (the usual case): no extra turn through the send's promise.
      if (reply !== undefined) return reply as Promise<R>;
      return sent.then(() => {
        if (reply === undefined) {
          throw new MailboxFullError(
            `Cannot ask actor ${this.pid}: its mailbox is full and drops what does not fit`,
          );
        }
        return reply as Promise<R>;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  toString(): string {
    return `<ActorRef name="${this.name}" pid=${this.pid}>`;
  }

  [describeHandle](): HandleDescription {
    return { module: import.meta.url, kind: KIND, data: this.#address };
  }
}

registerHandleKind(import.meta, KIND, (data) => new ActorHandle(data as ActorAddress));
