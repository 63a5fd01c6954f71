/**
 * The reference to an actor that any actor can hold: its address (pid, name, and the shared
 * status and mailbox words). It crosses between actors as a handle, in messages and arguments,
 * and is revived there as the same reference.
 *
 * @module
 */
import type { Transferable } from "node:worker_threads";
import { describeHandle, type HandleDescription, registerHandleKind } from "./handles.ts";
import { mail } from "./mail.ts";
import { type ActorAddress, exitcodeOf, MAILBOX_DEPTH } from "./protocol.ts";
import { describeValue } from "../_shm/time.ts";
import type { ActorRef, AskOptions, SendOptions } from "../actor_ref.ts";

/** The kind of an actor reference's description: the one kind that crosses between machines. */
export const ACTOR_REF_KIND = "actorRef";
const KIND = ACTOR_REF_KIND;

/**
 * `ref[askSystem](name, body, options)`: asks the actor a library's own request `name` (a
 * server's `stop`, a manager's `connect`), which its library's loop answers and `receive()`
 * never takes. A symbol, so that no user message can be one by accident.
 */
export const askSystem: unique symbol = Symbol("askSystem");

/**
 * `ref[sendSystem](name, body, transfer)`: sends a library's own request `name`, as
 * {@linkcode askSystem} asks; `transfer` hands over the ports in `body` (a pool worker's link).
 */
export const sendSystem: unique symbol = Symbol("sendSystem");

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
    return mail.send(this.#address, this.#mailbox, message, {}, options);
  }

  /** A gen_server cast: a send its behaviour handles with `handleCast`. */
  cast(message: unknown, options?: SendOptions): Promise<void> {
    return mail.send(this.#address, this.#mailbox, message, { cast: true }, options);
  }

  ask<R = Out>(message: In, options?: AskOptions): Promise<R> {
    return mail.ask(this.#address, this.#status, this.#mailbox, message, options) as Promise<R>;
  }

  [askSystem](name: string, body: unknown, options?: AskOptions): Promise<unknown> {
    return mail.ask(this.#address, this.#status, this.#mailbox, body, options, name);
  }

  [sendSystem](name: string, body: unknown, transfer?: Transferable[]): Promise<void> {
    return mail.send(this.#address, this.#mailbox, body, { system: name }, undefined, transfer);
  }

  toString(): string {
    return `<ActorRef name="${this.name}" pid=${this.pid}>`;
  }

  [describeHandle](): HandleDescription {
    return { kind: KIND, data: this.#address };
  }
}

registerHandleKind(import.meta, KIND, (data) => new ActorHandle(data as ActorAddress));

/**
 * The pid of `ref`, an actor reference (or a started `Process`), for the APIs that take one.
 *
 * @throws {TypeError} If `ref` is not an actor reference.
 */
export function pidOf(ref: unknown, action: string): number {
  const pid = typeof ref === "object" && ref !== null ? (ref as { pid?: unknown }).pid : undefined;
  if (typeof pid === "number" && Number.isInteger(pid) && pid >= 1) return pid;
  throw new TypeError(
    `Cannot ${action}: expected an actor reference (from self(), whereis(), spawn() or a ` +
      `started Process), got ${
        typeof ref === "object" && ref !== null && "pid" in ref
          ? "a process that was not started"
          : describeValue(ref)
      }`,
  );
}
