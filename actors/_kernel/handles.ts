/**
 * Handles that cross between actors: queues, pipe ends, locks, events, shared values, proxies.
 * A handle is not copied; it is described (`{ module, kind, data }`, where `data` is plain data
 * and SharedArrayBuffers) and revived on the other side, so both actors use the same shared
 * state. Handles may be passed as Process and Pool arguments, as subclass fields, in mail and
 * replies, at any depth of the arrays, plain objects, Maps (keys and values) and Sets of those.
 * The value keeps the shape structured clone keeps: only the containers on the way to a handle
 * are copied, once each, and shared references, cycles, holes and named array properties
 * survive on both sides.
 *
 * One table, keyed by kind, says how each kind is revived and which module registered it, as
 * comlink's `transferHandlers` map does for its wire values: a handle names only its kind and
 * data, the sender adds the registering module (which the receiver imports, and which registers
 * the kind there too), and anything else that rebuilds handles from data (a manager's replies)
 * revives through the same table with {@linkcode reviveKind}.
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
import { CloneError } from "../errors.ts";

export {
  describeHandle,
  type HandleDescription,
  isPortable,
  type Portable,
  type Repairable,
  repairHandle,
};

/** A handle's description as it crosses: with the module that registers its kind. */
export interface SentDescription extends HandleDescription {
  module: string;
}

/**
 * Rebuilds a handle from its description's data (inner handles already revived). `forAdoption`
 * is true when the root supervisor revives it only to repair it: the supervisor does not hold or
 * use it, so handles that count their holders (pipe ends) must not count it.
 */
type Reviver = (data: unknown, forAdoption: boolean) => unknown;

/** How one kind is revived, and the module that registers it. */
interface Kind {
  module: string;
  revive: Reviver;
}

const kinds = new Map<string, Kind>();
const MARKER = "\u0000handle";

/**
 * Registers how to revive handles of `kind`, a name no other module registers. Call it at the
 * top level of the module at `meta.url`: other actors import that module to revive the kind, so
 * it must import (or be) every class it builds.
 *
 * @throws {CloneError} If another module registered `kind` already.
 */
export function registerHandleKind(meta: ImportMeta, kind: string, revive: Reviver): void {
  const known = kinds.get(kind);
  if (known !== undefined && known.module !== meta.url) {
    throw new CloneError(
      `Cannot register the handle kind "${kind}" for ${meta.url}: ${known.module} registered ` +
        "it already; give the kind a name of its own",
    );
  }
  kinds.set(kind, { module: meta.url, revive });
}

/**
 * Revives data of `kind` that was made in this actor's own terms (a manager's reply): the
 * kind's module must be imported already.
 *
 * @throws {CloneError} If no module of this actor registered `kind`.
 */
export function reviveKind(kind: string, data: unknown): unknown {
  return kindNamed(kind, undefined).revive(data, false);
}

/** The registration of `kind`, which the description naming `module` (if any) must match. */
function kindNamed(kind: string, module: string | undefined): Kind {
  const known = kinds.get(kind);
  if (known === undefined) {
    const where = module === undefined ? "no module of this actor" : `${module} did not`;
    throw new CloneError(
      `Cannot revive a handle of kind "${kind}": ${where} registered the kind; import the ` +
        "module that defines it, which must call registerHandleKind() at its top level",
    );
  }
  if (module !== undefined && known.module !== module) {
    throw new CloneError(
      `Cannot revive a handle of kind "${kind}" described by ${module}: in this actor the ` +
        `kind is ${known.module}'s; both actors must run the same modules`,
    );
  }
  return known;
}

/**
 * Replaces handles (at any depth of arrays, plain objects, Maps and Sets) with their
 * descriptions, for the actor `recipient` when it is known (see {@linkcode Portable}). The
 * result keeps the shape structured clone keeps: see `replaceCopying` in `_shm/value_walk.ts`.
 */
export function encodeHandles<T>(value: T, recipient?: number): T {
  if (!containsHandles(value)) return value;
  return replaceCopying(
    value,
    isPortable,
    (handle) => handleMarker(describe(handle as Portable, recipient)),
  ) as T;
}

/**
 * Describes `handle`, with the handles its own state holds (a condition's lock) described too.
 *
 * @throws {CloneError} If no module of this actor registered its kind.
 */
export function describe(handle: Portable, recipient?: number): SentDescription {
  const { kind, data } = handle[describeHandle](recipient);
  const known = kinds.get(kind);
  if (known === undefined) {
    throw new CloneError(
      `Cannot send a ${handle.constructor.name} to another actor: no module registered its ` +
        `kind "${kind}"; call registerHandleKind() at the top level of the module that ` +
        "defines it",
    );
  }
  return { module: known.module, kind, data: encodeHandles(data, recipient) };
}

/** Imports every module a description needs, then revives it for the supervisor's repairs. */
export async function reviveForAdoption(description: SentDescription): Promise<unknown> {
  const wrapped = [{ [MARKER]: description }];
  const descriptions: SentDescription[] = [];
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
  const descriptions: SentDescription[] = [];
  collectDescriptions(value, descriptions);
  if (descriptions.length === 0) return value;
  await Promise.all(descriptions.map((description) => import(description.module)));
  return reviveTree(value, false) as T;
}

/** Rebuilds one described handle, inner handles first; their modules must be imported already. */
function reviveHandle(description: SentDescription, forAdoption: boolean): unknown {
  const { revive } = kindNamed(description.kind, description.module);
  return revive(reviveTree(description.data, forAdoption), forAdoption);
}

/**
 * The description held by `value` when it is the marker {@linkcode encodeHandles} put where a
 * handle was, else undefined: what a bridge to another machine inspects as it copies a value.
 */
export function describedHandle(value: object): SentDescription | undefined {
  return isMarker(value) ? descriptionOf(value) : undefined;
}

/** The marker for `description`, as {@linkcode encodeHandles} makes it. */
export function handleMarker(description: SentDescription): object {
  return { [MARKER]: description };
}

/** True for the marker {@linkcode encodeHandles} puts where a handle was. */
function isMarker(value: object): boolean {
  return Object.getPrototypeOf(value) === Object.prototype && Object.hasOwn(value, MARKER);
}

function descriptionOf(marker: object): SentDescription {
  return (marker as Record<string, unknown>)[MARKER] as SentDescription;
}

/** Pushes the description of every marker in `value` (and in their data), each marker once. */
function collectDescriptions(value: unknown, into: SentDescription[]): void {
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
