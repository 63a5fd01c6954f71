/**
 * What a client and its link say to each other, and where a manager is: interfaces only, so
 * that the client and both links (`local_link.ts`, `tcp_link.ts`) import them from
 * here rather than from each other.
 *
 * @module
 */
import type { ActorRef } from "../../actor_ref.ts";

/** Where a manager listens. */
export interface ManagerAddress {
  /** The host name or IP address. */
  hostname: string;
  /** The TCP port. */
  port: number;
}

/**
 * How the actors of the manager's own program reach it: shared memory, found through the
 * manager's actor. Plain data, SharedArrayBuffers and an actor reference, so it crosses to the
 * program's other actors, and no further.
 */
export interface LocalEndpoint {
  /** Tells this manager from any other of the program. */
  id: string;
  /** The words every client rings when it has published requests (`_wire/session_ring.ts`). */
  hub: SharedArrayBuffer;
  /** The manager's actor, which hands each client actor its channel. */
  manager: ActorRef;
}

/**
 * How to reach and authenticate to a manager: plain data (with, for a manager of this program,
 * shared memory and an actor reference), so it can cross to other actors.
 */
export interface ManagerEndpoint {
  address: ManagerAddress;
  authkey: Uint8Array;
  maxFrameBytes: number;
  /** How long connecting and authenticating over TCP may take; undefined for no limit. */
  connectTimeout: number | undefined;
  /** Set for a manager of this program: then no TCP, and no authentication, are needed. */
  local?: LocalEndpoint;
}

/** What carries a client's frames to its manager and the replies back. */
export interface ManagerLink {
  /** Resolves once the link is usable, or rejects with why it is not. */
  open(): Promise<void>;
  /** Hands over a framed request, now; `frame` is valid only during the call: copy to keep. */
  send(frame: Uint8Array): void;
  /** Resolves once everything sent so far is on its way; rejects if the link ends first. */
  written(): Promise<void>;
  /** A call awaits a reply: deliver replies, and keep the actor alive while waiting. */
  awaiting(): void;
  /** No call awaits a reply any more. */
  idle(): void;
  /** Ends the link; `written()` promises still pending reject with `error`. */
  close(error: Error): void;
  /** Resolves once the link has ended and its reads have stopped. */
  readonly ended: Promise<void>;
}

/** What a link reports to its client. */
export interface LinkOwner {
  /** Whether a call awaits its reply. */
  readonly awaitingReplies: boolean;
  /**
   * One reply frame's payload.
   *
   * @throws {FrameError} If it is not a manager reply.
   */
  receive(payload: Uint8Array): void;
  /** The link failed: the client closes, and answers the error a failed send rejects with. */
  fail(error: unknown): Error;
  /** The link ended for `reason`, which says why as it is: the client closes. */
  end(reason: Error): void;
}
