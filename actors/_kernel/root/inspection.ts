/**
 * What an observer sees of the actor tree: one plain record per actor, live or recently ended,
 * read from the root supervisor's process table and the actors' shared words.
 *
 * @module
 */
import {
  type ActorAddress,
  EXITED,
  type ExitReport,
  MAILBOX_CAPACITY,
  MAILBOX_DEPTH,
  RUNNING,
  STATUS_EXITCODE,
  STATUS_STATE,
} from "../protocol.ts";
import { reasonOf } from "../exit_report.ts";

/** One actor as an observer shows it. */
export interface ActorInspection {
  /** Its pid; 1 is the main program. */
  pid: number;
  /** Its name, as `Process.name`. */
  name: string;
  /** The parent's pid; 0 for the main program. */
  parentPid: number;
  /** Whether it is a daemon, ended with its parent. */
  daemon: boolean;
  /** Where it is in its life; `stopping` once terminated or killed, until reaped. */
  status: "starting" | "running" | "stopping" | "exited";
  /** Its exit code once ended, as `Process.exitcode`; null while it runs. */
  exitcode: number | null;
  /** How it ended: `normal`, `error`, `terminated`, `killed`; null while it runs. */
  exitKind: string | null;
  /** The error it ended with, as a line of text, if any. */
  exitError: string | null;
  /** The names it holds (`register`). */
  names: string[];
  /** The actors linked to it (`link`). */
  links: number[];
  /** The actors that monitor it. */
  monitoredBy: number[];
  /** Whether it traps exits (`trapExit`); the main program always does. */
  trapsExits: boolean;
  /** Mail sent to it and not yet received. */
  mailboxDepth: number;
  /** The most mail its mailbox holds; 0 for no limit. */
  mailboxCapacity: number;
}

/** What the table knows of an actor beside its address. */
export interface ActorFacts {
  parentPid: number;
  daemon: boolean;
  stopping: boolean;
  names: string[];
  links: number[];
  monitoredBy: number[];
  /** Whether it traps exits (`trapExit`); the main program always does. */
  trapsExits: boolean;
}

/**
 * The record of an actor: a live one from its address (status and mailbox words) and `facts`;
 * an ended one, whose `ended` report the table kept, from that report alone (its names, links,
 * monitors and mail went with it).
 */
export function inspectActor(
  address: ActorAddress,
  facts: ActorFacts,
  ended?: ExitReport,
): ActorInspection {
  const { stopping, ...known } = facts;
  const record = { pid: address.pid, name: address.name, ...known };
  if (ended !== undefined) {
    const { kind, error } = reasonOf(ended);
    return {
      ...record,
      status: "exited",
      exitcode: ended.exitcode,
      exitKind: kind,
      exitError: error === null ? null : `${error.name}: ${error.message}`,
      mailboxDepth: 0,
      mailboxCapacity: 0,
    };
  }
  const status = new Int32Array(address.status);
  const mailbox = new Int32Array(address.mailbox);
  const state = Atomics.load(status, STATUS_STATE);
  const exited = state === EXITED;
  return {
    ...record,
    status: exited ? "exited" : stopping ? "stopping" : state === RUNNING ? "running" : "starting",
    exitcode: exited ? Atomics.load(status, STATUS_EXITCODE) : null,
    exitKind: null,
    exitError: null,
    mailboxDepth: Atomics.load(mailbox, MAILBOX_DEPTH),
    mailboxCapacity: Atomics.load(mailbox, MAILBOX_CAPACITY),
  };
}

/** What the table knows of an ended actor: nothing but its place in the tree. */
export function endedFacts(parentPid: number, daemon: boolean): ActorFacts {
  return {
    parentPid,
    daemon,
    stopping: false,
    names: [],
    links: [],
    monitoredBy: [],
    trapsExits: false,
  };
}
