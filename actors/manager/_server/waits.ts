/**
 * The managed objects a caller can wait on: queues, locks and semaphores (permits), events.
 * The manager never blocks: a call that must wait leaves a waiter, answered when the object
 * changes or its timeout passes, while the manager goes on serving everyone else. Permits are
 * counted per session (one connection, one actor), so a session that ends, however it ends,
 * gives back what it held and drops what it waited for: nothing stays held by the dead.
 *
 * @module
 */
import { Empty, Full } from "../../../channels/errors.ts";
import { checkTimeout, startTimer, stopTimer, type Timer } from "../../_shm/time.ts";
import { checkMaxsize, checkPermits, type WaitOptions, waitOptions } from "../_wire/args.ts";
import { ReleaseError } from "../../sync/errors.ts";

/** A connection to the manager; one per actor. */
export interface Session {
  readonly id: number;
}

/** How a waiting call is answered. */
export interface Reply {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What a method returns when it left a waiter instead of answering. */
export const WAITING: unique symbol = Symbol("waiting");

interface Waiter<T> {
  session: Session;
  reply: Reply;
  data: T;
  timer: Timer | undefined;
}

/** Waiters in arrival order, each with an optional timeout. */
class WaitList<T> {
  #waiters: Waiter<T>[] = [];

  get length(): number {
    return this.#waiters.length;
  }

  /** Adds a waiter; `onTimeout` answers it if nothing else has when `timeout` passes. */
  add(
    session: Session,
    reply: Reply,
    data: T,
    timeout: number | undefined,
    onTimeout: (reply: Reply) => void,
  ): typeof WAITING {
    const waiter: Waiter<T> = { session, reply, data, timer: undefined };
    if (timeout !== undefined) {
      waiter.timer = startTimer(timeout, () => {
        this.#waiters = this.#waiters.filter((other) => other !== waiter);
        onTimeout(reply);
      });
    }
    this.#waiters.push(waiter);
    return WAITING;
  }

  /** Removes and returns the oldest waiter. */
  shift(): Waiter<T> | undefined {
    const waiter = this.#waiters.shift();
    stopTimer(waiter?.timer);
    return waiter;
  }

  /** Drops the waiters of `session`, which will never read an answer. */
  drop(session: Session): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.session !== session) return true;
      stopTimer(waiter.timer);
      return false;
    });
  }

  /** Drops every waiter and its timer. */
  clear(): void {
    for (const waiter of this.#waiters) stopTimer(waiter.timer);
    this.#waiters = [];
  }
}

/** A managed object a caller can wait on. */
export interface Waitable {
  method(session: Session, method: string, args: unknown[], reply: Reply): unknown;
  /** Gives back what `session` held and drops its waiters. */
  disconnect(session: Session): void;
  /** Drops every waiter, when the manager stops. */
  close(): void;
}

/** A FIFO queue with an optional bound, as Python's managed `Queue`. */
export class ManagedQueue implements Waitable {
  readonly #maxsize: number;
  #items: unknown[] = [];
  readonly #getters = new WaitList<null>();
  readonly #putters = new WaitList<unknown>();

  constructor(maxsize: unknown) {
    this.#maxsize = checkMaxsize(maxsize);
  }

  method(session: Session, method: string, args: unknown[], reply: Reply): unknown {
    switch (method) {
      case "put":
        return this.#put(session, args[0], waitOptions(args[1], "put on queue"), reply);
      case "get":
        return this.#get(session, waitOptions(args[0], "get from queue"), reply);
      case "qsize":
        return this.#items.length;
      case "empty":
        return this.#items.length === 0;
      case "full":
        return this.#isFull();
      default:
        throw new TypeError(`Cannot call queue.${method}: a managed queue has no such method`);
    }
  }

  disconnect(session: Session): void {
    this.#getters.drop(session);
    this.#putters.drop(session);
  }

  close(): void {
    this.#getters.clear();
    this.#putters.clear();
  }

  #isFull(): boolean {
    return this.#maxsize > 0 && this.#items.length >= this.#maxsize;
  }

  #put(session: Session, item: unknown, options: WaitOptions, reply: Reply): unknown {
    if (!this.#isFull() && this.#putters.length === 0) {
      this.#items.push(item);
      this.#serveGetters();
      return undefined;
    }
    if (!options.blocking) throw new Full("Cannot put: the queue is full");
    return this.#putters.add(session, reply, item, options.timeout, (late) => {
      late.reject(new Full(`Cannot put: the queue stayed full for ${options.timeout} ms`));
    });
  }

  #get(session: Session, options: WaitOptions, reply: Reply): unknown {
    if (this.#items.length > 0) {
      const item = this.#items.shift();
      this.#admitPutters();
      return item;
    }
    if (!options.blocking) throw new Empty("Cannot get: the queue is empty");
    return this.#getters.add(session, reply, null, options.timeout, (late) => {
      late.reject(new Empty(`Cannot get: the queue stayed empty for ${options.timeout} ms`));
    });
  }

  #serveGetters(): void {
    while (this.#items.length > 0 && this.#getters.length > 0) {
      this.#getters.shift()!.reply.resolve(this.#items.shift());
      this.#admitPutters();
    }
  }

  #admitPutters(): void {
    while (!this.#isFull() && this.#putters.length > 0) {
      const putter = this.#putters.shift()!;
      this.#items.push(putter.data);
      putter.reply.resolve(undefined);
    }
  }
}

/**
 * Permits: a `Lock` is one bounded permit, a `Semaphore` a counter. Like the project's shared
 * primitives, a release gives back the caller's own permit first, else another holder's, else
 * (an unbounded semaphore only) a new one.
 */
export class ManagedPermits implements Waitable {
  readonly #noun: "lock" | "semaphore";
  #free: number;
  readonly #held = new Map<Session, number>();
  readonly #waiters = new WaitList<null>();

  constructor(noun: "lock" | "semaphore", initial: unknown) {
    this.#noun = noun;
    this.#free = noun === "lock" ? 1 : checkPermits(initial);
  }

  method(session: Session, method: string, args: unknown[], reply: Reply): unknown {
    switch (method) {
      case "acquire":
        return this.#acquire(session, waitOptions(args[0], `acquire ${this.#noun}`), reply);
      case "release":
        this.#release(session);
        return undefined;
      case "locked":
        return this.#free === 0;
      case "getValue":
        return this.#free;
      default:
        throw new TypeError(
          `Cannot call ${this.#noun}.${method}: a managed ${this.#noun} has no such method`,
        );
    }
  }

  disconnect(session: Session): void {
    this.#waiters.drop(session);
    this.#free += this.#held.get(session) ?? 0;
    this.#held.delete(session);
    this.#handOut();
  }

  close(): void {
    this.#waiters.clear();
  }

  #take(session: Session): void {
    this.#free--;
    this.#held.set(session, (this.#held.get(session) ?? 0) + 1);
  }

  #acquire(session: Session, options: WaitOptions, reply: Reply): unknown {
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#take(session);
      return true;
    }
    if (!options.blocking) return false;
    return this.#waiters.add(session, reply, null, options.timeout, (late) => late.resolve(false));
  }

  #release(session: Session): void {
    const holder = this.#held.has(session) ? session : this.#held.keys().next().value;
    if (holder !== undefined) {
      const count = this.#held.get(holder)! - 1;
      if (count === 0) this.#held.delete(holder);
      else this.#held.set(holder, count);
    } else if (this.#noun === "lock") {
      throw new ReleaseError("Cannot release lock: it is not locked");
    }
    this.#free++;
    this.#handOut();
  }

  #handOut(): void {
    while (this.#free > 0 && this.#waiters.length > 0) {
      const waiter = this.#waiters.shift()!;
      this.#take(waiter.session);
      waiter.reply.resolve(true);
    }
  }
}

/** A flag that wakes every waiter when set, as Python's managed `Event`. */
export class ManagedEvent implements Waitable {
  #flag = false;
  readonly #waiters = new WaitList<null>();

  method(session: Session, method: string, args: unknown[], reply: Reply): unknown {
    switch (method) {
      case "set":
        this.#flag = true;
        for (let waiter = this.#waiters.shift(); waiter; waiter = this.#waiters.shift()) {
          waiter.reply.resolve(true);
        }
        return undefined;
      case "clear":
        this.#flag = false;
        return undefined;
      case "isSet":
        return this.#flag;
      case "wait": {
        const timeout = checkTimeout(args[0], "wait for event");
        if (this.#flag) return true;
        return this.#waiters.add(session, reply, null, timeout, (late) => late.resolve(false));
      }
      default:
        throw new TypeError(`Cannot call event.${method}: a managed event has no such method`);
    }
  }

  disconnect(session: Session): void {
    this.#waiters.drop(session);
  }

  close(): void {
    this.#waiters.clear();
  }
}
