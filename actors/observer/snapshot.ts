/**
 * A snapshot of the running program, as the observer serves it: the actor tree from the root
 * supervisor's process table; every lock, semaphore, queue, pipe and event shared between
 * actors (the ones the root repairs after deaths: a primitive that never left its creator is
 * not listed, and costs nothing); and every pool, manager and supervisor of the observing actor.
 *
 * @module
 */
import type { ActorInspection } from "../_kernel/root/inspection.ts";
import type { SharedInspection } from "../_kernel/root/holdings.ts";
import { runtime } from "../_kernel/runtime.ts";
import { inspect, type Inspectable, inspectables, type Inspection } from "../_shm/inspect.ts";

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
  /**
   * Every Pool: workers, tasks (an apply or a map chunk) queued, running, done, tasks per
   * second since the previous snapshot, workers that died and their replacements.
   */
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

/** Each pool's tasks done at the last snapshot, for its tasks per second since. */
const lastDone = new WeakMap<Inspectable, { time: number; done: number }>();

/** Adds `tasksPerSecond` to a pool's state: its tasks done since the previous snapshot. */
function withRate(engine: Inspectable, pool: Inspection, time: number): Inspection {
  const done = pool.state.done as number;
  const before = lastDone.get(engine);
  lastDone.set(engine, { time, done });
  const seconds = before === undefined ? 0 : (time - before.time) / 1000;
  const tasksPerSecond = seconds > 0 ? Math.round((done - before!.done) / seconds) : 0;
  return { ...pool, state: { ...pool.state, tasksPerSecond } };
}

/** How long an object that asks another actor (a manager) may take to answer. */
const INSPECT_TIMEOUT_MS = 1000;

/** Numbers for the objects (held weakly) and the shared primitives (by id) listed so far. */
const objectIds = new WeakMap<object, number>();
const primitiveIds = new Map<string, number>();
let lastId = 0;

function idOf(identity: object | string): number {
  const known = typeof identity === "string" ? primitiveIds.get(identity) : objectIds.get(identity);
  if (known !== undefined) return known;
  const id = ++lastId;
  if (typeof identity === "string") primitiveIds.set(identity, id);
  else objectIds.set(identity, id);
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
 * Takes a snapshot of the program: the whole actor tree and the primitives shared between
 * actors (the root supervisor answers both), and the pools, managers and supervisors of this
 * actor.
 */
export async function takeSnapshot(): Promise<Snapshot> {
  const { actors, shared } = await runtime.rootCall({ type: "inspect" }).answer as {
    actors: ActorInspection[];
    shared: SharedInspection[];
  };
  const snapshot: Snapshot = {
    time: Date.now(),
    actors,
    pools: [],
    locks: [],
    semaphores: [],
    queues: [],
    pipes: [],
    managers: [],
    supervisors: [],
    others: [],
  };
  for (const { key, kind, label, state, heldBy } of shared) {
    snapshot[GROUPS[kind] ?? "others"].push({
      id: idOf(key),
      kind,
      label,
      state: { ...state, heldBy },
    });
  }
  const objects = inspectables();
  const inspections = await Promise.all(objects.map(inspectOne));
  for (const [index, inspection] of inspections.entries()) {
    const object = objects[index];
    const group = GROUPS[inspection.kind] ?? "others";
    const shown = group === "pools" ? withRate(object, inspection, snapshot.time) : inspection;
    snapshot[group].push({ id: idOf(object), ...shown });
  }
  return snapshot;
}
