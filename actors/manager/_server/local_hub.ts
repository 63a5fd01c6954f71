/**
 * The manager's side of the shared-memory channels of its own program's actors. One loop reads
 * every channel's request ring, feeds whole frames to the engine, and writes the replies into
 * the channel's reply ring. After each pass it waits for more: it spins on the channels' rings
 * (while spinning pays off), then blocks in `Atomics.wait` on the hub's bell for up to 2 ms,
 * then sleeps on the event loop (`MANAGER_IDLE_SPIN`); clients ring the bell only while it
 * sleeps. So
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
import { Futex, MANAGER_IDLE_SPIN } from "../../_shm/futex.ts";
import { decodeMessage } from "../_wire/messages.ts";
import type { EngineSession } from "./engine.ts";
import {
  BELL,
  type Channel,
  CLIENT_CLOSED,
  CLIENT_FUTEX,
  CLOSED,
  CLOSED_REFUSED,
  CLOSED_SHUTDOWN,
  eventLoopTurn,
  isChannel,
  MANAGER_FUTEX,
  MANAGER_WANTS_ROOM,
  RingFrameReader,
  RingFrameWriter,
  STOPPED,
  turnDue,
  turned,
} from "../_wire/session_ring.ts";
import { isManagerRequest, type ManagerReply } from "../_wire/protocol.ts";
import { MAIN_PID } from "../../_kernel/protocol.ts";
import { encodeReply, type ManagerServer } from "./host.ts";
import type { ActorRef } from "../../actor_ref.ts";
import { monitor } from "../../monitor.ts";

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
  #kicked = false;
  readonly #idle: Futex;

  constructor(server: ManagerServer, hub: SharedArrayBuffer, maxFrameBytes: number) {
    this.#server = server;
    this.#hub = new Int32Array(hub);
    this.#idle = new Futex(this.#hub, MANAGER_FUTEX, MANAGER_IDLE_SPIN);
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
    let seen = 0;
    // Clients ring the bell only while the manager sleeps: awake, it looks at the channels.
    const rang = () => Atomics.load(hub, BELL) !== seen || this.#kicked || this.#anyRequests();
    while (!this.#stopped) {
      seen = Atomics.load(hub, BELL);
      this.#kicked = false;
      for (const session of this.#sessions) session.pump();
      if (this.#stopped) return;
      if (rang() || this.#idle.waitBriefly(rang)) {
        // While the channels keep it busy, TCP sessions, mail and timers still get their turn.
        if (turnDue()) await eventLoopTurn();
        continue;
      }
      await this.#idle.sleep(rang);
      turned();
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
    this.#idle.wake();
  }
}

/** One client actor's channel, as the manager serves it. */
class LocalSession implements EngineSession {
  readonly id: number;
  readonly #server: ManagerServer;
  readonly #words: Int32Array;
  /**
   * What the client sleeps on, for replies, room or the close. Waking it is free while it is
   * awake: it says that it sleeps before it last looks at the channel, so it sees by itself
   * what changed.
   */
  readonly #clientFutex: Futex;
  readonly #requests: RingFrameReader;
  readonly #replies: RingFrameWriter;
  readonly #client: ActorRef;
  readonly #hub: LocalHub;
  #handling = false;
  #closed = false;
  #ending = false;
  #ended = false;

  constructor(
    id: number,
    channel: Channel,
    client: ActorRef,
    server: ManagerServer,
    maxFrameBytes: number,
    hub: LocalHub,
  ) {
    this.id = id;
    this.#client = client;
    this.#hub = hub;
    this.#server = server;
    this.#words = channel.words;
    this.#clientFutex = new Futex(this.#words, CLIENT_FUTEX);
    this.#requests = new RingFrameReader(channel.requests, maxFrameBytes);
    this.#replies = new RingFrameWriter(channel.replies);
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
    this.#flush(this.#requests.takeFreed());
  }

  /** Whether the client has put in requests not handled yet. */
  get readable(): boolean {
    return this.#requests.readable;
  }

  /** Writes `reply` into the reply ring; the replies to one pass are published together. */
  send(reply: ManagerReply): void {
    if (this.#closed) return;
    this.#replies.write(encodeReply(reply, this.#server.maxFrameBytes, true));
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
    this.#clientFutex.wake();
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
    const replies = this.#replies;
    if (replies.pending) {
      replies.flush();
      if (replies.pending) {
        // Say so before the last try, so that the client either makes room this try sees or
        // sees the flag and rings once it has.
        Atomics.store(this.#words, MANAGER_WANTS_ROOM, 1);
        replies.flush();
        if (!replies.pending) Atomics.store(this.#words, MANAGER_WANTS_ROOM, 0);
      }
    }
    if (replies.publish() > 0 || signal) this.#clientFutex.wake();
  }
}
