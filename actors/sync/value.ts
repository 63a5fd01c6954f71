import { checkOptions } from "../_shm/futex.ts";
import { repairHandle } from "../_kernel/handles.ts";
import { runtime } from "../_kernel/runtime.ts";
import { registerSharedKind, type Revival, SharedHandle } from "../_kernel/shared_handle.ts";
import {
  checkElement,
  type ElementArray,
  type ElementInput,
  elementType,
  type ElementValue,
  lockOf,
  lockOption,
  type NumericType,
  viewOf,
} from "./_shared_types.ts";
import { checkInteger, describeValue } from "../_shm/time.ts";
import { BlockingError } from "../errors.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";

export type { NumericType };

/** The element types of a Value: numeric types, and `"string"` (UTF-8 in a fixed number of bytes). */
export type ValueType = NumericType | "string";

/** The JavaScript type a Value of type `T` holds. */
export type ValueOf<T extends ValueType> = T extends "string" ? string
  : ElementValue<Exclude<T, "string">>;

/**
 * What a Value of type `T` accepts: what it holds, and for 64-bit integer types also a number
 * that is a safe integer.
 */
export type ValueInput<T extends ValueType> = T extends "string" ? string
  : ElementInput<Exclude<T, "string">>;

/** Options of {@linkcode Value}. */
export interface ValueOptions {
  /**
   * The lock `getLock()` returns: a new `RLock` (Python's default), a lock of your own, or
   * false for none (Python's `RawValue`).
   *
   * @default {true}
   */
  lock?: boolean | Lock | RLock;
  /**
   * For `"string"` values: the number of bytes reserved for the UTF-8 text, from 1 to
   * 67,108,864 (64 MiB).
   *
   * @default {64}
   */
  size?: number;
}

/** @ignore Internal: not part of the public API. */
interface ValueState {
  buffer: SharedArrayBuffer;
  type: string;
  lock: Lock | RLock | null;
}

/** The largest `size` of a string value. */
const MAX_STRING_BYTES = 2 ** 26;
const DEFAULT_STRING_BYTES = 64;

/*
 * A string value is a seqlock over two buffers, so that a read never waits and never sees a
 * string that was not written, and a writer that dies mid-write leaves the published string
 * intact. Write `n` (versions count writes) fills buffer `n & 1`: it announces itself in BEGUN,
 * fills the buffer and its length, then publishes in PUBLISHED. A reader copies the buffer of
 * the version it found published, then checks in BEGUN that the write after next (the next one
 * to fill that buffer) has not begun; else it retries. Every access to these words is an atomic
 * operation, which orders them on every architecture (plain copies between atomic loads may be
 * reordered on ARM), and costs no more here than V8's byte-by-byte copy out of shared memory.
 * Writers take turns through WRITER (the pid of the one writing, and a bit set by a writer that
 * waits), which the supervisor frees if its holder dies.
 */
const PUBLISHED = 0;
const BEGUN = 1;
const WRITER = 2;
/** The `size` the value was created with. */
const SIZE = 3;
const FIRST_LENGTH = 4;
const HEADER_WORDS = 6;
const WRITER_WAITING = 1 << 30;
const WRITER_PID = WRITER_WAITING - 1;
/** A waiting writer re-checks at least this often (a writer is busy for microseconds). */
const WRITER_SLICE_MS = 1;
/** How long a writer on the main thread waits for another before it gives up. */
const MAIN_THREAD_WRITER_PATIENCE_MS = 1000;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Checks that `text` can be stored in `size` bytes, before anything changes. `written` is its
 * UTF-8 length if the caller already encoded it (into room for at least `size` bytes).
 */
function checkText(
  text: unknown,
  size: number,
  action: string,
  encoded?: { read: number; written: number },
): asserts text is string {
  if (typeof text !== "string") {
    throw new TypeError(`Cannot ${action}: expected a string, got ${describeValue(text)}`);
  }
  if (!text.isWellFormed()) {
    throw new TypeError(
      `Cannot ${action}: the string has a lone surrogate, which UTF-8 cannot hold; use ` +
        "toWellFormed() to replace it, or a Queue or Pipe to send it as is",
    );
  }
  if (encoded !== undefined) {
    if (encoded.read === text.length && encoded.written <= size) return;
  } else if (text.length * 3 <= size) {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: only long strings need encoding to know.
    return;
  }
  const bytes = encoder.encode(text).length;
  if (bytes > size) {
    throw new RangeError(
      `Cannot ${action}: a string of ${bytes} bytes does not fit in a value of ${size} bytes; ` +
        "create it with a larger `size`",
    );
  }
}

/** Allocates the words of a string value of `size` bytes. */
function sharedText(size: number): SharedArrayBuffer {
  const words = new Int32Array(
    new SharedArrayBuffer((HEADER_WORDS + 2 * Math.ceil(size / 4)) * Int32Array.BYTES_PER_ELEMENT),
  );
  words[SIZE] = size;
  return words.buffer as SharedArrayBuffer;
}

/** The words of a string value, and this actor's scratch copies of a buffer. */
class SharedText {
  readonly words: Int32Array;
  readonly size: number;
  readonly #bufferWords: number;
  readonly #read: Int32Array;
  readonly #readBytes: Uint8Array;
  readonly #write: Uint8Array;
  readonly #writeWords: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.size = this.words[SIZE];
    this.#bufferWords = (this.words.length - HEADER_WORDS) / 2;
    this.#read = new Int32Array(this.#bufferWords);
    this.#readBytes = new Uint8Array(this.#read.buffer);
    this.#writeWords = new Int32Array(this.#bufferWords);
    this.#write = new Uint8Array(this.#writeWords.buffer);
  }

  read(): string {
    const words = this.words;
    const bufferWords = this.#bufferWords;
    const copy = this.#read;
    while (true) {
      const published = Atomics.load(words, PUBLISHED);
      const buffer = published & 1;
      const length = Atomics.load(words, FIRST_LENGTH + buffer);
      const first = HEADER_WORDS + buffer * bufferWords;
      const count = (length + 3) >>> 2;
      for (let word = 0; word < count; word++) copy[word] = Atomics.load(words, first + word);
      if (((Atomics.load(words, BEGUN) - published) | 0) <= 1) {
        return decoder.decode(this.#readBytes.subarray(0, length));
      }
    }
  }

  /** Writes `text`; checks everything before it changes anything. */
  write(text: unknown, action: string): void {
    const bytes = this.#write;
    const encoded = typeof text === "string" ? encoder.encodeInto(text, bytes) : undefined;
    checkText(text, this.size, action, encoded);
    const written = encoded!.written;
    const words = this.words;
    const bufferWords = this.#bufferWords;
    this.#lockWriter();
    try {
      const version = (Atomics.load(words, PUBLISHED) + 1) | 0;
      const buffer = version & 1;
      Atomics.store(words, BEGUN, version);
      const source = this.#writeWords;
      const first = HEADER_WORDS + buffer * bufferWords;
      const count = (written + 3) >>> 2;
      for (let word = 0; word < count; word++) Atomics.store(words, first + word, source[word]);
      Atomics.store(words, FIRST_LENGTH + buffer, written);
      Atomics.store(words, PUBLISHED, version);
    } finally {
      if (Atomics.exchange(words, WRITER, 0) !== runtime.pid) Atomics.notify(words, WRITER);
    }
  }

  /** Frees the writer's turn if the actor holding it died (its write was never published). */
  repair(isDead: (pid: number) => boolean): void {
    const holder = Atomics.load(this.words, WRITER);
    if (holder === 0 || !isDead(holder & WRITER_PID)) return;
    if (Atomics.compareExchange(this.words, WRITER, holder, 0) === holder) {
      Atomics.notify(this.words, WRITER);
    }
  }

  #lockWriter(): void {
    const words = this.words;
    const me = runtime.pid;
    let started = 0;
    while (true) {
      const holder = Atomics.compareExchange(words, WRITER, 0, me);
      if (holder === 0) return;
      if (runtime.parent === null) {
        // The main thread runs the supervisor, which frees the turn of a writer that died: it
        // must not wait for that forever.
        started ||= performance.now();
        if (performance.now() - started > MAIN_THREAD_WRITER_PATIENCE_MS) {
          throw new BlockingError(
            `Cannot set string value: actor ${holder & WRITER_PID} began a write more than ` +
              `${MAIN_THREAD_WRITER_PATIENCE_MS} ms ago and has not finished; if it died, the ` +
              "supervisor frees the value when it reaps it: retry from an async function later",
          );
        }
      }
      const waiting = holder | WRITER_WAITING;
      if (
        holder === waiting || Atomics.compareExchange(words, WRITER, holder, waiting) === holder
      ) {
        Atomics.wait(words, WRITER, waiting, WRITER_SLICE_MS);
      }
      runtime.haltIfReaped();
    }
  }
}

/**
 * A number or a string in shared memory, as Python's `multiprocessing.Value`: every actor it is
 * passed to reads and writes the same memory (the counterpart of the seeds' lesson that a plain
 * variable is not shared). `value` reads and writes are atomic for integer types, and a string
 * value always reads as a string that was written, even while other actors write it. A
 * read-modify-write needs the lock, or one of the atomic helpers `add`, `sub`,
 * `compareExchange`. Values are checked: one that the type cannot hold (`2 ** 40` in an
 * `"i32"`, a string in a number) is refused with a `RangeError` or `TypeError` instead of being
 * wrapped or stored as garbage, as Python's ctypes would.
 *
 * An actor that was terminated or killed while stuck in synchronous code halts at its next
 * write through these methods (the writes of the raw `view` of a `SharedArray` are not
 * checked).
 *
 * @typeParam T The element type: `"i32"`, `"f64"`, `"u64"`, ... or a Python typecode (`"i"`,
 * `"d"`, ...); 64-bit integer types hold bigints (a number that is a safe integer is accepted
 * too). `"string"` holds UTF-8 text of at most `size` bytes.
 *
 * @example A shared counter
 * ```ts
 * import assert from "node:assert/strict";
 * import { Process, Value } from "../../mod.ts";
 * import { incrementMany } from "../../examples/doc_targets.ts";
 *
 * const counter = new Value("i32", 0);
 * const workers = [1, 2].map(() => new Process({ target: incrementMany, args: [counter, 1000] }));
 * for (const p of workers) p.start();
 * for (const p of workers) await p.join();
 * assert.equal(counter.value, 2000);
 * ```
 *
 * @example Values the type cannot hold are refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { Value } from "../../mod.ts";
 *
 * assert.throws(() => new Value("i32", 2 ** 40), RangeError);
 * assert.equal(new Value("i64", 5).value, 5n);
 * ```
 */
export class Value<T extends ValueType = ValueType> extends SharedHandle<ValueState> {
  readonly #view: ElementArray;
  readonly #element: ReturnType<typeof elementType>;
  readonly #text: SharedText | null;

  /**
   * Creates a shared value.
   *
   * @param type The element type.
   * @param init The initial value: zero, or the empty string, when omitted.
   * @param options The lock, and the size of a string value.
   * @throws {TypeError} If the type is unknown, `init` is not of the type's kind, or an option
   * is of the wrong kind.
   * @throws {RangeError} If `init` is out of the type's range, a string does not fit in `size`
   * bytes, or `size` is not an integer from 1 to 67,108,864.
   */
  constructor(type: T, init?: ValueInput<T>, options?: ValueOptions);
  /** @ignore Revives a value another actor described (see `registerSharedKind`). */
  constructor(type: T, init?: ValueInput<T>, options?: ValueOptions, revival?: Revival);
  constructor(type: T, init?: ValueInput<T>, options: ValueOptions = {}, revival?: Revival) {
    const text = type === "string";
    const element = elementType(text ? "u8" : type, "create value");
    checkOptions(options, "create value");
    // Everything is checked before the lock is made: a refused value leaves nothing behind.
    const size = text
      ? checkInteger(options.size ?? DEFAULT_STRING_BYTES, "create value", "size", {
        min: 1,
        max: MAX_STRING_BYTES,
      })
      : 0;
    let initial: number | bigint | undefined;
    if (init !== undefined) {
      if (text) checkText(init, size, "create value");
      else initial = checkElement(element, init, "create value", "value");
    }
    const lock = options.lock === undefined ? true : options.lock;
    super(
      "Value",
      () => ({
        buffer: text ? sharedText(size) : new SharedArrayBuffer(element.array.BYTES_PER_ELEMENT),
        type: text ? "string" : element.name,
        lock: lockOption(lock, isLock, () => new RLock(), "create value"),
      }),
      revival,
      // A dead writer can hold a string value's writer's turn, which the supervisor frees.
      text,
    );
    this.#element = element;
    this.#view = viewOf(element, this.state.buffer, text ? 0 : 1);
    this.#text = text ? new SharedText(this.state.buffer) : null;
    // Only a new value has an initial value: a reviver passes none.
    if (this.#text === null) {
      if (initial !== undefined) this.#store(initial);
    } else if (init !== undefined) this.#text.write(init, "create value");
  }

  /** The current value. */
  get value(): ValueOf<T> {
    if (this.#text !== null) return this.#text.read() as ValueOf<T>;
    return (this.#element.integer
      ? Atomics.load(this.#view as Int32Array, 0)
      : this.#view[0]) as ValueOf<T>;
  }

  /**
   * Writes the value.
   *
   * @throws {TypeError} If `value` is not of the type's kind.
   * @throws {RangeError} If `value` is out of the type's range, or a string longer than `size`
   * bytes.
   */
  set value(value: ValueInput<T>) {
    runtime.haltIfReaped();
    if (this.#text !== null) this.#text.write(value, "set value");
    else this.#store(this.#checked(value, "set value"));
  }

  /**
   * The lock guarding read-modify-write sequences, as Python's `get_lock()`.
   *
   * @returns The lock.
   * @throws {TypeError} If the value was created with `lock: false`.
   */
  getLock(): Lock | RLock {
    return lockOf(this.state.lock, "value");
  }

  /**
   * Atomically adds `delta`, for integer types; the result wraps around as the C type does.
   *
   * @param delta The amount to add, an integer within the type's range.
   * @returns The value before the addition.
   * @throws {TypeError} For floating-point and string types, or a `delta` that is not a number.
   * @throws {RangeError} For a `delta` out of the type's range.
   */
  add(delta: ValueInput<T>): ValueOf<T> {
    runtime.haltIfReaped();
    return Atomics.add(
      this.#atomicView("add to"),
      0,
      this.#checked(delta, "add to value", "delta") as number,
    ) as ValueOf<T>;
  }

  /**
   * Atomically subtracts `delta`, for integer types; the result wraps around as the C type does.
   *
   * @param delta The amount to subtract, an integer within the type's range.
   * @returns The value before the subtraction.
   * @throws {TypeError} For floating-point and string types, or a `delta` that is not a number.
   * @throws {RangeError} For a `delta` out of the type's range.
   */
  sub(delta: ValueInput<T>): ValueOf<T> {
    runtime.haltIfReaped();
    return Atomics.sub(
      this.#atomicView("subtract from"),
      0,
      this.#checked(delta, "subtract from value", "delta") as number,
    ) as ValueOf<T>;
  }

  /**
   * Atomically replaces the value with `replacement` if it equals `expected`.
   *
   * @param expected The value it must have.
   * @param replacement The value to store.
   * @returns The value before, equal to `expected` when the exchange happened.
   * @throws {TypeError} For floating-point and string types, or arguments that are not numbers.
   * @throws {RangeError} For arguments out of the type's range.
   */
  compareExchange(expected: ValueInput<T>, replacement: ValueInput<T>): ValueOf<T> {
    runtime.haltIfReaped();
    const view = this.#atomicView("compare-exchange");
    return Atomics.compareExchange(
      view,
      0,
      this.#checked(expected, "compare-exchange value", "expected") as number,
      this.#checked(replacement, "compare-exchange value", "replacement") as number,
    ) as ValueOf<T>;
  }

  /** Frees a string value's writer's turn held by a dead actor. */
  [repairHandle](isDead: (pid: number) => boolean): void {
    this.#text?.repair(isDead);
  }

  #checked(value: unknown, action: string, name = "value"): number | bigint {
    return checkElement(this.#element, value, action, name);
  }

  #store(value: number | bigint): void {
    if (this.#element.integer) Atomics.store(this.#view as Int32Array, 0, value as number);
    else this.#view[0] = value as number;
  }

  #atomicView(action: string): Int32Array {
    if (!this.#element.integer || this.#text !== null) {
      throw new TypeError(
        `Cannot ${action} a ${this.state.type} value atomically: use an integer type, or ` +
          "getLock()",
      );
    }
    return this.#view as Int32Array;
  }
}

function isLock(value: unknown): value is Lock | RLock {
  return value instanceof Lock || value instanceof RLock;
}

registerSharedKind(
  import.meta,
  "Value",
  (revival) =>
    new Value((revival.state as ValueState).type as ValueType, undefined, undefined, revival),
);
