/**
 * The worker side of a pool: the target every pool worker process runs. It takes its end of
 * the pool link from its mailbox, runs the initializer, then runs units one at a time in the
 * order they arrive, sending results back in groups. Shared counters say how far it got (units
 * started, done, and results sent), so that if the worker dies the engine knows which unit was
 * running, which results are still in the link, and which units never started.
 *
 * The engine matches results to units by their numbers, so the one thing this loop must never
 * do is skip a unit: every unit it starts gets exactly one result, in order, or the worker dies
 * with it counted as running. Once the worker is dying (a task called `exit()`, an error nobody
 * caught, a halt), it sends the results it has, starts nothing more and records nothing more.
 *
 * Units run from macrotasks (`setImmediate`), never from the port's message event or a promise
 * continuation: Deno 2.9 ends a worker whose heap is full (its resource limits, set by the
 * supervisor) only when that happens in a macrotask; in a microtask the code running is
 * dropped and the worker lives on, reporting nothing, so its task would hang instead of
 * failing. The sync part of every task and of the initializer is covered; what an async task
 * runs after its first `await` is not (a Deno limit, documented: a `timeout` ends such a task).
 *
 * It imports only the pool protocol and small shared helpers, never the engine.
 *
 * @module
 */
import process from "node:process";
import type { MessagePort } from "node:worker_threads";
import { assertCloneable } from "../_shm/clone.ts";
import { inMacrotask } from "../_kernel/macrotask.ts";
import {
  packValues,
  POOL_PORT,
  type PoolReply,
  type PoolRequest,
  type PoolWorkerConfig,
  PROGRESS_DONE,
  PROGRESS_SENT,
  PROGRESS_STARTED,
  type UnitKind,
  unpackValues,
  type WireGroup,
} from "./_protocol.ts";
import { reviveHandles } from "../_kernel/handles.ts";
import { runtime } from "../_kernel/runtime.ts";
import { type SerializedError, serializeError } from "../_kernel/wire_errors.ts";
import { loadRef } from "../_kernel/targets.ts";
import { SystemExit } from "../errors.ts";
import { mail } from "../_kernel/mail.ts";
import { initAck } from "../init_ack.ts";
import { task } from "../task.ts";

// deno-lint-ignore ban-types
type Callable = Function;

/** Results wait at most this long in the worker before they are sent, while it keeps running. */
const FLUSH_MS = 1;

/** A unit as the worker runs it. */
interface WorkUnit {
  fn: number;
  kind: UnitKind;
  handles: boolean;
  /** An apply's arguments, or a chunk's items. */
  payload: ArrayLike<unknown>;
  /** A chunk's first item's index in its map's input; 0 for apply. */
  start: number;
}

/**
 * Runs pool units until the engine says stop. Errors thrown by a task fail only its unit; a
 * `SystemExit` (from `exit()`) or an error of the loop itself ends the worker, as it would end
 * any process.
 */
export const poolWorkerLoop = task(
  import.meta,
  async function poolWorkerLoop(config: PoolWorkerConfig): Promise<void> {
    const link = await mail.takeLetter((letter) => letter.system === POOL_PORT);
    if (config.initializer !== null) {
      const initializer = await loadRef(config.initializer);
      await inMacrotask(() => initializer(...config.initargs));
    }
    const loop = new UnitLoop(link.body as MessagePort, new Int32Array(config.progress));
    initAck();
    await loop.finished;
  },
);

class UnitLoop {
  readonly #port: MessagePort;
  readonly #progress: Int32Array;
  readonly #functions = new Map<number, Callable | Promise<Callable>>();
  #inbox: WorkUnit[] = [];
  #head = 0;
  #running = false;
  #stopping = false;
  /** The worker is ending: nothing more runs or is recorded. */
  #dying = false;
  /** Results recorded and not sent yet, of the units numbered from `#sent` on. */
  #values: unknown[] = [];
  #errors: [number, SerializedError][] = [];
  /** The number of results sent. */
  #sent = 0;
  #busyMs = 0;
  #lastFlush = performance.now();
  readonly #done = Promise.withResolvers<void>();

  constructor(port: MessagePort, progress: Int32Array) {
    this.#port = port;
    this.#progress = progress;
    // The web listener: Deno's `on("message")` walks every message looking for ports to patch.
    port.addEventListener(
      "message",
      (event) => this.#onRequest((event as MessageEvent<PoolRequest>).data),
    );
    port.start();
    // However the worker ends, what it computed goes out first: a halt (`kill()`, `terminate()`,
    // a timeout) exits through `process.exit`, from the host's message handler or from the
    // halt check before a unit; an error nobody caught ends the actor a few turns later.
    process.on("exit", () => this.#flush());
    globalThis.addEventListener("error", () => this.#die());
    globalThis.addEventListener("unhandledrejection", () => this.#die());
  }

  /** Settles when the engine said stop and every unit has run, or rejects to end the worker. */
  get finished(): Promise<void> {
    return this.#done.promise;
  }

  #onRequest(request: PoolRequest): void {
    if (this.#dying) return;
    switch (request.type) {
      case "batch":
        for (const [id, ref] of request.defs) this.#define(id, loadRef(ref));
        for (const group of request.groups) this.#receive(group);
        if (!this.#running) {
          this.#running = true;
          setImmediate(this.#pump);
        }
        return;
      case "stop":
        this.#stopping = true;
        if (!this.#running) this.#finish();
        return;
      default: {
        const unknown: never = request;
        throw new TypeError(`Unknown pool request ${JSON.stringify(unknown)}`);
      }
    }
  }

  #define(id: number, loading: Promise<Callable>): void {
    this.#functions.set(id, loading);
    loading.then((fn) => this.#functions.set(id, fn), () => {});
  }

  /** Unpacks a group into the inbox. */
  #receive({ fn, kind, handles, count, payloads, starts }: WireGroup): void {
    const firsts = starts === undefined ? undefined : unpackValues(starts);
    if (Array.isArray(payloads)) {
      for (let index = 0; index < count; index++) {
        const payload = unpackValues(payloads[index]);
        const start = firsts === undefined ? 0 : firsts[index] as number;
        this.#inbox.push({ fn, kind, handles, payload, start });
      }
      return;
    }
    const { arity } = payloads;
    const args = unpackValues(payloads.args);
    for (let index = 0; index < count; index++) {
      const payload = new Array(arity);
      for (let arg = 0; arg < arity; arg++) payload[arg] = args[index * arity + arg];
      this.#inbox.push({ fn, kind, handles, payload, start: 0 });
    }
  }

  /**
   * Runs the units in the inbox, in order, from a macrotask. It returns to the event loop when
   * a unit needs its function loaded or its handles revived, or when a task returns a promise,
   * and comes back in a new macrotask once that is settled.
   */
  readonly #pump = (): void => {
    try {
      while (!this.#dying && this.#head < this.#inbox.length) {
        const unit = this.#inbox[this.#head];
        const fn = this.#functions.get(unit.fn)!;
        if (fn instanceof Promise || unit.handles) return this.#prepare(unit, fn);
        this.#head++;
        const running = this.#run(unit, fn);
        if (running !== undefined) return void running.then(this.#resume, this.#fail);
      }
      this.#inbox = [];
      this.#head = 0;
      this.#flush();
      this.#running = false;
      if (this.#stopping && !this.#dying) this.#finish();
    } catch (error) {
      this.#fail(error);
    }
  };

  readonly #resume = (): void => void setImmediate(this.#pump);

  /** A `SystemExit` or an error of the loop: the worker ends with it. */
  readonly #fail = (error: unknown): void => {
    this.#die();
    this.#done.reject(error);
  };

  /**
   * Loads the unit's function and revives its handles, then resumes; if either fails, the unit
   * fails with that error (a function the worker cannot find, for instance).
   */
  #prepare(unit: WorkUnit, loading: Callable | Promise<Callable>): void {
    // The worker waits: what it has goes out now.
    this.#flush();
    const payload = unit.handles ? reviveHandles(unit.payload) : unit.payload;
    Promise.all([loading, payload]).then(([, revived]) => {
      unit.payload = revived;
      unit.handles = false;
      this.#resume();
    }, (error) => {
      this.#head++;
      runtime.haltIfReaped();
      Atomics.add(this.#progress, PROGRESS_STARTED, 1);
      this.#record(unit, performance.now(), false, error);
      this.#resume();
    });
  }

  /**
   * Runs one unit and records its result, synchronously unless the task returns a promise.
   * Only a `SystemExit` escapes.
   */
  #run(unit: WorkUnit, fn: Callable): Promise<void> | undefined {
    // A worker told to halt while it runs a batch stops here (the exit hook sends the results).
    runtime.haltIfReaped();
    Atomics.add(this.#progress, PROGRESS_STARTED, 1);
    const started = performance.now();
    let outcome: unknown;
    try {
      outcome = this.#call(fn, unit.kind, unit.payload);
    } catch (error) {
      this.#record(unit, started, false, error);
      return;
    }
    if (!(outcome instanceof Promise)) {
      this.#record(unit, started, true, outcome);
      return;
    }
    // The worker waits: what it has goes out now, not after this task.
    this.#flush();
    return outcome.then(
      (value) => this.#record(unit, started, true, value),
      (error) => this.#record(unit, started, false, error),
    );
  }

  /**
   * Calls `fn` for the unit and returns its value, or a chunk's values. Runs synchronously
   * while the task returns plain values; from the first promise on, awaits each item in turn.
   */
  #call(fn: Callable, kind: UnitKind, args: ArrayLike<unknown>): unknown {
    if (kind === "apply") return fn(...args as unknown[]);
    const values = new Array(args.length);
    for (let index = 0; index < args.length; index++) {
      const value = invoke(fn, kind, args[index]);
      if (value instanceof Promise) return this.#callRest(fn, kind, args, values, index, value);
      values[index] = value;
    }
    return values;
  }

  async #callRest(
    fn: Callable,
    kind: UnitKind,
    args: ArrayLike<unknown>,
    values: unknown[],
    index: number,
    pending: Promise<unknown>,
  ): Promise<unknown[]> {
    values[index] = await pending;
    for (let next = index + 1; next < args.length; next++) {
      values[next] = await invoke(fn, kind, args[next]);
    }
    return values;
  }

  /**
   * Records the outcome of `unit`, the next unit to answer; sends the results once they have
   * waited long enough. A dying worker records nothing: the unit counts as the one running.
   */
  #record(unit: WorkUnit, started: number, ok: boolean, value: unknown): void {
    if (this.#dying) return;
    if (!ok && value instanceof SystemExit) throw value;
    const now = performance.now();
    this.#busyMs += now - started;
    let error: SerializedError | undefined;
    if (ok) {
      try {
        value = this.#checked(unit, value);
      } catch (refused) {
        error = serializeError(refused);
      }
    } else {
      error = serializeError(value);
    }
    if (error !== undefined) this.#errors.push([this.#values.length, error]);
    this.#values.push(error === undefined ? value : null);
    Atomics.add(this.#progress, PROGRESS_DONE, 1);
    if (now - this.#lastFlush >= FLUSH_MS) this.#flush();
  }

  /**
   * Returns the unit's value as it crosses (a chunk's values packed) if it can cross as it is.
   * Structured clone would turn a class instance into a plain object silently: this refuses it,
   * naming the path. Primitives, the values of tiny tasks, skip the walk.
   *
   * @throws {CloneError} Naming the first value that cannot cross.
   */
  #checked(unit: WorkUnit, value: unknown): unknown {
    if (unit.kind === "apply") {
      if (needsCheck(value)) assertCloneable(value, "the result", this.#action(unit));
      return value;
    }
    const values = value as unknown[];
    const packed = packValues(values);
    if (!Array.isArray(packed)) return packed;
    for (let index = 0; index < values.length; index++) {
      if (!needsCheck(values[index])) continue;
      assertCloneable(
        values[index],
        `the result for items[${unit.start + index}]`,
        this.#action(unit),
      );
    }
    return packed;
  }

  #action(unit: WorkUnit): string {
    const fn = this.#functions.get(unit.fn);
    const name = typeof fn === "function" && fn.name !== "" ? fn.name : "(anonymous)";
    return `send the result of task "${name}" back to the pool`;
  }

  /** Sends the results recorded so far. */
  #flush(): void {
    this.#lastFlush = performance.now();
    if (this.#values.length === 0) return;
    const values = this.#values;
    const reply: PoolReply = {
      type: "results",
      first: this.#sent,
      values: packValues(values),
      errors: this.#errors,
      busyMs: this.#busyMs,
    };
    this.#values = [];
    this.#errors = [];
    this.#busyMs = 0;
    this.#sent += values.length;
    // Counted before the post: a worker killed in between makes the engine wait, not guess.
    Atomics.add(this.#progress, PROGRESS_SENT, values.length);
    try {
      this.#send(reply);
    } catch {
      // A value structured clone refuses and our check let through: fail only the culprits.
      reply.values = values.map((value, position) => {
        try {
          structuredClone(value);
          return value;
        } catch (error) {
          reply.errors.push([position, serializeError(error)]);
          return null;
        }
      });
      this.#send(reply);
    }
  }

  /** The worker is ending: send what is recorded, then start and record nothing more. */
  #die(): void {
    if (this.#dying) return;
    this.#flush();
    this.#dying = true;
  }

  #send(reply: PoolReply): void {
    this.#port.postMessage(reply);
  }

  #finish(): void {
    this.#port.close();
    this.#done.resolve();
  }
}

/** One item of a map (`fn(item)`) or starmap (`fn(...item)`) chunk. */
function invoke(fn: Callable, kind: UnitKind, item: unknown): unknown {
  return kind === "starmap" ? fn(...item as unknown[]) : fn(item);
}

/** True for values the structured-clone check must look at: not primitives that cross as is. */
function needsCheck(value: unknown): boolean {
  const type = typeof value;
  return (type === "object" && value !== null) || type === "function" || type === "symbol";
}
