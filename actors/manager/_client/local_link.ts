/**
 * A client's link to a manager of the same program, through shared memory: the actor's channel
 * (`_wire/session_ring.ts`), handed to the manager's actor once, by an ask. Requests are copied
 * into the request ring and published at once. The manager spins briefly for requests before it
 * blocks or sleeps, and this side spins briefly for the replies, then blocks for at most 0.5 ms,
 * then sleeps on the event loop (`MANAGER_REPLY_SPIN`); so while both are busy a round trip wakes
 * nobody and costs a few microseconds. A sleeping side is woken through its word
 * (`Atomics.notify`); a sleep on the event loop also re-checks on a short timer, as Deno does
 * not always deliver that wake to an idle event loop. Replies that arrive one after another
 * would complete promise after promise without ever letting this thread's timers, I/O and mail
 * in, so the reader lets the event loop run every 2 ms.
 *
 * The manager learns that this actor ended from the root supervisor (it monitors each client
 * actor), so a client killed at any instruction ends its session: the requests it published
 * whole are applied, a frame it did not finish is dropped. If the manager's actor ends, this
 * side sees it in the actor's shared status words and fails every pending call.
 *
 * @module
 */
import type { LinkOwner, LocalEndpoint, ManagerLink } from "./link.ts";
import { Futex, MANAGER_REPLY_SPIN } from "../../_shm/futex.ts";
import {
  BELL,
  CLIENT_CLOSED,
  CLIENT_FUTEX,
  CLOSED,
  CLOSED_SHUTDOWN,
  eventLoopTurn,
  MANAGER_FUTEX,
  MANAGER_SLEEPING,
  MANAGER_WANTS_ROOM,
  newChannel,
  OPEN,
  RingFrameReader,
  RingFrameWriter,
  STOPPED,
  turnDue,
  turned,
} from "../_wire/session_ring.ts";
import { CONNECT_REQUEST } from "../_wire/protocol.ts";
import { type ActorHandle, askSystem } from "../../_kernel/actor_handle.ts";
import { runtime } from "../../_kernel/runtime.ts";
import { self } from "../../self.ts";

/** Bytes put in that wake a sleeping manager at once rather than when this actor waits. */
const NUDGE_BYTES = 2048;

const WRITTEN: Promise<void> = Promise.resolve();

type ReaderState = "idle" | "scheduled" | "running" | "yielding" | "parked";

/**
 * Rings the manager's bell, for what it does not see by itself: a new or closed channel, room
 * it waits for. Wakes it if it sleeps.
 */
function ringBell(hub: Int32Array): void {
  Atomics.add(hub, BELL, 1);
  if (Atomics.load(hub, MANAGER_SLEEPING) !== 0) Atomics.notify(hub, BELL);
}

/** A channel to a manager of this program. */
export class LocalLink implements ManagerLink {
  readonly #owner: LinkOwner;
  readonly #where: string;
  readonly #hub: Int32Array;
  /**
   * What the manager sleeps on. Waking it after requests were published is free while it is
   * awake: it sees them in the channel's ring (it checks it before it sleeps, after it says it
   * sleeps), so a request then costs no write to memory it shares with other clients.
   */
  readonly #manager: Futex;
  readonly #local: LocalEndpoint;
  readonly #channel = newChannel();
  readonly #words = this.#channel.words;
  readonly #requests = new RingFrameWriter(this.#channel.requests);
  readonly #replies: RingFrameReader;
  #opening: Promise<void> | null = null;
  #open = false;
  #closed = false;
  #drained: PromiseWithResolvers<void> | null = null;
  #reader: ReaderState = "idle";
  #kicked = false;
  #nudgeDue = false;
  /** Whether a request went out since the reader last waited in vain. */
  #replyExpected = false;
  /** Bytes published since the manager was last woken, while it sleeps. */
  #unnudged = 0;
  /** What this side sleeps on, for replies, room in the request ring or the close. */
  readonly #replyWait = new Futex(this.#words, CLIENT_FUTEX, MANAGER_REPLY_SPIN);
  readonly #ended = Promise.withResolvers<void>();

  constructor(local: LocalEndpoint, maxFrameBytes: number, where: string, owner: LinkOwner) {
    this.#local = local;
    this.#hub = new Int32Array(local.hub);
    this.#manager = new Futex(this.#hub, MANAGER_FUTEX);
    this.#where = where;
    this.#owner = owner;
    this.#replies = new RingFrameReader(this.#channel.replies, maxFrameBytes);
  }

  get ended(): Promise<void> {
    return this.#ended.promise;
  }

  open(): Promise<void> {
    this.#opening ??= this.#connect();
    return this.#opening;
  }

  send(frame: Uint8Array): void {
    runtime.haltIfReaped();
    this.#replyExpected = true;
    this.#requests.write(frame);
    this.#publish();
    if (this.#opening === null) void this.open().catch(() => {});
    if (this.#requests.pending) this.#wantReader();
  }

  written(): Promise<void> {
    if (!this.#requests.pending) return WRITTEN;
    this.#drained ??= Promise.withResolvers();
    return this.#drained.promise;
  }

  awaiting(): void {
    this.#wantReader();
  }

  idle(): void {
    // The reader stops by itself once nothing awaits a reply.
  }

  close(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#open = false;
    this.#requests.clear();
    this.#drained?.reject(error);
    this.#drained = null;
    Atomics.store(this.#words, CLIENT_CLOSED, 1);
    ringBell(this.#hub);
    this.#replyWait.wake();
    this.#ended.resolve();
  }

  async #connect(): Promise<void> {
    const manager = this.#local.manager;
    let refusal: Error | null = null;
    if (Atomics.load(this.#hub, STOPPED) !== 0) {
      refusal = new Error(`the manager at ${this.#where} was shut down`);
    } else if (!manager.isAlive()) {
      refusal = new Error(`the manager's actor at ${this.#where} has ended`);
    } else {
      try {
        const answer = await (manager as ActorHandle)[askSystem](CONNECT_REQUEST, {
          channel: this.#channel,
          client: self(),
        });
        if (answer !== true) throw new TypeError(`the manager answered ${String(answer)}`);
      } catch (error) {
        refusal = !manager.isAlive() || Atomics.load(this.#hub, STOPPED) !== 0
          ? new Error(`the manager at ${this.#where} was shut down`, { cause: error })
          : new Error(`the manager at ${this.#where} refused this actor (${error})`, {
            cause: error,
          });
      }
    }
    if (refusal !== null) {
      this.#owner.end(refusal);
      throw refusal;
    }
    if (this.#closed) return;
    this.#open = true;
    ringBell(this.#hub);
    this.#wantReader();
  }

  /**
   * Publishes what was written. A manager that sleeps is woken when this actor waits for a
   * reply (so that a few requests made in one go cost one wake, and, when the two threads
   * share a core, one switch), after a turn of the event loop if nothing awaits a reply, or at
   * once when much is published (so that it works while this actor makes more).
   */
  #publish(): void {
    const published = this.#requests.publish();
    if (published === 0) return;
    this.#unnudged += published;
    if (Atomics.load(this.#hub, MANAGER_SLEEPING) === 0) {
      this.#unnudged = 0;
      return;
    }
    if (this.#unnudged >= NUDGE_BYTES) return this.#nudge();
    if (this.#nudgeDue) return;
    this.#nudgeDue = true;
    void eventLoopTurn().then(this.#nudge);
  }

  /** Wakes the manager for what was published, if that is still due. */
  readonly #nudge = (): void => {
    if (!this.#nudgeDue && this.#unnudged === 0) return;
    this.#nudgeDue = false;
    this.#unnudged = 0;
    this.#manager.wake();
  };

  /** Moves backlog into the request ring as room allows; true if it moved any. */
  #drainBacklog(): boolean {
    // Requests of an actor reaped while this reader blocked must not reach the manager: its
    // session may already be over, and what it held given to others.
    runtime.haltIfReaped();
    const moved = this.#requests.flush();
    this.#publish();
    if (!this.#requests.pending) {
      this.#drained?.resolve();
      this.#drained = null;
    }
    return moved;
  }

  /** Whether the reader has anything to wait for. */
  #needed(): boolean {
    return !this.#closed && (this.#owner.awaitingReplies || this.#requests.pending);
  }

  readonly #isReady = () => this.#ready();

  /**
   * Whether the reader would find something to do now. (The end of the manager's actor is
   * checked on each turn and each wake, not in this, which spins.)
   */
  #ready(): boolean {
    return this.#replies.readable || Atomics.load(this.#words, CLOSED) !== OPEN ||
      this.#requests.canFlush;
  }

  #wantReader(): void {
    if (!this.#open) return;
    if (this.#reader === "idle") {
      this.#reader = "scheduled";
      queueMicrotask(this.#turn);
    } else if (this.#reader === "parked") {
      this.#kicked = true;
      this.#replyWait.wake();
    }
  }

  /**
   * One turn of the reader, in a microtask, so after the code that made the requests: delivers
   * what has arrived and returns (the callers' continuations run before the next turn), else
   * spins briefly for it, else sleeps.
   */
  readonly #turn = (): void => {
    this.#reader = "running";
    try {
      if (!this.#needed()) return void (this.#reader = "idle");
      runtime.haltIfReaped();
      this.#nudge();
      if (turnDue()) {
        // Replies that arrive one after another complete promise after promise without ever
        // letting this thread's timers, I/O and mail in: take a turn of the event loop first.
        this.#reader = "yielding";
        void eventLoopTurn().then(this.#turn);
        return;
      }
      if (this.#poll() || this.#waitBriefly() && this.#poll()) {
        if (!this.#needed()) return void (this.#reader = "idle");
        this.#reader = "scheduled";
        queueMicrotask(this.#turn);
        return;
      }
      if (this.#closed) return void (this.#reader = "idle");
      this.#reader = "parked";
      void this.#sleep().then(() => {
        turned();
        if (this.#reader !== "parked") return;
        this.#reader = "scheduled";
        this.#turn();
      });
    } catch (error) {
      this.#reader = "idle";
      this.#owner.fail(error);
    }
  };

  /**
   * Spins, then blocks, for a short while for what the reader waits for, unless it has done so
   * in vain since the last request was sent: calls still pending then are ones that wait in the
   * manager (a lock, a queue, an event), and the reader sleeps on the event loop instead.
   */
  #waitBriefly(): boolean {
    if (!this.#replyExpected) return false;
    if (this.#replyWait.waitBriefly(this.#isReady)) return true;
    this.#replyExpected = false;
    return false;
  }

  /**
   * Sleeps until the manager signals, this actor makes a request (a kick), nothing is awaited
   * any more, or the manager's actor has ended.
   */
  #sleep(): Promise<void> {
    this.#kicked = false;
    // Like a connection with a call in flight, a sleep for a reply keeps the program alive.
    return this.#replyWait.sleep(this.#wokenUp, { keepAlive: true });
  }

  readonly #wokenUp = (): boolean =>
    this.#closed || this.#kicked || !this.#needed() || this.#ready() ||
    !this.#local.manager.isAlive();

  /**
   * Delivers every reply that has arrived, moves backlog into the ring, and notices the end
   * of the manager; true if it did anything the callers should see.
   */
  #poll(): boolean {
    if (this.#closed) return true;
    const closed = Atomics.load(this.#words, CLOSED);
    const managerAlive = this.#local.manager.isAlive();
    let delivered = false;
    for (let payload = this.#replies.next(); payload !== null; payload = this.#replies.next()) {
      delivered = true;
      this.#owner.receive(payload);
      if (this.#closed) return true;
    }
    if (this.#replies.takeFreed() && Atomics.load(this.#words, MANAGER_WANTS_ROOM) !== 0) {
      ringBell(this.#hub);
    }
    if (this.#requests.pending && this.#drainBacklog()) delivered = true;
    if (closed !== OPEN || !managerAlive) {
      this.#owner.end(
        new Error(
          closed === CLOSED_SHUTDOWN
            ? `the manager at ${this.#where} was shut down`
            : closed !== OPEN
            ? `the manager at ${this.#where} closed the connection`
            : `the manager's actor at ${this.#where} has ended`,
        ),
      );
      return true;
    }
    return delivered;
  }
}
