/**
 * Handles that cross between actors: queues, pipe ends, locks, events, shared values, proxies.
 * A handle is not copied; it is described (`{ module, kind, data }`, where `data` is plain data
 * and SharedArrayBuffers) and revived on the other side by the module that defines it, so both
 * actors use the same shared state. Handles may be passed as Process arguments, as subclass
 * fields, and inside arrays and plain objects of those.
 *
 * A handle whose state an actor can hold (a lock's owner, a permit) is also adopted by the root
 * supervisor, which calls its repair hook after every exit, so nothing stays held by the dead.
 *
 * @module
 */

/** Method that describes a handle for another actor. */
export const describeHandle: unique symbol = Symbol.for("multiprocessing.describeHandle");
/** Method the supervisor calls after an actor exits, to release what the dead held. */
export const repairHandle: unique symbol = Symbol.for("multiprocessing.repairHandle");

/**
 * How another actor rebuilds a handle: the defining module, a kind registered there, its data.
 *
 * @ignore Internal: not part of the public API.
 */
export interface HandleDescription {
  module: string;
  kind: string;
  /** Plain data and SharedArrayBuffers only: nothing that must be transferred. */
  data: unknown;
}

/**
 * A value that crosses actors as a description of shared state. `recipient` is the pid of the
 * actor the description is for, when the sender knows it (a child at `start()`, the receiver of
 * mail): a handle that counts the actors holding it (a pipe end) counts the recipient at once,
 * so that the sender may close its own copy right after, as Python's `p.start();
 * child_end.close()` idiom does.
 */
export interface Portable {
  [describeHandle](recipient?: number): HandleDescription;
}

/** A handle with state an actor can hold; `isDead(pid)` tells which holders are gone. */
export interface Repairable {
  [repairHandle](isDead: (pid: number) => boolean): void;
}

type Reviver = (data: unknown) => unknown;

const revivers = new Map<string, Reviver>();
const MARKER = "\u0000handle";

const reviverKey = (module: string, kind: string) => `${module}#${kind}`;

/**
 * Registers how to revive handles of `kind` described by the module at `meta.url`. Call it at
 * the top level of the module that defines the handle, which every reviving actor imports.
 */
export function registerHandleKind(meta: ImportMeta, kind: string, revive: Reviver): void {
  revivers.set(reviverKey(meta.url, kind), revive);
}

/** True for an object that describes itself as a handle. */
export function isPortable(value: unknown): value is Portable {
  return typeof value === "object" && value !== null && describeHandle in value;
}

/**
 * Replaces handles (at any depth of arrays and plain objects) with their descriptions, for the
 * actor `recipient` when it is known (see {@linkcode Portable}).
 */
export function encodeHandles<T>(value: T, recipient?: number): T {
  return mapTree(value, (handle) => ({ [MARKER]: describe(handle, recipient) })) as T;
}

/** Describes `handle`, with the handles its own state holds (a condition's lock) described too. */
export function describe(handle: Portable, recipient?: number): HandleDescription {
  const description = handle[describeHandle](recipient);
  return { ...description, data: encodeHandles(description.data, recipient) };
}

let adopting = false;

/**
 * True while the root supervisor revives a handle only to repair it: the supervisor does not
 * hold or use it, so handles that count their holders (pipe ends) must not count it.
 */
export function revivingForAdoption(): boolean {
  return adopting;
}

/** Imports every module a description needs, then revives it for the supervisor's repairs. */
export async function reviveForAdoption(description: HandleDescription): Promise<unknown> {
  const wrapped = [{ [MARKER]: description }];
  const descriptions: HandleDescription[] = [];
  collectDescriptions(wrapped, descriptions);
  await Promise.all(descriptions.map((nested) => import(nested.module)));
  adopting = true;
  try {
    return reviveTree(wrapped[0]);
  } finally {
    adopting = false;
  }
}

/** Rebuilds the handles that {@linkcode encodeHandles} described, importing their modules. */
export async function reviveHandles<T>(value: T): Promise<T> {
  const descriptions: HandleDescription[] = [];
  collectDescriptions(value, descriptions);
  await Promise.all(descriptions.map((description) => import(description.module)));
  return reviveTree(value) as T;
}

/** Rebuilds one described handle, inner handles first; their modules must be imported already. */
function reviveHandle(description: HandleDescription): unknown {
  const revive = revivers.get(reviverKey(description.module, description.kind));
  if (revive === undefined) {
    throw new TypeError(
      `Cannot revive a ${description.kind} handle: ${description.module} did not register the ` +
        "kind with registerHandleKind() at its top level",
    );
  }
  return revive(reviveTree(description.data));
}

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === Array.prototype || prototype === null;
}

function mapTree(value: unknown, encode: (handle: Portable) => unknown): unknown {
  if (isPortable(value)) return encode(value);
  if (!isPlainContainer(value)) return value;
  if (Array.isArray(value)) return value.map((item) => mapTree(item, encode));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = mapTree(value[key], encode);
  return copy;
}

function descriptionIn(value: unknown): HandleDescription | undefined {
  return isPlainContainer(value) && !Array.isArray(value) && MARKER in value
    ? value[MARKER] as HandleDescription
    : undefined;
}

function collectDescriptions(value: unknown, into: HandleDescription[]): void {
  const description = descriptionIn(value);
  if (description !== undefined) {
    into.push(description);
    collectDescriptions(description.data, into);
  } else if (isPlainContainer(value)) {
    for (const item of Object.values(value)) collectDescriptions(item, into);
  }
}

function reviveTree(value: unknown): unknown {
  const description = descriptionIn(value);
  if (description !== undefined) return reviveHandle(description);
  if (!isPlainContainer(value)) return value;
  if (Array.isArray(value)) return value.map(reviveTree);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = reviveTree(value[key]);
  return copy;
}

/**
 * True if `value` holds a handle where {@linkcode encodeHandles} looks for them (at any depth of
 * arrays and plain objects). Cycles are fine. Values without handles need no encoding, so they
 * cross with structured clone's full fidelity.
 */
export function containsHandles(value: unknown, seen: Set<object> = new Set()): boolean {
  if (isPortable(value)) return true;
  if (!isPlainContainer(value) || seen.has(value)) return false;
  seen.add(value);
  for (const item of Object.values(value)) if (containsHandles(item, seen)) return true;
  return false;
}
