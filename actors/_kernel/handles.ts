/**
 * Handles that cross between actors: queues, pipe ends, locks, events, shared values, proxies.
 * A handle is not copied; it is described (`{ module, kind, data }`, where `data` is plain data
 * and SharedArrayBuffers) and revived on the other side by the module that defines it, so both
 * actors use the same shared state. Handles may be passed as Process and Pool arguments, as
 * subclass fields, in mail and replies, at any depth of the arrays, plain objects, Maps (keys and
 * values) and Sets of those. The value keeps the shape structured clone keeps: only the
 * containers on the way to a handle are copied, once each, and shared references, cycles, holes
 * and named array properties survive on both sides.
 *
 * A handle whose state an actor can hold (a lock's owner, a permit) is also adopted by the root
 * supervisor, which calls its repair hook after every exit, so nothing stays held by the dead.
 *
 * @module
 */
import {
  describeHandle,
  type HandleDescription,
  isPortable,
  type Portable,
  type Repairable,
  repairHandle,
} from "../_shm/portable.ts";
import { forEachMatch, reaches, replaceCopying, replaceInPlace } from "../_shm/value_walk.ts";

export {
  describeHandle,
  type HandleDescription,
  isPortable,
  type Portable,
  type Repairable,
  repairHandle,
};

/**
 * Rebuilds a handle from its description's data (inner handles already revived). `forAdoption`
 * is true when the root supervisor revives it only to repair it: the supervisor does not hold or
 * use it, so handles that count their holders (pipe ends) must not count it.
 */
type Reviver = (data: unknown, forAdoption: boolean) => unknown;

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

/**
 * Replaces handles (at any depth of arrays, plain objects, Maps and Sets) with their
 * descriptions, for the actor `recipient` when it is known (see {@linkcode Portable}). The
 * result keeps the shape structured clone keeps: see `replaceCopying` in `_shm/value_walk.ts`.
 */
export function encodeHandles<T>(value: T, recipient?: number): T {
  if (!containsHandles(value)) return value;
  return replaceCopying(value, isPortable, (handle) => ({
    [MARKER]: describe(handle as Portable, recipient),
  })) as T;
}

/** Describes `handle`, with the handles its own state holds (a condition's lock) described too. */
export function describe(handle: Portable, recipient?: number): HandleDescription {
  const description = handle[describeHandle](recipient);
  return { ...description, data: encodeHandles(description.data, recipient) };
}

/** Imports every module a description needs, then revives it for the supervisor's repairs. */
export async function reviveForAdoption(description: HandleDescription): Promise<unknown> {
  const wrapped = [{ [MARKER]: description }];
  const descriptions: HandleDescription[] = [];
  collectDescriptions(wrapped, descriptions);
  await Promise.all(descriptions.map((nested) => import(nested.module)));
  return reviveTree(wrapped[0], true);
}

/**
 * Rebuilds the handles that {@linkcode encodeHandles} described, importing their modules. The
 * value is a fresh copy (it has just crossed): its containers are changed in place, so its shape
 * is kept; a value without descriptions comes back untouched.
 */
export async function reviveHandles<T>(value: T): Promise<T> {
  const descriptions: HandleDescription[] = [];
  collectDescriptions(value, descriptions);
  if (descriptions.length === 0) return value;
  await Promise.all(descriptions.map((description) => import(description.module)));
  return reviveTree(value, false) as T;
}

/** Rebuilds one described handle, inner handles first; their modules must be imported already. */
function reviveHandle(description: HandleDescription, forAdoption: boolean): unknown {
  const revive = revivers.get(reviverKey(description.module, description.kind));
  if (revive === undefined) {
    throw new TypeError(
      `Cannot revive a ${description.kind} handle: ${description.module} did not register the ` +
        "kind with registerHandleKind() at its top level",
    );
  }
  return revive(reviveTree(description.data, forAdoption), forAdoption);
}

/** True for the marker {@linkcode encodeHandles} puts where a handle was. */
function isMarker(value: object): boolean {
  return Object.getPrototypeOf(value) === Object.prototype && Object.hasOwn(value, MARKER);
}

function descriptionOf(marker: object): HandleDescription {
  return (marker as Record<string, unknown>)[MARKER] as HandleDescription;
}

/** Pushes the description of every marker in `value` (and in their data), each marker once. */
function collectDescriptions(value: unknown, into: HandleDescription[]): void {
  forEachMatch(value, isMarker, (marker) => {
    const description = descriptionOf(marker);
    into.push(description);
    collectDescriptions(description.data, into);
  });
}

/**
 * Replaces every marker in `value` by its revived handle, in place; returns the result.
 * `forAdoption`: see {@linkcode Reviver}.
 */
function reviveTree(value: unknown, forAdoption: boolean): unknown {
  return replaceInPlace(
    value,
    isMarker,
    (marker) => reviveHandle(descriptionOf(marker), forAdoption),
  );
}

/**
 * True if `value` holds a handle (an actor reference, a queue, a lock...) at any depth.
 *
 * @ignore Internal: not part of the public API.
 */
export function containsHandles(value: unknown): boolean {
  return typeof value === "object" && value !== null && reaches(value, isPortable);
}
