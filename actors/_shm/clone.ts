/**
 * The check every value passes before it crosses to another actor (arguments, results, queue
 * items, pipe messages, mail and replies): what structured clone would copy faithfully passes,
 * anything it would throw on or silently change is refused with a {@linkcode CloneError} that
 * names where in the value it is.
 *
 * Decided here, for every carrier alike:
 * - class instances are refused (structured clone keeps only their own fields, so their methods,
 *   accessors and private fields would be lost), and so are instances of user subclasses of the
 *   built-in errors (`class NotFound extends Error`, `Deno.errors.NotFound`): structured clone
 *   turns them into the base class, so `instanceof` and the class name would be lost on the
 *   way. The built-in errors themselves cross with their name, message, stack and `cause`.
 * - `Blob` and `File` are refused: their bytes cannot be read synchronously, and V8's
 *   serializer, which the channels use, copies them as empty objects.
 * - null-prototype objects cross (as null-prototype objects), and so do boxed primitives,
 *   Date, RegExp, Map, Set, ArrayBuffer and every typed array or DataView (a view of a
 *   `Buffer` subclass arrives as the built-in view, as structured clone gives it).
 * - a property whose getter throws is refused with the getter's error as the cause; symbol keys
 *   are ignored, as structured clone ignores them.
 * - handles (queues, locks, actor references...) cross as descriptions where the carrier
 *   supports it (`_portable.ts`); a channel carries bytes, so it refuses them, and refuses
 *   SharedArrayBuffers, which only an actor message can share.
 *
 * @module
 */
import { isPortable } from "./portable.ts";
import { namedKeys } from "./value_walk.ts";
import { CloneError } from "../errors.ts";

/**
 * Options of {@linkcode assertCloneable}.
 *
 * @ignore Internal: not part of the public API.
 */
export interface CloneCheckOptions {
  /**
   * Whether the value crosses as bytes (a channel record) rather than as an actor message: bytes
   * can carry neither a handle nor a SharedArrayBuffer that stays shared.
   *
   * @default {false}
   */
  bytes?: boolean;
  /** Objects handed over rather than copied (a `MessagePort` in a transfer list): accepted. */
  transfer?: readonly object[];
}

/** Prototypes of values structured clone copies whole, with nothing inside to check. */
const leafPrototypes: ReadonlySet<object> = new Set<object>([
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
]);

/** The errors structured clone recreates with their own class. */
const errorPrototypes: ReadonlySet<object> = new Set<object>([
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
]);

const PLAIN_DATA = "Only plain data crosses between actors (numbers, strings, bigints, booleans, " +
  "null, arrays, plain objects, Map, Set, Date, RegExp, Error, ArrayBuffer and typed arrays); " +
  "pass the data and rebuild objects on the other side";

/** What is wrong, where: `path` holds the steps from the value down, last step first. */
interface Problem {
  reason: string;
  hint: string;
  path: string[];
  cause?: unknown;
}

interface Walk {
  seen: Set<object>;
  bytes: boolean;
  /** Inside an Error's `cause`: the handle walk does not go there, so a handle cannot cross. */
  inError: boolean;
}

/**
 * Throws a {@linkcode CloneError} naming the first value under `value` that cannot cross to
 * another actor unchanged, with its path from `label`. Returns normally when everything can.
 *
 * @param value The value about to cross.
 * @param label What the value is, the start of the path ("args", "item", "message").
 * @param action What is being done, for the message ("put on queue").
 * @param options Whether the value crosses as bytes, and what it hands over.
 * @throws {CloneError} Naming the path and why.
 *
 * @ignore Internal: not part of the public API.
 */
export function assertCloneable(
  value: unknown,
  label: string,
  action: string,
  options?: CloneCheckOptions,
): void {
  if (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol") {
    return;
  }
  if (value === null) return;
  // What is transferred crosses whatever it is: the walk counts it as already seen.
  const seen = new Set<object>(options?.transfer);
  const walk = { seen, bytes: options?.bytes === true, inError: false };
  const problem = check(value, walk);
  if (problem === undefined) return;
  const path = label + problem.path.reverse().join("");
  throw new CloneError(
    `Cannot ${action}: ${path} ${problem.reason}. ${problem.hint}.`,
    problem.cause === undefined ? undefined : { cause: problem.cause },
  );
}

function check(value: unknown, walk: Walk): Problem | undefined {
  switch (typeof value) {
    case "function":
      return problem(`is a function${value.name ? ` (${value.name})` : ""}`);
    case "symbol":
      return problem(`is a symbol (${value.description ?? ""})`);
    case "object":
      return value === null ? undefined : checkObject(value, walk);
    default:
      return undefined;
  }
}

function problem(reason: string, hint = PLAIN_DATA, cause?: unknown): Problem {
  return { reason, hint, path: [], cause };
}

/** Adds `step` to the path of `found`, on the way back up. */
function at(found: Problem | undefined, step: string): Problem | undefined {
  found?.path.push(step);
  return found;
}

function checkObject(value: object, walk: Walk): Problem | undefined {
  if (walk.seen.has(value)) return undefined;
  walk.seen.add(value);
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) {
    return checkFields(value as Record<string, unknown>, walk);
  }
  if (prototype === Array.prototype) return checkArray(value as unknown[], walk);
  if (prototype === Map.prototype) return checkMap(value as Map<unknown, unknown>, walk);
  if (prototype === Set.prototype) return checkSet(value as Set<unknown>, walk);
  if (leafPrototypes.has(prototype)) return undefined;
  if (ArrayBuffer.isView(value)) {
    return walk.bytes && value.buffer instanceof SharedArrayBuffer
      ? sharedMemory("a view of a SharedArrayBuffer")
      : undefined;
  }
  if (prototype === SharedArrayBuffer.prototype) {
    return walk.bytes ? sharedMemory("a SharedArrayBuffer") : undefined;
  }
  if (errorPrototypes.has(prototype)) return checkError(value as Error, walk);
  if (isPortable(value)) return checkHandle(value, walk);
  return refuseInstance(value, prototype);
}

function checkFields(
  fields: Record<string, unknown>,
  walk: Walk,
  keys: readonly string[] = Object.keys(fields),
): Problem | undefined {
  for (const key of keys) {
    let item: unknown;
    try {
      item = fields[key];
    } catch (error) {
      return at(unreadable(error), fieldStep(key));
    }
    if (isLeaf(item)) continue;
    const found = check(item, walk);
    if (found !== undefined) return at(found, fieldStep(key));
  }
  return undefined;
}

function checkArray(items: unknown[], walk: Walk): Problem | undefined {
  for (let index = 0; index < items.length; index++) {
    let item: unknown;
    try {
      item = items[index];
    } catch (error) {
      return at(unreadable(error), `[${index}]`);
    }
    if (isLeaf(item)) continue;
    const found = check(item, walk);
    if (found !== undefined) return at(found, `[${index}]`);
  }
  const named = namedKeys(items);
  return named.length === 0
    ? undefined
    : checkFields(items as unknown as Record<string, unknown>, walk, named);
}

function checkMap(map: Map<unknown, unknown>, walk: Walk): Problem | undefined {
  let index = 0;
  for (const [key, item] of map) {
    if (!isLeaf(key)) {
      const found = check(key, walk);
      if (found !== undefined) return at(found, `[map key #${index}]`);
    }
    if (!isLeaf(item)) {
      const found = check(item, walk);
      if (found !== undefined) return at(found, `.get(${keyLabel(key, index)})`);
    }
    index++;
  }
  return undefined;
}

function checkSet(set: Set<unknown>, walk: Walk): Problem | undefined {
  let index = 0;
  for (const item of set) {
    if (!isLeaf(item)) {
      const found = check(item, walk);
      if (found !== undefined) return at(found, `[set item #${index}]`);
    }
    index++;
  }
  return undefined;
}

/** Structured clone keeps an error's name, message, stack and `cause`, nothing else. */
function checkError(error: Error, walk: Walk): Problem | undefined {
  if (!Object.hasOwn(error, "cause")) return undefined;
  let cause: unknown;
  try {
    cause = error.cause;
  } catch (thrown) {
    return at(unreadable(thrown), ".cause");
  }
  if (isLeaf(cause)) return undefined;
  const inError = walk.inError;
  walk.inError = true;
  try {
    return at(check(cause, walk), ".cause");
  } finally {
    walk.inError = inError;
  }
}

function checkHandle(handle: object, walk: Walk): Problem | undefined {
  const name = typeNameOf(Object.getPrototypeOf(handle));
  if (walk.bytes) {
    return problem(
      `is a ${name}, a handle on shared state, which a queue, pipe or manager cannot carry (they carry ` +
        "data, as bytes)",
      "Pass the handle to the process as an argument, or in a message (ActorRef.send)",
    );
  }
  if (walk.inError) {
    return problem(
      `is a ${name}, a handle, inside an Error, where it cannot be described`,
      "Pass the handle beside the error",
    );
  }
  return undefined;
}

function refuseInstance(value: object, prototype: object): Problem {
  if (typeof Blob === "function" && value instanceof Blob) {
    return problem(
      `is a ${typeNameOf(prototype)}, whose bytes cannot be read synchronously`,
      "Send its bytes instead: new Uint8Array(await blob.arrayBuffer())",
    );
  }
  const name = typeNameOf(prototype);
  if (value instanceof Error) {
    let base = Object.getPrototypeOf(prototype);
    while (base !== null && !errorPrototypes.has(base)) base = Object.getPrototypeOf(base);
    const baseName = base === null ? "Error" : typeNameOf(base);
    return problem(
      `is an instance of ${name}, a subclass of ${baseName}, which would arrive as a plain ` +
        `${baseName}, without its class`,
      `Send a ${baseName} (new ${baseName}(message, { cause })) or the error's fields as plain ` +
        "data ({ name, message })",
    );
  }
  return problem(`is an instance of ${name}, whose methods and private fields would be lost`);
}

function sharedMemory(what: string): Problem {
  return problem(
    `is ${what}, which a queue, pipe or manager cannot share (they copy data, as bytes)`,
    "Pass shared memory to the process as an argument, or use Value or SharedArray; to send " +
      "what it holds now, send a copy (slice())",
  );
}

function unreadable(error: unknown): Problem {
  return problem(
    `cannot be read: its getter threw ${describeError(error)}`,
    "Structured clone reads every property; make it a plain data property",
    error,
  );
}

/** Primitives that cross as they are: not a function, a symbol or an object. */
function isLeaf(value: unknown): boolean {
  return typeof value === "object" ? value === null : typeof value !== "function" &&
    typeof value !== "symbol";
}

function fieldStep(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** A short label of a Map key for the path; computed only once something is wrong. */
function keyLabel(key: unknown, index: number): string {
  switch (typeof key) {
    case "string":
      return JSON.stringify(key);
    case "bigint":
      return `${key}n`;
    case "number":
    case "boolean":
    case "undefined":
      return String(key);
    default:
      return key === null ? "null" : `<key #${index}>`;
  }
}

function typeNameOf(prototype: object | null): string {
  const constructor = prototype === null ? undefined : Object.getOwnPropertyDescriptor(
    prototype,
    "constructor",
  )?.value;
  return typeof constructor === "function" && constructor.name !== "" ? constructor.name : "object";
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return "a value that cannot be shown";
  }
}
