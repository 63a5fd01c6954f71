/**
 * A snapshot of the running program, as the observer serves it: the actor tree from the root
 * supervisor's process table, and every pool, lock, semaphore, queue, pipe, manager and
 * supervisor alive in the main thread (which includes every primitive that crossed between
 * actors: the root revives each to repair it after deaths).
 *
 * @module
 */
import type { ActorInspection } from "../_kernel/root/inspection.ts";
import { rootSupervisor } from "../_kernel/root/root.ts";
import { isMainThread } from "node:worker_threads";
import {
  inspect,
  type Inspectable,
  inspectables,
  inspectIdentity,
  type Inspection,
} from "../_shm/inspect.ts";

export type { ActorInspection, Inspection };

/** One object of the program: an id stable across snapshots, then what it says of itself. */
export interface ObjectInspection extends Inspection {
  /** A number for the object, the same in every snapshot of this observer. */
  id: number;
}

/** The state of the program at one moment. */
export interface Snapshot {
  /** `Date.now()` when it was taken. */
  time: number;
  /** The main program, every live actor, and the last actors to end. */
  actors: ActorInspection[];
  /** Every Pool: workers, tasks (an apply or a map chunk) queued, running, done, deaths. */
  pools: ObjectInspection[];
  /** Lock and RLock. */
  locks: ObjectInspection[];
  /** Semaphore and BoundedSemaphore. */
  semaphores: ObjectInspection[];
  /** Queue, SimpleQueue and JoinableQueue. */
  queues: ObjectInspection[];
  /** Pipes: for each end, its holders and the messages it sent not yet received. */
  pipes: ObjectInspection[];
  /** Managers: role, address, objects by kind, names, clients. */
  managers: ObjectInspection[];
  /** Supervisors: state, strategy, children with their restarts, the intensity window. */
  supervisors: ObjectInspection[];
  /** Event, Condition, Barrier, Value and SharedArray. */
  others: ObjectInspection[];
}

type Group = Exclude<keyof Snapshot, "time" | "actors">;

const GROUPS: Readonly<Record<string, Group>> = {
  pool: "pools",
  Lock: "locks",
  RLock: "locks",
  Semaphore: "semaphores",
  BoundedSemaphore: "semaphores",
  Queue: "queues",
  SimpleQueue: "queues",
  JoinableQueue: "queues",
  Connection: "pipes",
  manager: "managers",
  supervisor: "supervisors",
};

/** How long an object that asks another actor (a manager) may take to answer. */
const INSPECT_TIMEOUT_MS = 1000;

/** Numbers by identity: an object (held weakly) or a primitive's id string. */
const objectIds = new WeakMap<object, number>();
const stringIds = new Map<unknown, number>();
let lastId = 0;

function idOf(identity: unknown): number {
  const ids = typeof identity === "object" && identity !== null ? objectIds : stringIds;
  let id = (ids as Map<unknown, number>).get(identity);
  if (id === undefined) (ids as Map<unknown, number>).set(identity, id = ++lastId);
  return id;
}

/** What `object` says of itself, or what went wrong asking it. */
async function inspectOne(object: Inspectable): Promise<Inspection> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      object[inspect](),
      new Promise<Inspection>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${INSPECT_TIMEOUT_MS} ms`)),
          INSPECT_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    return { kind: "unknown", label: String(object), state: { error: String(error) } };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Takes a snapshot of the program. Only the main program sees the whole tree.
 *
 * @throws {TypeError} If called in a process rather than the main program.
 */
export async function takeSnapshot(): Promise<Snapshot> {
  if (!isMainThread) {
    throw new TypeError(
      "Cannot take a snapshot in a process: only the main program sees the whole tree; " +
        "observe from the main program",
    );
  }
  const root = await rootSupervisor();
  const snapshot: Snapshot = {
    time: Date.now(),
    actors: root.inspectActors(),
    pools: [],
    locks: [],
    semaphores: [],
    queues: [],
    pipes: [],
    managers: [],
    supervisors: [],
    others: [],
  };
  const objects = inspectables();
  const inspections = await Promise.all(objects.map(inspectOne));
  for (const [index, inspection] of inspections.entries()) {
    const id = idOf(objects[index][inspectIdentity]());
    snapshot[GROUPS[inspection.kind] ?? "others"].push({ id, ...inspection });
  }
  return snapshot;
}
