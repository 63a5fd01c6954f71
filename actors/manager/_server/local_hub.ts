/**
 * The manager's side of the shared-memory channels of its own program's actors. One loop reads
 * every channel's request ring, feeds whole frames to the engine, and writes the replies into
 * the channel's reply ring. After each pass it waits for more: it spins on the channels' tails
 * (while spinning pays off, see `BriefWait`), then blocks in `Atomics.wait` on the hub's bell
 * for up to 2 ms, then sleeps on the event loop; clients ring the bell only while it sleeps. So
 * a client that makes call after call is served without anyone being woken. While the channels
 * keep it busy it still lets the event loop run every 2 ms, for TCP sessions, mail and the
 * timers of timed waits.
 *
 * A channel's session ends when its actor ends (the manager monitors it), when it closes the
 * channel, or when it sends a frame that breaks the protocol; then what it held is released
 * and its waits are dropped, as for a TCP connection that ends.
 *
 * @module
 */
import { FrameError } from "../../_shm/frames.ts";
import { decodeMessage } from "../_wire/messages.ts";
import type { EngineSession } from "./engine.ts";
import {
  BELL,
  BriefWait,
  channelWords,
  CLIENT_CLOSED,
  CLIENT_SLEEPING,
  CLOSED,
  CLOSED_REFUSED,
  CLOSED_SHUTDOWN,
  eventLoopTurn,
  isChannel,
  MANAGER_SLEEPING,
  MANAGER_WANTS_ROOM,
  nextPoll,
  REPLY_HEAD,
  REPLY_TAIL,
  replyBytes,
  REQUEST_HEAD,
  REQUEST_TAIL,
  requestBytes,
  RingReader,
  RingWriter,
  SIGNAL,
  sleepOn,
  STOPPED,
  turnDue,
  turned,
} from "../_wire/session_ring.ts";
import { isManagerRequest, type ManagerReply } from "../_wire/protocol.ts";
import { MAIN_PID } from "../../_kernel/protocol.ts";
import { encodeReply, type ManagerServer } from "./host.ts";
import type { ActorRef } from "../../actor_ref.ts";
import { monitor } from "../../monitor.ts";

/**
 * How long the manager spins for the next request before it blocks, in microseconds, at most
 * (see `BriefWait`), and how long it then blocks in `Atomics.wait` before it sleeps on the
 * event loop, in milliseconds: about as long as a wake through the event loop can take when
 * both cores are busy. The event loop (TCP sessions, mail, timers of timed waits) waits that
 * long at most.
 */
const IDLE_SPIN_US = 50;
const IDLE_BLOCK_MS = 2;

function isActorRef(value: unknown): value is ActorRef {
  return typeof value === "object" && value !== null &&
    typeof (value as ActorRef).pid === "number" &&
    typeof (value as ActorRef).isAlive === "function";
}

/** Every local channel of one manager, and the loop that serves them. */
export class LocalHub {
  readonly #server: ManagerServer;
  readonly #hub: Int32Array;
  readonly #maxFrameBytes: number;
  readonly #sessions = new Set<LocalSession>();
  #stopped = false;
  #kick: PromiseWithResolvers<void> | null = null;
  #kicked = false;
  readonly #idle = new BriefWait(IDLE_SPIN_US, IDLE_BLOCK_MS);

  constructor(server: ManagerServer, hub: SharedArrayBuffer, maxFrameBytes: number) {
    this.#server = server;
    this.#hub = new Int32Array(hub);
    this.#maxFrameBytes = maxFrameBytes;
  }

  /**
   * Serves the channel a client actor handed over, until that actor ends.
   *
   * @throws {TypeError} If the message does not hold a channel and an actor.
   */
  connect(data: unknown, stopped: AbortSignal): void {
    const { channel, client } = (data ?? {}) as { channel?: unknown; client?: unknown };
    if (!isChannel(channel) || !isActorRef(client)) {
      throw new TypeError("Cannot connect to the manager: the message is not a channel");
    }
    const session = new LocalSession(
      this.#server.nextSessionId(),
      channel,
      client,
      this.#server,
      this.#maxFrameBytes,
      this,
    );
    this.#sessions.add(session);
    // The main actor is never reported as ended: its end is the program's.
    if (client.pid !== MAIN_PID) {
      monitor(client, { signal: stopped }).then(() => session.clientEnded(), () => {});
    }
    this.#wake();
  }

  /** Forgets a session that ended. */
  remove(session: LocalSession): void {
    this.#sessions.delete(session);
  }

  /**
   * Ends the sessions of client actors that have ended, but `except`. Called before the
   * requests of a session are handled: whatever that client saw of another actor's end (a
   * `join`), the manager then has seen too, and has given back what the dead held, although
   * the monitor's report may still be on its way.
   */
  endDeadClients(except: LocalSession): void {
    for (const session of this.#sessions) {
      if (session !== except && session.clientGone) session.clientEnded();
    }
  }

  /** Serves the channels until {@linkcode LocalHub.prototype.stop}. */
  async run(): Promise<void> {
    const hub = this.#hub;
    let pollMs = 1;
    let spin = true;
    let seen = 0;
    // Clients ring the bell only while the manager sleeps: awake, it looks at the channels.
    const rang = () => Atomics.load(hub, BELL) !== seen || this.#kicked || this.#anyRequests();
    while (!this.#stopped) {
      seen = Atomics.load(hub, BELL);
      this.#kicked = false;
      for (const session of this.#sessions) session.pump();
      if (this.#stopped) return;
      if (rang() || spin && this.#idle.wait(hub, BELL, MANAGER_SLEEPING, rang)) {
        spin = true;
        pollMs = 1;
        // While the channels keep it busy, TCP sessions, mail and timers still get their turn.
        if (turnDue()) await eventLoopTurn();
        continue;
      }
      this.#kick = Promise.withResolvers();
      Atomics.store(hub, MANAGER_SLEEPING, 1);
      if (!rang()) await sleepOn(hub, BELL, seen, this.#kick.promise, pollMs);
      Atomics.store(hub, MANAGER_SLEEPING, 0);
      this.#kick = null;
      turned();
      // Woken by a client: spin after the next pass. Woken by the re-check timer: sleep again
      // at once, a little longer.
      spin = rang();
      pollMs = spin ? 1 : nextPoll(pollMs);
    }
  }

  #anyRequests(): boolean {
    for (const session of this.#sessions) if (session.readable) return true;
    return false;
  }

  /** Closes every channel (their clients' calls then reject) and ends the loop. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    Atomics.store(this.#hub, STOPPED, 1);
    for (const session of this.#sessions) session.close(CLOSED_SHUTDOWN);
    this.#sessions.clear();
    this.#wake();
  }

  #wake(): void {
    this.#kicked = true;
    this.#kick?.resolve();
  }
}

/** One client actor's channel, as the manager serves it. */
class LocalSession implements EngineSession {
  readonly id: number;
  readonly #server: ManagerServer;
  readonly #words: Int32Array;
  readonly #requests: RingReader;
  readonly #replies: RingWriter;
  readonly #client: ActorRef;
  readonly #hub: LocalHub;
  #outbox: Uint8Array[] = [];
  #outboxOffset = 0;
  #handling = false;
  #closed = false;
  #ending = false;
  #ended = false;

  constructor(
    id: number,
    channel: SharedArrayBuffer,
    client: ActorRef,
    server: ManagerServer,
    maxFrameBytes: number,
    hub: LocalHub,
  ) {
    this.id = id;
    this.#client = client;
    this.#hub = hub;
    this.#server = server;
    this.#words = channelWords(channel);
    this.#requests = new RingReader(
      this.#words,
      requestBytes(channel),
      REQUEST_TAIL,
      REQUEST_HEAD,
      maxFrameBytes,
    );
    this.#replies = new RingWriter(this.#words, replyBytes(channel), REPLY_TAIL, REPLY_HEAD);
  }

  /** Whether the client's actor has ended (read from its status words) and not been seen to. */
  get clientGone(): boolean {
    return !this.#ending && this.#client.pid !== MAIN_PID && !this.#client.isAlive();
  }

  /** Handles every whole request the client has published, then writes out the replies. */
  pump(): void {
    if (this.#closed) return;
    if (Atomics.load(this.#words, CLIENT_CLOSED) !== 0) return this.#end();
    if (this.#requests.readable) this.#hub.endDeadClients(this);
    this.#handling = true;
    try {
      for (let payload = this.#requests.next(); payload !== null; payload = this.#requests.next()) {
        const request = decodeMessage(payload);
        if (!isManagerRequest(request)) throw new FrameError("Not a manager request");
        if (request.type === "shutdown") {
          this.send({ type: "result", id: request.id, value: undefined });
          this.#handling = false;
          void this.#server.stop();
          return;
        }
        this.#server.engine.handle(this, request);
        if (this.#closed) return;
      }
    } catch {
      // A frame that breaks the protocol: this channel is served no more; no request of it
      // was half-applied.
      this.#handling = false;
      return this.#close(CLOSED_REFUSED, true);
    } finally {
      this.#handling = false;
    }
    const released = this.#requests.unreleased;
    if (released) this.#requests.release();
    this.#flush(released);
  }

  /** Whether the client has published requests not handled yet. */
  get readable(): boolean {
    return this.#requests.readable;
  }

  /** Writes `reply` into the reply ring; the replies to one pass are published together. */
  send(reply: ManagerReply): void {
    if (this.#closed) return;
    const frame = encodeReply(reply, this.#server.maxFrameBytes, true);
    if (this.#outbox.length === 0) {
      const written = this.#replies.write(frame);
      if (written < frame.length) this.#outbox.push(frame.slice(written));
    } else {
      this.#outbox.push(frame.slice());
    }
    if (!this.#handling) this.#flush(false);
  }

  /** The client's actor ended: applies the whole requests it left, then ends the session. */
  clientEnded(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.pump();
    this.#end();
  }

  /** Writes out what is queued, then tells the client the channel is closed for `code`. */
  close(code: number): void {
    this.#close(code, false);
  }

  #close(code: number, end: boolean): void {
    if (this.#closed) return;
    this.#flush(false);
    this.#closed = true;
    Atomics.store(this.#words, CLOSED, code);
    this.#signal();
    if (end) this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closed = true;
    this.#server.engine.disconnect(this);
    this.#hub.remove(this);
  }

  /**
   * Moves queued replies into the reply ring, publishes them, and wakes the client if it
   * sleeps (also when `signal`: it freed room in the request ring).
   */
  #flush(signal: boolean): void {
    if (this.#outbox.length > 0) {
      this.#writeOutbox();
      if (this.#outbox.length > 0) {
        // Say so before the last try, so that the client either makes room this try sees or
        // sees the flag and rings once it has.
        Atomics.store(this.#words, MANAGER_WANTS_ROOM, 1);
        this.#writeOutbox();
        if (this.#outbox.length === 0) Atomics.store(this.#words, MANAGER_WANTS_ROOM, 0);
      }
    }
    const wrote = this.#replies.unpublished;
    if (wrote) this.#replies.publish();
    if (wrote || signal) this.#signal();
  }

  #writeOutbox(): void {
    while (this.#outbox.length > 0) {
      const frame = this.#outbox[0];
      const written = this.#replies.write(frame, this.#outboxOffset);
      if (written === 0) break;
      this.#outboxOffset += written;
      if (this.#outboxOffset < frame.length) break;
      this.#outboxOffset = 0;
      this.#outbox.shift();
    }
  }

  /**
   * Wakes the client if it sleeps (it says so before it last looks at the channel, so a client
   * that is awake sees what changed by itself).
   */
  #signal(): void {
    if (Atomics.load(this.#words, CLIENT_SLEEPING) === 0) return;
    Atomics.add(this.#words, SIGNAL, 1);
    Atomics.notify(this.#words, SIGNAL);
  }
}
