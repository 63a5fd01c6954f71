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
  NAMED_KEYS_LIMIT,
  namedKeys,
  type Portable,
  type Repairable,
  repairHandle,
} from "../_shm/portable.ts";

export {
  describeHandle,
  type HandleDescription,
  isPortable,
  NAMED_KEYS_LIMIT,
  namedKeys,
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
 * result keeps the shape structured clone keeps: see {@linkcode replaceHandles}.
 */
export function encodeHandles<T>(value: T, recipient?: number): T {
  if (!containsHandles(value)) return value;
  return replaceHandles(value, isPortable, (handle) => ({
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

// The walks below go where structured clone goes: into arrays (elements and named
// properties), plain and null-prototype objects, Maps (keys and values) and Sets. Each container
// is visited once (a `seen` set), so shared references and cycles cost nothing and end.

const OTHER = 0;
const ARRAY = 1;
const OBJECT = 2;
const MAP = 3;
const SET = 4;

/** Which container `value` is, for the walks; OTHER for anything structured clone copies whole. */
function containerKind(value: object): number {
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) return ARRAY;
  if (prototype === Object.prototype || prototype === null) return OBJECT;
  if (prototype === Map.prototype) return MAP;
  if (prototype === Set.prototype) return SET;
  return OTHER;
}

/** Sets `key` on a fresh container, as a data property even when the key is "__proto__". */
function setField(target: Record<string, unknown>, key: string, item: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value: item,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = item;
  }
}

/**
 * True if `value` holds a handle (an actor reference, a queue, a lock...) at any depth.
 *
 * @ignore Internal: not part of the public API.
 */
export function containsHandles(value: unknown): boolean {
  return typeof value === "object" && value !== null && reaches(value, isPortable);
}

/** True if an object that `match` accepts can be reached from `value`. */
function reaches(value: object, match: (value: object) => boolean): boolean {
  // Most values that cross are small and shallow: walk them without allocating a `seen` set,
  // ending cycles with the path of containers from the top, within a budget of visits (shared
  // references are walked each time) and of depth; past either, walk again with the set.
  budget = QUICK_WALK_VISITS;
  const found = holds(value, match, null);
  path.length = 0;
  return found === TOO_LARGE ? holds(value, match, new Set()) === FOUND : found === FOUND;
}

const QUICK_WALK_VISITS = 1024;
const QUICK_WALK_DEPTH = 16;
const NOT_FOUND = 0;
const FOUND = 1;
const TOO_LARGE = 2;
let budget = 0;
/** The containers from the top of the quick walk down to the one it is in. */
const path: object[] = [];

/**
 * FOUND or NOT_FOUND; with no `seen` set (the quick walk), TOO_LARGE once its budget of visits
 * or depth is spent.
 */
function holds(value: object, match: (value: object) => boolean, seen: Set<object> | null): number {
  if (seen === null) {
    if (path.includes(value)) return NOT_FOUND;
    if (--budget < 0 || path.length === QUICK_WALK_DEPTH) return TOO_LARGE;
  } else {
    if (seen.has(value)) return NOT_FOUND;
    seen.add(value);
  }
  const kind = containerKind(value);
  if (kind === OTHER) return match(value) ? FOUND : NOT_FOUND;
  if (seen === null) path.push(value);
  const found = holdsIn(value, kind, match, seen);
  if (seen === null && found !== TOO_LARGE) path.pop();
  return found;
}

function holdsIn(
  value: object,
  kind: number,
  match: (value: object) => boolean,
  seen: Set<object> | null,
): number {
  let found = NOT_FOUND;
  switch (kind) {
    case ARRAY: {
      const items = value as unknown[];
      for (let index = 0; index < items.length && found === NOT_FOUND; index++) {
        const item = items[index];
        if (typeof item === "object" && item !== null) found = holds(item, match, seen);
      }
      for (const key of namedKeys(items)) {
        if (found !== NOT_FOUND) break;
        const item = (items as unknown as Record<string, unknown>)[key];
        if (typeof item === "object" && item !== null) found = holds(item, match, seen);
      }
      return found;
    }
    case OBJECT:
      for (const item of Object.values(value)) {
        if (typeof item === "object" && item !== null) found = holds(item, match, seen);
        if (found !== NOT_FOUND) return found;
      }
      return found;
    case MAP:
      for (const [key, item] of value as Map<unknown, unknown>) {
        if (typeof key === "object" && key !== null) found = holds(key, match, seen);
        if (found === NOT_FOUND && typeof item === "object" && item !== null) {
          found = holds(item, match, seen);
        }
        if (found !== NOT_FOUND) return found;
      }
      return found;
    default:
      for (const item of value as Set<unknown>) {
        if (typeof item === "object" && item !== null) found = holds(item, match, seen);
        if (found !== NOT_FOUND) return found;
      }
      return found;
  }
}

/** Calls `visit` with each container of `value` directly, in walk order. */
function forEachChild(container: object, kind: number, visit: (child: unknown) => void): void {
  switch (kind) {
    case ARRAY: {
      const items = container as unknown[];
      for (let index = 0; index < items.length; index++) visit(items[index]);
      for (const key of namedKeys(items)) {
        visit((items as unknown as Record<string, unknown>)[key]);
      }
      return;
    }
    case OBJECT:
      for (const item of Object.values(container)) visit(item);
      return;
    case MAP:
      for (const [key, item] of container as Map<unknown, unknown>) {
        visit(key);
        visit(item);
      }
      return;
    case SET:
      for (const item of container as Set<unknown>) visit(item);
  }
}

/** Calls `visit` once with each object of `value` that `match` accepts (not entering them). */
function forEachMatch(
  value: unknown,
  match: (value: object) => boolean,
  visit: (found: object) => void,
): void {
  const seen = new Set<object>();
  const walk = (item: unknown): void => {
    if (typeof item !== "object" || item === null || seen.has(item)) return;
    seen.add(item);
    if (match(item)) return visit(item);
    const kind = containerKind(item);
    if (kind !== OTHER) forEachChild(item, kind, walk);
  };
  walk(value);
}

/**
 * Returns `value` with every object that `match` accepts replaced by `replace(found)` (called
 * once per object found: a handle held twice is replaced by one value). The containers on the
 * way to a replaced object are copied, once each, as structured clone would copy them: the same
 * kind and prototype, holes, array length and named properties, and the same sharing and
 * cycles among the copies. Everything else is left as it is, not copied: a value that holds
 * nothing to replace is returned itself, and parts of it that hold nothing stay the same
 * objects, so that structured clone sees the sharing between them.
 *
 * @ignore Internal: not part of the public API.
 */
export function replaceHandles(
  value: unknown,
  match: (value: object) => boolean,
  replace: (found: object) => unknown,
): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (match(value)) return replace(value);
  if (!reaches(value, match)) return value;
  const onTheWay = containersOnTheWay(value, match);
  const copies = new Map<object, unknown>();
  const copy = (item: unknown): unknown => {
    if (typeof item !== "object" || item === null) return item;
    if (copies.has(item)) return copies.get(item);
    if (match(item)) {
      const replacement = replace(item);
      copies.set(item, replacement);
      return replacement;
    }
    if (!onTheWay.has(item)) return item;
    switch (containerKind(item)) {
      case ARRAY: {
        const items = item as unknown[];
        const target = new Array(items.length);
        copies.set(item, target);
        for (let index = 0; index < items.length; index++) {
          if (index in items) target[index] = copy(items[index]);
        }
        // All of them: this array is rebuilt, so a named property left out would be lost.
        for (const key of namedKeys(items, true)) {
          setField(
            target as unknown as Record<string, unknown>,
            key,
            copy(
              (items as unknown as Record<string, unknown>)[key],
            ),
          );
        }
        return target;
      }
      case OBJECT: {
        const fields = item as Record<string, unknown>;
        const target: Record<string, unknown> = Object.getPrototypeOf(item) === null
          ? Object.create(null)
          : {};
        copies.set(item, target);
        for (const key of Object.keys(fields)) setField(target, key, copy(fields[key]));
        return target;
      }
      case MAP: {
        const target = new Map<unknown, unknown>();
        copies.set(item, target);
        for (const [key, entry] of item as Map<unknown, unknown>) {
          target.set(copy(key), copy(entry));
        }
        return target;
      }
      default: {
        const target = new Set<unknown>();
        copies.set(item, target);
        for (const entry of item as Set<unknown>) target.add(copy(entry));
        return target;
      }
    }
  };
  return copy(value);
}

/**
 * The containers of `value` from which an object that `match` accepts can be reached: each
 * container is linked to the containers holding it, then marks spread from the holders of the
 * matches up those links (which also settles cycles).
 */
function containersOnTheWay(value: object, match: (value: object) => boolean): Set<object> {
  const holders = new Map<object, object[]>();
  const marked = new Set<object>();
  const pending: object[] = [];
  const walk = (container: object): void => {
    const kind = containerKind(container);
    forEachChild(container, kind, (child) => {
      if (typeof child !== "object" || child === null) return;
      if (match(child)) {
        if (!marked.has(container)) {
          marked.add(container);
          pending.push(container);
        }
        return;
      }
      if (containerKind(child) === OTHER) return;
      const known = holders.get(child);
      if (known !== undefined) return void known.push(container);
      holders.set(child, [container]);
      walk(child);
    });
  };
  holders.set(value, []);
  walk(value);
  while (pending.length > 0) {
    for (const holder of holders.get(pending.pop()!) ?? []) {
      if (!marked.has(holder)) {
        marked.add(holder);
        pending.push(holder);
      }
    }
  }
  return marked;
}

/**
 * Replaces, in place, every object of `value` that `match` accepts by `replace(found)` (called
 * once per object found), and returns `value` (or the replacement, when `value` itself matches).
 * For a value that has just crossed, so that nobody else holds its containers: changing them
 * keeps its shape, sharing and cycles. A Map or Set that held a match is refilled in its order.
 *
 * @ignore Internal: not part of the public API.
 */
export function replaceInPlace(
  value: unknown,
  match: (value: object) => boolean,
  replace: (found: object) => unknown,
): unknown {
  const replaced = new Map<object, unknown>();
  const seen = new Set<object>();
  const visit = (item: unknown): unknown => {
    if (typeof item !== "object" || item === null) return item;
    if (replaced.has(item)) return replaced.get(item);
    if (match(item)) {
      const replacement = replace(item);
      replaced.set(item, replacement);
      return replacement;
    }
    if (seen.has(item)) return item;
    seen.add(item);
    switch (containerKind(item)) {
      case ARRAY: {
        const items = item as unknown as Record<string, unknown>;
        const array = item as unknown[];
        for (let index = 0; index < array.length; index++) {
          const entry = array[index];
          const revived = visit(entry);
          if (revived !== entry) array[index] = revived;
        }
        for (const key of namedKeys(array)) {
          const revived = visit(items[key]);
          if (revived !== items[key]) setField(items, key, revived);
        }
        break;
      }
      case OBJECT: {
        const fields = item as Record<string, unknown>;
        for (const key of Object.keys(fields)) {
          const revived = visit(fields[key]);
          if (revived !== fields[key]) setField(fields, key, revived);
        }
        break;
      }
      case MAP: {
        const map = item as Map<unknown, unknown>;
        const entries: [unknown, unknown][] = [];
        let keysChanged = false;
        for (const [key, entry] of map) {
          const revivedKey = visit(key);
          const revived = visit(entry);
          entries.push([revivedKey, revived]);
          if (revivedKey !== key) keysChanged = true;
          else if (revived !== entry) map.set(key, revived);
        }
        if (keysChanged) {
          map.clear();
          for (const [key, entry] of entries) map.set(key, entry);
        }
        break;
      }
      case SET: {
        const set = item as Set<unknown>;
        const items = [...set];
        const revived = items.map(visit);
        if (revived.some((entry, index) => entry !== items[index])) {
          set.clear();
          for (const entry of revived) set.add(entry);
        }
        break;
      }
    }
    return item;
  };
  return visit(value);
}
