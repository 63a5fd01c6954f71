/**
 * The children an actor started and has not reaped yet, and how the root supervisor's news of
 * them (started, failed to start, exited) settles their records. A child is reaped only once
 * the mail it sent before its exit has arrived, so a join sees all of it.
 *
 * @module
 */
import type { MessagePort } from "node:worker_threads";
import { reviveHandles } from "./handles.ts";
import { mail, MAIL_END_GRACE_MS } from "./mail.ts";
import {
  type ChildCommand,
  EXITED,
  type KernelValue,
  STATUS_EXITCODE,
  STATUS_STATE,
} from "./protocol.ts";
import { deserializeError } from "./wire_errors.ts";
import { ActorExitedError } from "../errors.ts";

/** The parent's view of a child it started. */
export interface ChildRecord {
  readonly pid: number;
  readonly name: string;
  readonly identity: number[];
  readonly daemon: boolean;
  /** Int32Array [state, exitcode], written by the supervisor, read without a message. */
  readonly status: Int32Array;
  /** The parent's end of the mail link. */
  readonly port: MessagePort;
  /** The child's mailbox words. */
  readonly mailbox: Int32Array;
  /** The start waits for the child's `initAck`, whose value `started` resolves to. */
  readonly initAck: boolean;
  /**
   * Settles when the child runs (with its `initAck` value, when it was started to wait for
   * one) or cannot start; for an `initAck` child, also when it ends before acknowledging.
   */
  readonly started: PromiseWithResolvers<unknown>;
  readonly exited: PromiseWithResolvers<void>;
  /** Resolves when the child's `end` marker arrives: all its mail has been delivered. */
  readonly mailEnded: PromiseWithResolvers<void>;
  error: Error | null;
  /** The `Process` object that represents the child, for `activeChildren()`. */
  readonly handle: object;
}

/** This actor's live children, by pid. */
export class Children {
  readonly #children = new Map<number, ChildRecord>();
  /** The children whose start the root has reported: an exit before it fails an `initAck` start. */
  readonly #running = new WeakSet<ChildRecord>();
  readonly #reaped: () => void;

  /** `reaped` is called after each child is removed. */
  constructor(reaped: () => void) {
    this.#reaped = reaped;
  }

  get size(): number {
    return this.#children.size;
  }

  /** The children that have not been reaped yet, oldest first. */
  live(): ChildRecord[] {
    return [...this.#children.values()];
  }

  /** Records `child` and links its mail. */
  add(child: ChildRecord): void {
    this.#children.set(child.pid, child);
    mail.linkChild(child.pid, child.port, child.mailEnded.resolve);
  }

  /** Applies the root's news of a child; news of a child not (or no longer) here is ignored. */
  settle(command: ChildCommand): void {
    const child = this.#children.get(command.pid);
    if (child === undefined) return;
    switch (command.type) {
      case "childStarted":
        this.#running.add(child);
        if (command.ack === undefined) child.started.resolve(undefined);
        else child.started.resolve(acknowledged(command.ack));
        return;
      case "childStartFailed":
        this.#end(child, 1, deserializeError(command.error), true, false);
        return;
      case "childExited":
        this.#end(
          child,
          command.exitcode,
          command.error === null ? null : deserializeError(command.error),
          false,
          command.mailEnds,
        );
        return;
      default: {
        const unknown: never = command;
        throw new TypeError(`Unknown supervisor command ${JSON.stringify(unknown)}`);
      }
    }
  }

  #end(
    child: ChildRecord,
    exitcode: number,
    error: Error | null,
    startFailed: boolean,
    mailEnds: boolean,
  ): void {
    if (Atomics.load(child.status, STATUS_STATE) !== EXITED) {
      Atomics.store(child.status, STATUS_EXITCODE, exitcode);
      Atomics.store(child.status, STATUS_STATE, EXITED);
    }
    child.error = error;
    if (startFailed && error !== null) child.started.reject(error);
    if (child.initAck && !this.#running.has(child)) {
      child.started.reject(
        error ??
          new ActorExitedError(
            `Cannot start process "${child.name}": it exited with code ${exitcode} before it ` +
              "called initAck()",
          ),
      );
    }
    child.started.resolve(undefined);
    const reap = () => {
      mail.unlinkChild(child.pid);
      this.#children.delete(child.pid);
      child.exited.resolve();
      this.#reaped();
    };
    if (!mailEnds) return reap();
    // Mail the child sent before it exited may still be in flight: a join must see all of it.
    const fallback = setTimeout(child.mailEnded.resolve, MAIL_END_GRACE_MS);
    void child.mailEnded.promise.then(() => {
      clearTimeout(fallback);
      reap();
    });
  }
}

/** The value of a child's `initAck`, its handles revived. */
function acknowledged(ack: KernelValue): unknown {
  return ack.handles ? reviveHandles(ack.value) : ack.value;
}
