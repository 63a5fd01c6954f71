/**
 * The data a manager owns (dicts, lists, namespaces, values) and the operations on them. Each
 * operation runs to completion between two requests of the manager's single loop, which is what
 * makes it atomic for every actor. Arguments come from the network, so each operation checks
 * the ones it relies on; a method name is only ever matched against these switches.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { describeValue } from "../../_shm/time.ts";
import type { DictKey } from "../_wire/protocol.ts";
import { checkDictKey } from "../_wire/args.ts";
import type { UpdateOp } from "../update_op.ts";

function noSuchMethod(kind: string, method: string): TypeError {
  return new TypeError(`Cannot call ${kind}.${method}: a managed ${kind} has no such method`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null &&
    Object.getPrototypeOf(value) === Object.prototype;
}

function isNumeric(value: unknown): value is number | bigint {
  return typeof value === "number" || typeof value === "bigint";
}

/** Applies `op` to `current` (undefined when missing) and returns the new value. */
export function applyUpdate(current: unknown, op: unknown, action: string): unknown {
  if (!isPlainObject(op) || typeof op.op !== "string") {
    throw new TypeError(`Cannot ${action}: the operation must be an object like { op: "add" }`);
  }
  const update = op as UpdateOp;
  switch (update.op) {
    case "add": {
      const start = current ?? (typeof update.value === "bigint" ? 0n : 0);
      if (!isNumeric(start) || typeof start !== typeof update.value) {
        throw new TypeError(
          `Cannot ${action}: "add" needs a ${typeof start} to add to it, got ${typeof update
            .value}`,
        );
      }
      return (start as number) + (update.value as number);
    }
    case "max":
    case "min": {
      if (current === undefined) return update.value;
      if (typeof current !== typeof update.value) {
        throw new TypeError(
          `Cannot ${action}: "${update.op}" compares values of one type, got ${typeof current} ` +
            `and ${typeof update.value}`,
        );
      }
      const larger = (current as number) > (update.value as number);
      return (update.op === "max") === larger ? current : update.value;
    }
    case "append":
    case "extend": {
      const items = current ?? [];
      if (!Array.isArray(items)) {
        throw new TypeError(`Cannot ${action}: "${update.op}" needs an array, got ${typeof items}`);
      }
      if (update.op === "extend" && !Array.isArray(update.values)) {
        throw new TypeError(`Cannot ${action}: "extend" needs \`values\`, an array`);
      }
      return update.op === "append" ? [...items, update.value] : [...items, ...update.values];
    }
    case "merge": {
      const fields = current ?? {};
      if (!isPlainObject(fields) || !isPlainObject(update.value)) {
        throw new TypeError(`Cannot ${action}: "merge" needs plain objects on both sides`);
      }
      return { ...fields, ...update.value };
    }
    default: {
      const unknown: never = update;
      throw new TypeError(
        `Cannot ${action}: unknown operation ${JSON.stringify((unknown as UpdateOp).op)}; use ` +
          "add, max, min, append, extend or merge",
      );
    }
  }
}

/** Runs a method of a managed dict. */
export function dictMethod(map: Map<DictKey, unknown>, method: string, args: unknown[]): unknown {
  const key = () => checkDictKey(args[0], `call dict.${method}`);
  switch (method) {
    case "get":
      return map.has(key()) ? map.get(key()) : args[1];
    case "set":
      map.set(key(), args[1]);
      return undefined;
    case "delete":
      return map.delete(key());
    case "has":
      return map.has(key());
    case "keys":
      return [...map.keys()];
    case "values":
      return [...map.values()];
    case "entries":
      return [...map.entries()];
    case "size":
      return map.size;
    case "clear":
      map.clear();
      return undefined;
    case "merge": {
      const entries = args[0];
      if (!Array.isArray(entries) || !entries.every((entry) => Array.isArray(entry))) {
        throw new TypeError("Cannot call dict.update: expected an array of [key, value] pairs");
      }
      for (const [name] of entries) checkDictKey(name, "call dict.update");
      for (const [name, value] of entries) map.set(name, value);
      return undefined;
    }
    case "update": {
      const updated = applyUpdate(map.get(key()), args[1], `update dict key ${String(args[0])}`);
      map.set(key(), updated);
      return updated;
    }
    case "setDefault":
      if (!map.has(key())) map.set(key(), args[1]);
      return map.get(key());
    case "pop": {
      if (map.has(key())) {
        const value = map.get(key());
        map.delete(key());
        return value;
      }
      if (args.length >= 2) return args[1];
      throw new RangeError(`Cannot pop dict key ${String(args[0])}: the dict has no such key`);
    }
    case "compareAndSet": {
      const current = map.get(key());
      const matches = args[1] === undefined
        ? !map.has(key())
        : map.has(key()) && isDeepStrictEqual(current, args[1]);
      if (matches) map.set(key(), args[2]);
      return matches;
    }
    default:
      throw noSuchMethod("dict", method);
  }
}

function checkIndex(index: unknown, length: number, action: string, inclusive = false): number {
  if (!Number.isSafeInteger(index)) {
    throw new TypeError(
      `Cannot ${action}: the index must be an integer, got ${describeValue(index)}`,
    );
  }
  const resolved = (index as number) < 0 ? length + (index as number) : (index as number);
  if (resolved < 0 || resolved > length || (!inclusive && resolved === length)) {
    throw new RangeError(
      `Cannot ${action}: index ${index} is out of range for a list of ${length} items`,
    );
  }
  return resolved;
}

function sliceBound(bound: unknown, action: string, name: string): number | undefined {
  if (bound === undefined || Number.isSafeInteger(bound)) return bound as number | undefined;
  throw new TypeError(`Cannot ${action}: ${name} must be an integer, got ${describeValue(bound)}`);
}

function itemsOf(value: unknown, action: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`Cannot ${action}: expected an array of items`);
  return value;
}

function findIndex(items: unknown[], value: unknown): number {
  return items.findIndex((item) => isDeepStrictEqual(item, value));
}

/** Runs a method of a managed list; indexes follow Python (negative counts from the end). */
export function listMethod(items: unknown[], method: string, args: unknown[]): unknown {
  const action = `call list.${method}`;
  switch (method) {
    case "get":
      return items[checkIndex(args[0], items.length, action)];
    case "set":
      items[checkIndex(args[0], items.length, action)] = args[1];
      return undefined;
    case "append":
      items.push(args[0]);
      return undefined;
    case "push":
    case "extend":
      items.push(...itemsOf(args[0], action));
      return method === "push" ? items.length : undefined;
    case "pop": {
      if (items.length === 0) throw new RangeError("Cannot pop from list: the list is empty");
      const [item] = items.splice(checkIndex(args[0] ?? -1, items.length, action), 1);
      return item;
    }
    case "insert": {
      if (!Number.isSafeInteger(args[0])) {
        throw new TypeError(`Cannot ${action}: the index must be an integer`);
      }
      const index = args[0] as number;
      const at = index < 0 ? Math.max(0, items.length + index) : Math.min(index, items.length);
      items.splice(at, 0, args[1]);
      return undefined;
    }
    case "remove": {
      const index = findIndex(items, args[0]);
      if (index < 0) throw new RangeError("Cannot remove from list: no item equals the value");
      items.splice(index, 1);
      return undefined;
    }
    case "index":
      return findIndex(items, args[0]);
    case "count":
      return items.filter((item) => isDeepStrictEqual(item, args[0])).length;
    case "slice":
      return items.slice(sliceBound(args[0], action, "start"), sliceBound(args[1], action, "end"));
    case "length":
      return items.length;
    case "clear":
      items.length = 0;
      return undefined;
    default:
      throw noSuchMethod("list", method);
  }
}

/** Runs a method of a managed namespace: named attributes. */
export function namespaceMethod(
  fields: Map<string, unknown>,
  method: string,
  args: unknown[],
): unknown {
  const name = () => {
    if (typeof args[0] !== "string") {
      throw new TypeError(`Cannot call namespace.${method}: the attribute name must be a string`);
    }
    return args[0];
  };
  switch (method) {
    case "get":
      return fields.get(name());
    case "set":
      fields.set(name(), args[1]);
      return undefined;
    case "has":
      return fields.has(name());
    case "delete":
      return fields.delete(name());
    case "toObject":
      return Object.fromEntries(fields);
    default:
      throw noSuchMethod("namespace", method);
  }
}

/** A managed single value. */
export interface ValueCell {
  value: unknown;
}

/** Runs a method of a managed value. */
export function valueMethod(cell: ValueCell, method: string, args: unknown[]): unknown {
  switch (method) {
    case "get":
      return cell.value;
    case "set":
      cell.value = args[0];
      return undefined;
    case "update":
      cell.value = applyUpdate(cell.value, args[0], "update value");
      return cell.value;
    case "compareAndSet": {
      const matches = isDeepStrictEqual(cell.value, args[0]);
      if (matches) cell.value = args[1];
      return matches;
    }
    default:
      throw noSuchMethod("value", method);
  }
}
