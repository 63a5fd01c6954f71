/**
 * The protocol between the root supervisor (on the main thread) and the worker host of every
 * actor, plus the envelope of mailbox messages. One union per direction; both sides `switch`
 * on `type` with a `never` default, so a missing case is a type error.
 *
 * Every actor's worker is created by the root supervisor, nested actors included: a parent
 * that is itself a worker asks the root to spawn its child, which is what lets the root reap
 * every exit and end whole subtrees. Mail does not go through the root: each parent-child link
 * is a MessagePort pair created by the parent.
 *
 * @module
 */
import type { MessagePort } from "node:worker_threads";
import type { SentDescription } from "./handles.ts";
import type { OverflowPolicy } from "../mailbox_options.ts";
import type { SerializedError } from "./wire_errors.ts";
import type { StopSignal } from "../_stop_signal.ts";
import type { Placement } from "../placement.ts";

/**
 * Where a worker finds a function or class: a registered task, or a module export.
 *
 * A task without a name (`task(import.meta, async (x) => ...)`) is found by the order in which
 * its module registers its nameless tasks, which is the same in every actor that imports the
 * module; `fingerprint`, a hash of its source, makes sure the worker found the same function.
 */
export interface TargetRef {
  /** URL of the module that defines it. */
  module: string;
  /** The task name (the function's name), the export name, or a nameless task's position. */
  name: string;
  /**
   * `task`: registered with `task(import.meta, fn)`; `anonymous`: a nameless registered task,
   * `name` being its position among them (1 for the first); `export`: exported by the module.
   */
  via: "task" | "anonymous" | "export";
  /** For `anonymous`: a hash of the function's source. */
  fingerprint?: number;
  /**
   * For `export`: the function looks written inline where it is passed (an arrow function or a
   * method, not a `function` or `class` declaration) and took its name from the option that
   * holds it, so a miss is explained as a closure, not as a missing export.
   */
  inline?: true;
}

export { SIGNAL_EXITCODES, type StopSignal } from "../_stop_signal.ts";

/** Everything a worker host needs to become an actor. The `pid` is the request id. */
export interface ActorSpec {
  pid: number;
  name: string;
  /** Python's `_identity`: the child indexes from the main process down, `[1, 2]` for `Process-1:2`. */
  identity: number[];
  daemon: boolean;
  parentPid: number;
  parentName: string;
  /** The program's main module, where exported targets are looked up. */
  mainModule: string;
  /**
   * The worker program, named by the layer that starts actors: the kernel runs it without
   * importing it (see `worker_host.ts`).
   */
  host: string;
  /**
   * Modules free of side effects that the actor will almost surely import (the library's entry
   * module): a standby worker imports them while it waits for a start, so the start does not.
   */
  warm: readonly string[];
  /** The class every actor's object is built from (`Process`), found as a target is. */
  baseClass: TargetRef;
  /** A subclass of {@linkcode ActorSpec.baseClass} to instantiate, or null for the base itself. */
  processClass: TargetRef | null;
  /** The function `run()` calls, or null when a subclass overrides `run()`. */
  target: TargetRef | null;
  args: unknown[];
  /** Own fields of a subclass instance, copied onto the worker's instance. */
  fields: Record<string, unknown>;
  /** Int32Array [state, exitcode] of this actor, written by the supervisor. */
  status: SharedArrayBuffer;
  /** The parent's status words, so the child can see whether its parent is alive. */
  parentStatus: SharedArrayBuffer;
  /** Shared pid counter: every actor allocates pids without a round trip. */
  pidCounter: SharedArrayBuffer;
  /** This actor's end of the mail link with its parent. */
  mailPort: MessagePort;
  /** The actor's mailbox words (depth, capacity, overflow policy), see {@linkcode MAILBOX_DEPTH}. */
  mailbox: SharedArrayBuffer;
  /** The parent's mailbox words. */
  parentMailbox: SharedArrayBuffer;
  /** The most MiB the actor's JavaScript heap may hold (its worker's old generation), if set. */
  maxMemoryMb?: number;
  /**
   * The parent's start waits for the actor's own acknowledgement (`initAck`, as OTP's
   * `proc_lib:init_ack`), not only for its target to run.
   */
  initAck: boolean;
  /** Where the actor runs (see `Placement`); undefined: where the root places it by default. */
  placement?: Placement;
}

/**
 * A value that crosses between actors through the kernel (an acknowledged start's value), with
 * the handles in it described for its recipient.
 */
export interface KernelValue {
  value: unknown;
  /** The value holds described handles (actor references, queues...) to revive. */
  handles: boolean;
}

/** What a reference to an actor is made of: any actor can rebuild an `ActorRef` from it. */
export interface ActorAddress {
  pid: number;
  name: string;
  /** The actor's status words. */
  status: SharedArrayBuffer;
  /** The actor's mailbox words. */
  mailbox: SharedArrayBuffer;
}

/** An exit reason as it crosses between threads. */
export interface ExitReport {
  pid: number;
  exitcode: number | null;
  error: SerializedError | null;
}

/**
 * A mail link with a peer: the port, and the peer's mailbox words (what a bridge to another
 * machine counts the link's mail in).
 */
export interface PeerLink {
  port: MessagePort;
  mailbox: SharedArrayBuffer;
}

/** Requests an actor makes of the root supervisor, answered by an `answer` command. */
export type RootRequest =
  /** A mail link to `pid`; answered with a {@linkcode PeerLink}, or an error if it is gone. */
  | { type: "connect"; pid: number }
  | { type: "register"; name: string; pid: number }
  | { type: "unregister"; name: string }
  /** Answered with the `ActorAddress` of the actor holding `name`, or null. */
  | { type: "whereis"; name: string }
  /** Answered with the actor tree as an observer shows it (`ActorInspection[]`). */
  | { type: "inspect" }
  /** Answered with an `ExitReport` once `pid` has exited (at once if it has). */
  | { type: "monitor"; pid: number }
  /** Drops the monitor made by request `monitorId`, which then never answers. */
  | { type: "demonitor"; monitorId: number }
  | { type: "link"; pid: number }
  | { type: "unlink"; pid: number }
  | { type: "trapExit"; trap: boolean };

/** The answer to a {@linkcode RootRequest}. */
export type RootAnswer =
  | { type: "answer"; id: number; ok: true; value: unknown }
  | { type: "answer"; id: number; ok: false; error: SerializedError };

/** Root supervisor -> worker host. */
export type HostCommand =
  | { type: "init"; spec: ActorSpec }
  /** To a standby worker: import these modules ahead of its start (see `ActorSpec.warm`). */
  | { type: "warm"; modules: readonly string[] }
  | { type: "halt" }
  /** The child runs; `ack` is the value of its `initAck`, when it was started to wait for one. */
  | { type: "childStarted"; pid: number; ack?: KernelValue }
  | { type: "childStartFailed"; pid: number; error: SerializedError }
  | {
    type: "childExited";
    pid: number;
    exitcode: number;
    error: SerializedError | null;
    /** The host ended normally, so an `end` marker closes its mail link after its last message. */
    mailEnds: boolean;
  }
  | RootAnswer
  /** Another actor connected to this one: mail from it arrives on `port`; `mailbox` is its words. */
  | { type: "peer"; pid: number; port: MessagePort; mailbox: SharedArrayBuffer }
  /** A connected actor exited; `mailEnds` as for `childExited`. */
  | { type: "peerExited"; pid: number; mailEnds: boolean }
  /** A linked actor exited and this actor traps exits: deliver an `ExitSignal`. */
  | { type: "exitSignal"; from: ActorAddress; reason: ExitReport };

/** The commands about a child that the supervisor sends its parent. */
export type ChildCommand = Extract<
  HostCommand,
  { type: "childStarted" | "childStartFailed" | "childExited" }
>;

/** The commands the runtime of an actor handles, whether from its host or the supervisor. */
export type RuntimeCommand = Exclude<HostCommand, { type: "init" | "warm" | "halt" | "answer" }>;

/** Worker host -> root supervisor. */
export type HostReport =
  /** The target runs; with `ack` when the actor acknowledged its start itself (`initAck`). */
  | { type: "started"; ack?: KernelValue }
  | { type: "startFailed"; error: SerializedError }
  | { type: "exit"; code: number; error: SerializedError | null }
  | { type: "spawn"; spec: ActorSpec }
  /** A pid this actor handed out will never be spawned (building its start failed). */
  | { type: "discard"; pid: number }
  | { type: "signal"; pid: number; signal: StopSignal }
  /** Which shared primitives this actor began or stopped holding, in order: see `HoldChange`. */
  | { type: "holds"; changes: HoldChange[] }
  | { type: "call"; id: number; request: RootRequest };

/**
 * A change in the shared primitives (locks, queues, pipe ends...) an actor holds, reported to
 * the root supervisor, which repairs a primitive after an exit only while some live actor may
 * hold it. `id` names the primitive in every actor. An actor reports a `hold` when it
 * materializes its first object of the primitive (it creates it, or revives it from a message
 * or its arguments), with the description the root revives its own copy from, and a `release`
 * once the last of those objects has been garbage-collected.
 */
export type HoldChange =
  | { type: "hold"; id: string; handle: SentDescription }
  | { type: "release"; id: string };

/**
 * A message on a mail link between two actors. A child's host sends `end` as its last message
 * before reporting its exit, so the parent can close the link without losing mail in flight.
 */
export type MailEnvelope =
  & (
    | {
      type: "mail";
      from: number;
      body: unknown;
      /** Set on an `ask`: the id the reply must carry. */
      ask?: number;
      /** Set on a gen_server cast. */
      cast?: true;
      /**
       * Set on a library's own request to its actor (a server's `stop`, a manager's `connect`, a
       * pool worker's port): the request's name, which its loop dispatches on. `receive()` never
       * takes such mail; user messages never carry the field, whatever their body.
       */
      system?: string;
      /** The body holds described handles (actor references, queues...) to revive. */
      handles?: true;
    }
    | { type: "reply"; ask: number; ok: true; value: unknown; handles?: true }
    | { type: "reply"; ask: number; ok: false; error: SerializedError }
    | { type: "end" }
  )
  & {
    /**
     * The envelope's number on its link, from 0, set by the actor that posts it. A receiver takes
     * mail both from message events and by polling the port while it waits, and a message the
     * event loop had already taken off the port can come after a later one polled: the numbers
     * put them back in order. The NATS bridge posts its envelopes unnumbered.
     */
    seq?: number;
  };

/** Layout of an actor's shared status words. */
export const STATUS_STATE = 0;
/** Index of the exit code in the status words, valid once the state is `EXITED`. */
export const STATUS_EXITCODE = 1;
/** Index of the halt flag: 1 once the supervisor wants the actor's thread to stop. */
export const STATUS_HALT = 2;
/** The number of status words. */
export const STATUS_WORDS = 3;
/** The worker is being created or is importing its target's module. */
export const STARTING = 0;
/** The target is running. */
export const RUNNING = 1;
/** The supervisor has reaped the actor; the exit code is final. */
export const EXITED = 2;

/**
 * Layout of an actor's mailbox words, futex-style (see `_futex.ts`: the sequence and sleepers
 * words come first): the messages sent to it and not yet received, its capacity (0: unbounded)
 * and its overflow policy.
 */
export const MAILBOX_DEPTH = 2;
/** Index of the mailbox capacity; 0 for an unbounded mailbox. */
export const MAILBOX_CAPACITY = 3;
/** Index of the overflow policy, an index into {@linkcode OVERFLOW_POLICIES}. */
export const MAILBOX_OVERFLOW = 4;
/** The number of mailbox words. */
export const MAILBOX_WORDS = 5;
/** What a send to a full bounded mailbox does, in the order the words store them. */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ["block", "drop", "fail"];

/** The root supervisor's own pid: the main program is an actor too, pid 1, like init. */
export const MAIN_PID = 1;

/** Reads `[state, exitcode]`: the exit code once exited, else null. */
export function exitcodeOf(status: Int32Array): number | null {
  return Atomics.load(status, STATUS_STATE) === EXITED
    ? Atomics.load(status, STATUS_EXITCODE)
    : null;
}
