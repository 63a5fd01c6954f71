/**
 * The mail of the current thread's actor: its mailbox, its links to other actors (the parent,
 * each child, peers the root linked on request), sending, asking and replying. It knows the
 * actor only by its pid (`threadPid`); the runtime above it wires the links as children start
 * and end and gives it the one root request it makes (linking a peer). A reference to an actor
 * (`ActorHandle`) sends through here, so it needs nothing of the runtime.
 *
 * @module
 */
import { type MessagePort, receiveMessageOnPort, type Transferable } from "node:worker_threads";
import { assertCloneable } from "../_shm/clone.ts";
import { Futex, MAIL_SPIN, SEQUENCE, sharedWords, wake } from "../_shm/futex.ts";
import { haltIfReaped, threadPid, waitKeepingAlive } from "../_shm/thread.ts";
import { checkTimeout, describeValue } from "../_shm/time.ts";
import { PendingAsks } from "./asks.ts";
import { InOrder } from "./in_order.ts";
import { containsHandles, encodeHandles, reviveHandles } from "./handles.ts";
import { Mailbox, type MessagePredicate, type ReceiveOptions } from "./mailbox.ts";
import { sendWhenRoom, SENT } from "./outbox.ts";
import {
  type ActorAddress,
  exitcodeOf,
  MAILBOX_DEPTH,
  MAILBOX_WORDS,
  type MailEnvelope,
} from "./protocol.ts";
import { deserializeError, serializeError } from "./wire_errors.ts";
import type { AskOptions, SendOptions } from "../actor_ref.ts";
import { ActorExitedError, MailboxFullError, ProcessStateError } from "../errors.ts";

/**
 * A message in an actor's mailbox, with what a reply needs: the sender, the ask id, and the
 * port it came on (none for a message an actor sent itself).
 */
export interface Letter {
  body: unknown;
  from: number;
  ask: number | undefined;
  cast: boolean;
  /** The name of a library's own request (see `MailEnvelope`); undefined for user mail. */
  system: string | undefined;
  port: MessagePort | undefined;
}

/** How mail is marked besides its body: see `MailEnvelope`. */
export interface MailMarks {
  cast?: true;
  system?: string;
}

/** An envelope on its way, with the objects (ports) it hands over rather than copies. */
interface Posting {
  envelope: MailEnvelope;
  transfer: Transferable[];
}

/** Asks the root for a link with the actor `pid`; resolves to this actor's end of it. */
export type PeerConnector = (pid: number) => Promise<MessagePort>;

/** An actor this one exchanged mail with although neither is the other's parent. */
interface PeerRecord {
  /** Every link with the peer (two when both connected at once); mail goes on the first. */
  readonly ports: MessagePort[];
  /** `end` markers received, one per port once the peer has exited normally. */
  endsSeen: number;
  exited: PromiseWithResolvers<void> | null;
}

/**
 * One mail link's port, seen from this actor: the numbers of the envelopes posted on it and of
 * the next one expected from it (see `MailEnvelope.seq`), with any that came early.
 */
export interface LinkState {
  /** The number of the next envelope this actor posts on the port. */
  sent: number;
  /** Whether the other end numbers its envelopes: only such a port is polled. */
  numbered: boolean;
  /** Hands an envelope to the mailbox or to the ask it answers. */
  readonly handle: (envelope: MailEnvelope) => void;
  /** Hands numbered envelopes to `handle` in their order. */
  readonly order: InOrder<MailEnvelope>;
}

/** How long an actor waits for an exited peer's `end` marker before closing the link anyway. */
export const MAIL_END_GRACE_MS = 2000;

/** Mailbox words for an actor: see `MAILBOX_DEPTH` in the protocol. */
export function newMailboxWords(): Int32Array {
  return sharedWords(MAILBOX_WORDS);
}

/** The current thread's mail. */
export class Mail {
  readonly mailbox: Mailbox<Letter> = new Mailbox();
  /** This actor's mailbox words, which senders reserve slots in. */
  words: Int32Array = newMailboxWords();
  /** The message the last `receive()` returned: what `reply()` answers. */
  lastLetter: Letter | null = null;

  #parent: { pid: number; port: MessagePort } | null = null;
  readonly #children = new Map<number, MessagePort>();
  readonly #peers = new Map<number, PeerRecord>();
  /** Mail to actors whose link the root is still creating, in order. */
  readonly #connecting = new Map<number, Posting[]>();
  readonly #asks = new PendingAsks();
  /** Every port this actor listens on. */
  readonly #links = new Map<MessagePort, LinkState>();
  /** Where `receive()` waits briefly for mail, on the words `words` held when it was made. */
  #futex: Futex | null = null;
  /** Delivers this actor's mail to itself, in order, handles revived. */
  #toSelf: ((envelope: MailEnvelope) => void) | undefined;
  #connectPeer: PeerConnector = () =>
    Promise.reject(new ProcessStateError("Cannot link with a peer: no root supervisor"));

  /** Gives the mail its way to the root, for links with peers. */
  useConnector(connect: PeerConnector): void {
    this.#connectPeer = connect;
  }

  /** Makes this actor a child: `port` is its mail link with the parent `pid`. */
  linkParent(pid: number, port: MessagePort, words: Int32Array): void {
    this.words = words;
    this.#parent = { pid, port };
    this.#listen(port, () => {});
  }

  /** Adds the mail link with a child; `onEnd` runs when its `end` marker arrives. */
  linkChild(pid: number, port: MessagePort, onEnd: () => void): void {
    this.#children.set(pid, port);
    this.#listen(port, onEnd);
  }

  /** Closes the link with a reaped child and fails the asks it can no longer answer. */
  unlinkChild(pid: number): void {
    const port = this.#children.get(pid);
    port?.close();
    if (port !== undefined) this.#links.delete(port);
    this.#children.delete(pid);
    this.#asks.rejectAll(pid, exitedError(pid, "it exited before it replied"));
  }

  /**
   * Sends `body` to the actor at `address`, as `ref.send` and `ref.cast` do. Never throws: every
   * failure rejects the promise, and a refused message takes no mailbox slot. `transfer` lists
   * objects in `body` handed over rather than copied (a library's own `MessagePort`).
   *
   * @returns Resolves once the message is posted, or dropped (a full `"drop"` mailbox, an actor
   * that has exited).
   */
  send(
    address: ActorAddress,
    mailbox: Int32Array,
    body: unknown,
    marks: MailMarks,
    options: SendOptions | undefined,
    transfer: Transferable[] = [],
  ): Promise<void> {
    const action = `send to actor ${address.pid}`;
    let sent: Promise<unknown>;
    try {
      const timeout = checkSendOptions(options, action);
      haltIfReaped();
      assertCloneable(body, "message", action, { transfer });
      sent = sendWhenRoom(address, mailbox, () => this.post(address, body, marks, transfer), {
        timeout,
      });
    } catch (error) {
      return Promise.reject(error);
    }
    return sent === SENT ? SENT_VOID : waitKeepingAlive(sent.then(() => {}));
  }

  /**
   * Sends `body` as an ask and resolves to the reply, as Erlang's `gen_server:call`. The ask's
   * timeout and signal cover the wait for room in a full bounded mailbox too; `status` and
   * `mailbox` are the asked actor's words; `system` names a library's own request.
   */
  ask(
    address: ActorAddress,
    status: Int32Array,
    mailbox: Int32Array,
    body: unknown,
    options: AskOptions = {},
    system?: string,
  ): Promise<unknown> {
    const pid = address.pid;
    let ask: { id: number; promise: Promise<unknown> };
    try {
      haltIfReaped();
      ask = this.#asks.open(pid, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { id, promise } = ask;
    const fail = (error: unknown) => this.#asks.reject(id, error);
    if (exitcodeOf(status) !== null) {
      fail(exitedError(pid, "it has exited"));
    } else {
      try {
        assertCloneable(body, "message", `ask actor ${pid}`);
        const sent = sendWhenRoom(
          address,
          mailbox,
          () => this.post(address, body, system === undefined ? { ask: id } : { ask: id, system }),
          { settled: promise, isSettled: () => !this.#asks.isOpen(id) },
        );
        // Posted at once (the usual case): no extra turn through the send's promise.
        if (sent !== SENT) {
          sent.then((outcome) => {
            if (outcome === "gone") fail(exitedError(pid, "it has exited"));
            else if (outcome === "dropped") {
              fail(
                new MailboxFullError(
                  `Cannot ask actor ${pid}: its mailbox is full and drops what does not fit`,
                ),
              );
            }
          }, fail);
        }
      } catch (error) {
        fail(error);
      }
    }
    return waitKeepingAlive(promise);
  }

  /** Answers `letter`, an ask, with a value or an error. */
  answer(
    letter: Letter,
    outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
  ): void {
    const ask = letter.ask;
    if (ask === undefined) {
      throw new ProcessStateError(
        "Cannot reply: the message received was sent with send(), not ask(); only an ask " +
          "has someone waiting for a reply",
      );
    }
    haltIfReaped();
    if (outcome.ok) assertCloneable(outcome.value, "reply", "reply");
    letter.ask = undefined;
    const envelope: MailEnvelope = outcome.ok
      ? { type: "reply", ask, ok: true, value: outcome.value }
      : { type: "reply", ask, ok: false, error: serializeError(outcome.error) };
    if (envelope.ok && containsHandles(envelope.value)) {
      envelope.value = encodeHandles(envelope.value, letter.from);
      envelope.handles = true;
    }
    if (letter.port === undefined) return void this.#settleReply(structuredClone(envelope));
    this.#postOn(letter.port, envelope);
  }

  /**
   * Takes the oldest letter `accepts` accepts (any letter when omitted), and frees its mailbox
   * slot. `receive()` accepts only user mail; a library's loop takes its system requests too.
   */
  async takeLetter(
    accepts?: MessagePredicate<Letter>,
    options?: ReceiveOptions,
  ): Promise<Letter> {
    if (waitsLong(options) && !this.mailbox.holds(accepts)) this.#waitBriefly(accepts);
    const letter = await waitKeepingAlive(this.mailbox.receive(accepts, options));
    Atomics.sub(this.words, MAILBOX_DEPTH, 1);
    wake(this.words);
    return letter;
  }

  /**
   * Puts a message the kernel made (an exit signal) in the mailbox, from `from`, counted in the
   * mailbox's depth like any other.
   */
  deliverFromKernel(body: unknown, from: number): void {
    Atomics.add(this.words, MAILBOX_DEPTH, 1);
    this.mailbox.deliver({
      body,
      from,
      ask: undefined,
      cast: false,
      system: undefined,
      port: undefined,
    });
  }

  /**
   * Posts `body` to the actor at `address`: on the mail link with a parent, child or peer,
   * linking with a peer through the root first. Mail to an actor that has exited is dropped.
   * The caller has checked that the body can be cloned and reserved the mailbox slot (see
   * `outbox.ts`), which it frees again if this throws.
   */
  post(
    address: ActorAddress,
    body: unknown,
    marks: MailMarks & { ask?: number } = {},
    transfer: Transferable[] = [],
  ): void {
    const envelope: MailEnvelope = { type: "mail", from: threadPid, body, ...marks };
    if (containsHandles(body)) {
      envelope.body = encodeHandles(body, address.pid);
      envelope.handles = true;
    }
    if (address.pid === threadPid) {
      this.#toSelf ??= this.#receiver(undefined, () => {});
      return this.#toSelf(structuredClone(envelope, { transfer }));
    }
    const port = this.#portTo(address.pid);
    if (port !== undefined) return this.#postOn(port, envelope, transfer);
    if (exitcodeOf(new Int32Array(address.status)) !== null) {
      return this.#undeliverable(address.pid, [envelope]);
    }
    this.#connect(address.pid, { envelope, transfer });
  }

  /** Adds a link with a peer, made by the root; mail from it arrives on `port`. */
  acceptPeer(pid: number, port: MessagePort): void {
    const record = this.#peers.get(pid) ?? { ports: [], endsSeen: 0, exited: null };
    this.#peers.set(pid, record);
    record.ports.push(port);
    this.#listen(port, () => {
      record.endsSeen++;
      if (record.endsSeen === record.ports.length) record.exited?.resolve();
    });
  }

  /** A peer exited: once its last mail is in, close the links and fail asks still open. */
  peerExited(pid: number, mailEnds: boolean): void {
    const peer = this.#peers.get(pid);
    if (peer === undefined) return;
    const close = () => {
      for (const port of peer.ports) {
        port.close();
        this.#links.delete(port);
      }
      this.#peers.delete(pid);
      this.#asks.rejectAll(pid, exitedError(pid, "it exited before it replied"));
    };
    if (!mailEnds || peer.endsSeen === peer.ports.length) return close();
    peer.exited = Promise.withResolvers();
    const fallback = setTimeout(peer.exited.resolve, MAIL_END_GRACE_MS);
    void peer.exited.promise.then(() => {
      clearTimeout(fallback);
      close();
    });
  }

  /** Tells the parent and peers that this actor will send no more mail; the host's last act. */
  endMail(): void {
    if (this.#parent !== null) this.#postOn(this.#parent.port, { type: "end" });
    for (const peer of this.#peers.values()) {
      for (const port of peer.ports) this.#postOn(port, { type: "end" });
    }
  }

  /**
   * Takes the mail that has arrived on the links without waiting for the event loop, as their
   * message events would deliver it: what a receive that would wait does while it waits briefly.
   * Only links whose other end numbers its envelopes are polled, so the order is kept (see
   * `MailEnvelope.seq`).
   *
   * @returns Whether any envelope arrived.
   */
  poll(): boolean {
    let arrived = false;
    for (const [port, link] of this.#links) {
      if (!link.numbered) continue;
      let received: { message: unknown } | undefined;
      while ((received = receiveMessageOnPort(port)) !== undefined) {
        arrived = true;
        arrive(link, received.message as MailEnvelope);
      }
    }
    return arrived;
  }

  /**
   * What a receive that would wait does first: it polls the links for a while, then blocks
   * briefly on the mailbox words, which a sender wakes after posting. The reply of an actor that
   * is running comes in microseconds, and a wake through the event loop costs tens of them. It
   * ends early on a wake that brings nothing to poll: that mail came on a link whose messages
   * only the event loop delivers (a link's first, the NATS bridge's).
   */
  #waitBriefly(accepts: MessagePredicate<Letter> | undefined): void {
    if (this.#futex?.words !== this.words) {
      this.#futex = new Futex(this.words, undefined, MAIL_SPIN);
    }
    let sequence = Atomics.load(this.words, SEQUENCE);
    this.#futex.waitBriefly(() => {
      const seen = Atomics.load(this.words, SEQUENCE);
      const arrived = this.poll();
      if (arrived ? this.mailbox.holds(accepts) : seen !== sequence) return true;
      sequence = seen;
      return false;
    });
  }

  /** Posts `envelope` on `port`, numbered on its link. */
  #postOn(port: MessagePort, envelope: MailEnvelope, transfer: Transferable[] = []): void {
    const link = this.#links.get(port);
    if (link !== undefined) envelope.seq = link.sent;
    port.postMessage(envelope, transfer);
    if (link !== undefined) link.sent++;
  }

  #portTo(pid: number): MessagePort | undefined {
    if (this.#parent?.pid === pid) return this.#parent.port;
    return this.#children.get(pid) ?? this.#peers.get(pid)?.ports[0];
  }

  #connect(pid: number, posting: Posting): void {
    const waiting = this.#connecting.get(pid);
    if (waiting !== undefined) return void waiting.push(posting);
    const queue = [posting];
    this.#connecting.set(pid, queue);
    this.#connectPeer(pid).then(
      (port) => {
        this.acceptPeer(pid, port);
        this.#connecting.delete(pid);
        for (const { envelope, transfer } of queue) this.#postOn(port, envelope, transfer);
      },
      () => {
        this.#connecting.delete(pid);
        this.#undeliverable(pid, queue.map(({ envelope }) => envelope));
      },
    );
  }

  /** Mail to an actor that is gone: dropped, as in Erlang; an ask among it fails. */
  #undeliverable(pid: number, envelopes: MailEnvelope[]): void {
    for (const envelope of envelopes) {
      if (envelope.type === "mail" && envelope.ask !== undefined) {
        this.#asks.reject(envelope.ask, exitedError(pid, "it has exited"));
      }
    }
  }

  #settleReply(envelope: Extract<MailEnvelope, { type: "reply" }>): void {
    if (!envelope.ok) return this.#asks.reject(envelope.ask, deserializeError(envelope.error));
    if (envelope.handles !== true) return this.#asks.resolve(envelope.ask, envelope.value);
    void reviveHandles(envelope.value).then(
      (value) => this.#asks.resolve(envelope.ask, value),
      (error) => this.#asks.reject(envelope.ask, error),
    );
  }

  /** Receives mail on `port`. */
  #listen(port: MessagePort, onEnd: () => void): void {
    const link = newLink(this.#receiver(port, onEnd));
    this.#links.set(port, link);
    port.addEventListener(
      "message",
      (event) => arrive(link, (event as MessageEvent<MailEnvelope>).data),
    );
    port.start();
    port.unref();
  }

  /**
   * Delivers the mail of one link (a port, or this actor's mail to itself) to the mailbox.
   * Mail holding handles is revived first, which takes an import: later mail of the same link
   * waits for it, so the order is kept.
   */
  #receiver(port: MessagePort | undefined, onEnd: () => void): (envelope: MailEnvelope) => void {
    let reviving: Promise<void> | null = null;
    const deliver = (envelope: MailEnvelope, body: unknown) => {
      if (envelope.type !== "mail") return envelope.type === "end" ? onEnd() : undefined;
      this.mailbox.deliver({
        body,
        from: envelope.from,
        ask: envelope.ask,
        cast: envelope.cast === true,
        system: envelope.system,
        port,
      });
    };
    return (envelope) => {
      if (envelope.type === "reply") return this.#settleReply(envelope);
      const body = envelope.type === "mail" ? envelope.body : undefined;
      const revive = envelope.type === "mail" && envelope.handles === true;
      if (reviving === null && !revive) return deliver(envelope, body);
      const revived = revive ? reviveHandles(body) : Promise.resolve(body);
      const previous = reviving ?? Promise.resolve();
      const current: Promise<void> = previous
        .then(() => revived)
        .then((value) => deliver(envelope, value), (error) => reportUnrevivable(error))
        .finally(() => {
          if (reviving === current) reviving = null;
        });
      reviving = current;
    };
  }
}

const SENT_VOID: Promise<void> = Promise.resolve();

/** Hands on an envelope that arrived on `link`, and those it let through, in their order. */
export function arrive(link: LinkState, envelope: MailEnvelope): void {
  const seq = envelope.seq;
  if (seq === undefined) return link.handle(envelope);
  link.numbered = true;
  link.order.arrive(seq, envelope);
}

/** The state of a new link whose envelopes go to `handle`. */
export function newLink(handle: (envelope: MailEnvelope) => void): LinkState {
  return { sent: 0, numbered: false, handle, order: new InOrder(handle) };
}

/**
 * The shortest receive timeout that a brief wait for mail precedes: it runs before the receive's
 * timer starts, so a shorter timeout would be overrun by up to the wait's length (0.55 ms).
 */
const BRIEF_WAIT_MIN_TIMEOUT_MS = 10;

/** Whether a receive with `options` may wait briefly first: no short timeout, no aborted signal. */
function waitsLong(options: ReceiveOptions | undefined): boolean {
  const timeout = options?.timeout;
  if (typeof timeout === "number" && !(timeout >= BRIEF_WAIT_MIN_TIMEOUT_MS)) return false;
  return options?.signal?.aborted !== true;
}

/** Validates the options of a send, an object with a timeout; returns the timeout. */
function checkSendOptions(options: SendOptions | undefined, action: string): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object, got ${describeValue(options)}`,
    );
  }
  return checkTimeout(options.timeout, action);
}

function exitedError(pid: number, what: string): ActorExitedError {
  return new ActorExitedError(`Cannot ask actor ${pid}: ${what}`);
}

function reportUnrevivable(error: unknown): void {
  console.error("A message could not be delivered: a handle in it could not be revived", error);
}

/** This thread's mail. */
export const mail: Mail = new Mail();
