/**
 * One machine's side of the bridge that carries the kernel's messages to a worker on another
 * machine. The kernel's messages hold two things that cannot leave a machine:
 *
 * - SharedArrayBuffers (an actor's status and mailbox words): each one gets a key (the machine
 *   it was made on and a number) and crosses as a copy of its bytes. The other machine keeps one
 *   copy per key, so the same words arriving twice are the same copy there, and words coming
 *   back to the machine they were made on are the originals again. Copies are not kept in step
 *   word by word: what must cross is sent as it happens (a halt, an exit: see `reaped`).
 * - MessagePorts (the mail links): a port stays on its machine and a relay forwards what it
 *   carries; the other machine gets a new port whose messages the relay carries back. A relay
 *   counts the mail it carries in the mailbox words on each side, as a local sender and receiver
 *   would, so a sender waiting for room in a bounded mailbox is woken when its mail has left.
 *
 * User values (mail bodies, arguments, replies) may hold actor references, whose words cross
 * as above; any other shared-memory handle (a queue, a lock) or raw SharedArrayBuffer is
 * refused with a `CloneError`, since its memory cannot be shared with another machine.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { MessageChannel, MessagePort } from "node:worker_threads";
import { replaceCopying, replaceInPlace } from "../../_shm/value_walk.ts";
import { wake } from "../../_shm/futex.ts";
import { describedHandle, handleMarker } from "../../_kernel/handles.ts";
import { ACTOR_REF_KIND } from "../../_kernel/actor_handle.ts";
import { MAILBOX_DEPTH, type MailEnvelope } from "../../_kernel/protocol.ts";
import { serializeError } from "../../_kernel/wire_errors.ts";
import { CloneError } from "../../errors.ts";

const SAB_MARK = "\u0000sab";
const PORT_MARK = "\u0000port";

/** Words a port's mail counts in: the actor that holds the port, and the one at the other end. */
export interface PortWords {
  consumer: SharedArrayBuffer;
  partner: SharedArrayBuffer;
}

/** What a bridge sends to the other machine on behalf of a relay. */
export type SendRelayed = (node: string, key: string, envelope: Uint8Array) => void;

interface Relay {
  readonly port: MessagePort;
  readonly node: string;
  /** Words of the actor that receives what the relay writes into its port. */
  readonly written: Int32Array;
  /** Words of the actor the mail read from the port was sent to. */
  readonly read: Int32Array;
  readonly owner: number;
}

interface SabMarker {
  key: string;
  bytes: Uint8Array;
  maxByteLength?: number;
}

interface PortMarker {
  key: string;
  consumer: unknown;
  partner: unknown;
}

/** One machine's keys for shared memory and its relays, toward one or more other machines. */
export class Bridge {
  /** This machine's name in keys. */
  readonly node: string;
  readonly #send: SendRelayed;
  readonly #keys = new WeakMap<SharedArrayBuffer, string>();
  readonly #byKey = new Map<string, WeakRef<SharedArrayBuffer>>();
  readonly #forget = new FinalizationRegistry<string>((key) => {
    if (this.#byKey.get(key)?.deref() === undefined) this.#byKey.delete(key);
  });
  readonly #relays = new Map<string, Relay>();
  #next = 0;

  constructor(node: string, send: SendRelayed) {
    this.node = node;
    this.#send = send;
  }

  /** The number of relays open (for tests and the observer). */
  get relays(): number {
    return this.#relays.size;
  }

  /** The key of `sab` if it ever crossed (either way), else undefined. */
  keyOf(sab: SharedArrayBuffer): string | undefined {
    return this.#keys.get(sab);
  }

  /** The words under `key` on this machine, if they are here. */
  byKey(key: string): SharedArrayBuffer | undefined {
    return this.#byKey.get(key)?.deref();
  }

  /**
   * Kernel data for `node`: every SharedArrayBuffer crosses as described above; each port in
   * `ports` is relayed, counting its mail in the words given (any other port is an error), for
   * actor `owner`, whose end closes the relay (see {@linkcode close}).
   */
  kernel(
    value: unknown,
    node: string,
    owner: number,
    ports?: Map<MessagePort, PortWords>,
  ): unknown {
    return replaceCopying(value, isShared, (found) => {
      if (found instanceof SharedArrayBuffer) return this.#sab(found);
      if (found instanceof MessagePort) {
        const words = ports?.get(found);
        if (words === undefined) throw new CloneError("A port cannot cross to another machine");
        return this.#relayOut(found, words, node, owner);
      }
      throw new CloneError("A typed array on shared memory cannot cross to another machine");
    });
  }

  /**
   * A user value for `node`: actor references cross; any other handle, SharedArrayBuffer or
   * port is refused.
   *
   * @throws {CloneError} Naming what cannot cross.
   */
  user(value: unknown): unknown {
    return replaceCopying(value, isUserShared, (found) => {
      const description = describedHandle(found);
      if (description === undefined) {
        throw new CloneError(
          `Cannot send ${
            found instanceof MessagePort ? "a MessagePort" : "shared memory"
          } to an actor on another machine: its memory stays on this one; send plain data, ` +
            "or a copy (new Uint8Array(view))",
        );
      }
      if (description.kind !== ACTOR_REF_KIND) {
        throw new CloneError(
          `Cannot send a handle of kind "${description.kind}" to an actor on another machine: ` +
            "its shared memory stays on this one; only actor references cross between " +
            "machines (queues, locks and the rest follow in a later release)",
        );
      }
      return handleMarker({
        ...description,
        data: replaceCopying(description.data, isSab, (sab) => this.#sab(sab as SharedArrayBuffer)),
      });
    });
  }

  /**
   * Rebuilds a value that crossed from `node`: words become this machine's copy (or originals),
   * ports become new ports relayed to `node`, collected in `transfer`, for actor `owner`.
   */
  revive(value: unknown, node: string, owner: number, transfer: MessagePort[] = []): unknown {
    return replaceInPlace(value, isMarked, (marker) => {
      const record = marker as Record<string, unknown>;
      if (SAB_MARK in record) return this.#revivedSab(record[SAB_MARK] as SabMarker);
      const port = this.#relayIn(record[PORT_MARK] as PortMarker, node, owner);
      transfer.push(port);
      return port;
    });
  }

  /** Delivers an envelope a relay on `node` carried for `key`; unknown keys are dropped. */
  deliver(key: string, bytes: Uint8Array, node: string): void {
    const relay = this.#relays.get(key);
    if (relay === undefined) return;
    const envelope = this.revive(deserialize(bytes), node, relay.owner) as MailEnvelope;
    // The number was the sender's on its link to the other machine's relay; this link's
    // envelopes, the bridge's own refusals among them, go unnumbered.
    delete envelope.seq;
    if (envelope.type === "mail") Atomics.add(relay.written, MAILBOX_DEPTH, 1);
    relay.port.postMessage(envelope);
    // An actor blocked briefly in receive() stops waiting, and takes this on its event loop.
    wake(relay.written);
  }

  /** Closes the relays of actor `owner`: its links end with it. */
  close(owner: number): void {
    for (const [key, relay] of this.#relays) {
      if (relay.owner !== owner) continue;
      this.#relays.delete(key);
      relay.port.close();
    }
  }

  /** Closes every relay. */
  closeAll(): void {
    for (const relay of this.#relays.values()) relay.port.close();
    this.#relays.clear();
  }

  #sab(sab: SharedArrayBuffer): object {
    let key = this.#keys.get(sab);
    if (key === undefined) {
      key = `${this.node}:${++this.#next}`;
      this.#remember(key, sab);
    }
    const marker: SabMarker = { key, bytes: new Uint8Array(sab).slice() };
    if (sab.growable) marker.maxByteLength = sab.maxByteLength;
    return { [SAB_MARK]: marker };
  }

  #revivedSab(marker: SabMarker): SharedArrayBuffer {
    const known = this.byKey(marker.key);
    if (known !== undefined) return known;
    const sab = marker.maxByteLength === undefined
      ? new SharedArrayBuffer(marker.bytes.byteLength)
      : new SharedArrayBuffer(marker.bytes.byteLength, { maxByteLength: marker.maxByteLength });
    new Uint8Array(sab).set(marker.bytes);
    this.#remember(marker.key, sab);
    return sab;
  }

  #remember(key: string, sab: SharedArrayBuffer): void {
    this.#keys.set(sab, key);
    this.#byKey.set(key, new WeakRef(sab));
    this.#forget.register(sab, key);
  }

  /** `port` stays here; its messages are carried to `node`, where a new port stands for it. */
  #relayOut(port: MessagePort, words: PortWords, node: string, owner: number): object {
    const key = `${this.node}:p${++this.#next}`;
    // Mail read from this port goes to its holder over there; mail written here comes from it.
    this.#listen(key, port, node, owner, words.consumer, words.partner);
    const marker: PortMarker = {
      key,
      consumer: this.#sab(words.consumer),
      partner: this.#sab(words.partner),
    };
    return { [PORT_MARK]: marker };
  }

  #relayIn(marker: PortMarker, node: string, owner: number): MessagePort {
    const consumer = this.#revivedSab((marker.consumer as Record<string, SabMarker>)[SAB_MARK]);
    const partner = this.#revivedSab((marker.partner as Record<string, SabMarker>)[SAB_MARK]);
    const { port1, port2 } = new MessageChannel();
    // Mail read from our end was written by the holder of port2, for the actor over there.
    this.#listen(marker.key, port1, node, owner, partner, consumer);
    return port2;
  }

  #listen(
    key: string,
    port: MessagePort,
    node: string,
    owner: number,
    readWords: SharedArrayBuffer,
    writtenWords: SharedArrayBuffer,
  ): void {
    const relay: Relay = {
      port,
      node,
      owner,
      read: new Int32Array(readWords),
      written: new Int32Array(writtenWords),
    };
    this.#relays.set(key, relay);
    // The web API: a port that arrived in a worker's message on this thread has no `on()`.
    port.addEventListener("message", (event) => {
      this.#carry(key, relay, (event as MessageEvent<MailEnvelope>).data);
    });
    port.start();
    port.unref();
  }

  /** Carries one envelope read from a relayed port to the other machine. */
  #carry(key: string, relay: Relay, envelope: MailEnvelope): void {
    if (envelope.type === "mail") {
      Atomics.sub(relay.read, MAILBOX_DEPTH, 1);
      wake(relay.read);
    }
    let bytes: Uint8Array;
    try {
      bytes = serialize(this.#userEnvelope(envelope));
    } catch (error) {
      return this.#refuse(key, relay, envelope, error);
    }
    this.#send(relay.node, key, bytes);
  }

  #userEnvelope(envelope: MailEnvelope): MailEnvelope {
    if (envelope.type === "mail") return { ...envelope, body: this.user(envelope.body) };
    if (envelope.type === "reply" && envelope.ok) {
      return { ...envelope, value: this.user(envelope.value) };
    }
    return envelope;
  }

  /** Mail that cannot cross: an ask fails with the reason, a send is reported and dropped. */
  #refuse(key: string, relay: Relay, envelope: MailEnvelope, error: unknown): void {
    const reason = error instanceof CloneError ? error : new CloneError(
      `Cannot send this message to an actor on another machine: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    if (envelope.type === "mail" && envelope.ask !== undefined) {
      const reply: MailEnvelope = {
        type: "reply",
        ask: envelope.ask,
        ok: false,
        error: serializeError(reason),
      };
      return relay.port.postMessage(reply);
    }
    if (envelope.type === "reply") {
      const reply: MailEnvelope = {
        type: "reply",
        ask: envelope.ask,
        ok: false,
        error: serializeError(reason),
      };
      return this.#send(relay.node, key, serialize(reply));
    }
    console.error("A message to an actor on another machine was dropped:", reason.message);
  }
}

function isSab(value: object): boolean {
  return value instanceof SharedArrayBuffer;
}

function isShared(value: object): boolean {
  return value instanceof SharedArrayBuffer || value instanceof MessagePort ||
    (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer);
}

function isUserShared(value: object): boolean {
  return isShared(value) || describedHandle(value) !== undefined;
}

function isMarked(value: object): boolean {
  return Object.getPrototypeOf(value) === Object.prototype &&
    (Object.hasOwn(value, SAB_MARK) || Object.hasOwn(value, PORT_MARK));
}

/** Serializes a bridged message (structured clone's format: V8's serializer). */
export function pack(message: unknown): Uint8Array {
  return serialize(message);
}

/** The message {@linkcode pack} made. */
export function unpack<T>(bytes: Uint8Array): T {
  return deserialize(bytes) as T;
}
