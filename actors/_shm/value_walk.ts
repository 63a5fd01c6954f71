/**
 * Walks of plain values the way structured clone walks them: into arrays (elements and named
 * properties), plain and null-prototype objects, Maps (keys and values) and Sets, and nowhere
 * else. Every walk visits each container once (a seen set, or, for the quick search of small
 * values, the path from the top), so shared references cost nothing and cycles end.
 *
 * One walker for every layer that finds special objects inside values: the kernel's handles
 * (queues, locks, actor references crossing between actors) and the manager's proxies (inside
 * the values a manager stores) are searched, replaced and revived with the same code.
 *
 * @module
 */

/** A container structured clone copies whole (a Date, a typed array...), or not an object. */
export const OTHER = 0;
export const ARRAY = 1;
export const OBJECT = 2;
export const MAP = 3;
export const SET = 4;
/** Which container a value is: {@linkcode OTHER}, {@linkcode ARRAY}, ... */
export type ContainerKind = 0 | 1 | 2 | 3 | 4;

/** Which container `value` is; {@linkcode OTHER} for anything the walks do not enter. */
export function containerKind(value: object): ContainerKind {
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) return ARRAY;
  if (prototype === Object.prototype || prototype === null) return OBJECT;
  if (prototype === Map.prototype) return MAP;
  if (prototype === Set.prototype) return SET;
  return OTHER;
}

/**
 * The longest array whose named properties the walks look for. Finding them takes
 * `Object.keys`, which makes a string per index and costs about as much as serializing the
 * array, so longer arrays are walked by index only: a named property on such an array still
 * crosses (structured clone copies it), but a handle or a class instance there is not seen.
 */
export const NAMED_KEYS_LIMIT = 256;

const NO_KEYS: readonly string[] = [];

/**
 * The named (non-index) own enumerable properties of `items`, in order, when it is no longer
 * than {@linkcode NAMED_KEYS_LIMIT} (or `always`).
 */
export function namedKeys(items: unknown[], always = false): readonly string[] {
  if (!always && items.length > NAMED_KEYS_LIMIT) return NO_KEYS;
  const keys = Object.keys(items);
  // Index keys come first, in order: the named ones are the tail after the last index.
  let first = keys.length;
  while (first > 0 && !isIndex(keys[first - 1])) first--;
  return first === keys.length ? NO_KEYS : keys.slice(first);
}

function isIndex(key: string): boolean {
  const code = key.charCodeAt(0);
  if (code < 48 || code > 57) return false;
  const index = Number(key);
  return index < 2 ** 32 - 1 && String(index) === key;
}

/** Sets an own data property, also one named `__proto__`, which an assignment would not create. */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

// Where a member sits in its container, for the path of an error message.
const INDEX = 0;
const FIELD = 1;
const MAP_KEY = 2;
const MAP_VALUE = 3;
const SET_ITEM = 4;

/**
 * Calls `visit` with each member of a container of `kind`, and where it sits (`INDEX` and its
 * index, `FIELD` and its name, `MAP_KEY`, `MAP_VALUE` and its key, `SET_ITEM`); stops, and
 * returns true, once `visit` returns true.
 */
function someMember(
  container: object,
  kind: ContainerKind,
  visit: (member: unknown, where: number, key: unknown) => boolean,
): boolean {
  switch (kind) {
    case ARRAY: {
      const items = container as unknown[];
      for (let index = 0; index < items.length; index++) {
        if (visit(items[index], INDEX, index)) return true;
      }
      const fields = container as Record<string, unknown>;
      for (const key of namedKeys(items)) if (visit(fields[key], FIELD, key)) return true;
      return false;
    }
    case OBJECT: {
      const fields = container as Record<string, unknown>;
      for (const key of Object.keys(fields)) if (visit(fields[key], FIELD, key)) return true;
      return false;
    }
    case MAP:
      for (const [key, member] of container as Map<unknown, unknown>) {
        if (visit(key, MAP_KEY, undefined) || visit(member, MAP_VALUE, key)) return true;
      }
      return false;
    case SET:
      for (const member of container as Set<unknown>) {
        if (visit(member, SET_ITEM, undefined)) return true;
      }
      return false;
    default:
      return false;
  }
}

/** The step of a path to a member that sits at `where`, `key` (see {@linkcode someMember}). */
function step(where: number, key: unknown): string {
  switch (where) {
    case INDEX:
      return `[${key}]`;
    case FIELD:
      return `.${key}`;
    case MAP_KEY:
      return "[map key]";
    case MAP_VALUE:
      return `.get(${
        typeof key === "string" ? JSON.stringify(key) : typeof key === "object" ? "…" : String(key)
      })`;
    default:
      return "[set item]";
  }
}

/**
 * Whether `visit` returns true for some object of `value`, `value` included: each object is
 * visited once, depth first, and the walk enters the containers only (an object `visit`
 * accepts ends the walk, so what it holds is never visited).
 */
export function someObject(value: unknown, visit: (item: object) => boolean): boolean {
  const seen = new Set<object>();
  const walk = (item: unknown): boolean => {
    if (typeof item !== "object" || item === null || seen.has(item)) return false;
    seen.add(item);
    if (visit(item)) return true;
    const kind = containerKind(item);
    return kind !== OTHER && someMember(item, kind, walk);
  };
  return walk(value);
}

/** Calls `visit` once with each object of `value` that `match` accepts (not entering them). */
export function forEachMatch(
  value: unknown,
  match: (value: object) => boolean,
  visit: (found: object) => void,
): void {
  const seen = new Set<object>();
  const walk = (item: unknown): boolean => {
    if (typeof item !== "object" || item === null || seen.has(item)) return false;
    seen.add(item);
    if (match(item)) {
      visit(item);
      return false;
    }
    const kind = containerKind(item);
    return kind !== OTHER && someMember(item, kind, walk);
  };
  walk(value);
}

/** The path from `value` (called `label`) to `target`, the first way a walk meets it. */
export function pathTo(value: unknown, target: object, label: string): string {
  if (value === target || typeof value !== "object" || value === null) return label;
  const seen = new Set<object>([value]);
  const path: string[] = [label];
  const walk = (item: unknown, where: number, key: unknown): boolean => {
    if (typeof item !== "object" || item === null || seen.has(item)) return false;
    seen.add(item);
    path.push(step(where, key));
    if (item === target) return true;
    const kind = containerKind(item);
    if (kind !== OTHER && someMember(item, kind, walk)) return true;
    path.pop();
    return false;
  };
  const kind = containerKind(value);
  return kind !== OTHER && someMember(value, kind, walk) ? path.join("") : label;
}

const QUICK_WALK_VISITS = 1024;
const QUICK_WALK_DEPTH = 16;
const NOT_FOUND = 0;
const FOUND = 1;
const TOO_LARGE = 2;
let budget = 0;
/** The containers from the top of the quick walk down to the one it is in. */
const quickPath: object[] = [];

/**
 * True if an object that `match` accepts can be reached from `value` (`value` included), on
 * the path of every value that crosses. Most such values are small and shallow: they are
 * walked without allocating a seen set, ending cycles with the path of containers from the
 * top, within a budget of visits (shared references are walked each time) and of depth; past
 * either, the walk starts again with the set.
 */
export function reaches(value: object, match: (value: object) => boolean): boolean {
  budget = QUICK_WALK_VISITS;
  const found = holds(value, match, null);
  quickPath.length = 0;
  return found === TOO_LARGE ? holds(value, match, new Set()) === FOUND : found === FOUND;
}

/**
 * FOUND or NOT_FOUND; with no `seen` set (the quick walk), TOO_LARGE once its budget of visits
 * or depth is spent.
 */
function holds(value: object, match: (value: object) => boolean, seen: Set<object> | null): number {
  if (seen === null) {
    if (quickPath.includes(value)) return NOT_FOUND;
    if (--budget < 0 || quickPath.length === QUICK_WALK_DEPTH) return TOO_LARGE;
  } else {
    if (seen.has(value)) return NOT_FOUND;
    seen.add(value);
  }
  const kind = containerKind(value);
  if (kind === OTHER) return match(value) ? FOUND : NOT_FOUND;
  if (seen === null) quickPath.push(value);
  const found = holdsIn(value, kind, match, seen);
  if (seen === null && found !== TOO_LARGE) quickPath.pop();
  return found;
}

// Written out per kind, without a callback per member: this search runs on every value that
// crosses between actors.
function holdsIn(
  value: object,
  kind: ContainerKind,
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

/**
 * Returns `value` with every object that `match` accepts replaced by `replace(found)` (called
 * once per object found: an object held twice is replaced by one value held twice). The
 * containers on the way to a replaced object are copied, once each, as structured clone would
 * copy them: the same kind and prototype, holes, array length and named properties, and the
 * same sharing and cycles among the copies. Everything else is left as it is, not copied: a
 * value that holds nothing to replace is returned itself, and parts of it that hold nothing
 * stay the same objects, so that structured clone sees the sharing between them.
 */
export function replaceCopying(
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
        const fields = items as unknown as Record<string, unknown>;
        for (const key of namedKeys(items, true)) {
          setField(target as unknown as Record<string, unknown>, key, copy(fields[key]));
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
    someMember(container, containerKind(container), (child) => {
      if (typeof child !== "object" || child === null) return false;
      if (match(child)) {
        if (!marked.has(container)) {
          marked.add(container);
          pending.push(container);
        }
        return false;
      }
      if (containerKind(child) === OTHER) return false;
      const known = holders.get(child);
      if (known !== undefined) {
        known.push(container);
        return false;
      }
      holders.set(child, [container]);
      walk(child);
      return false;
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
