/**
 * The worker side of a pool: the target every pool worker process runs. It takes its end of
 * the pool link from its mailbox, runs the initializer, then runs units one at a time in the
 * order they arrive, sending results back in groups. Before each unit it bumps a shared counter,
 * so that if the worker dies the engine knows which units were running and which never started.
 *
 * It imports only the pool protocol and small shared helpers, never the engine.
 *
 * @module
 */
import type { MessagePort } from "node:worker_threads";
import { assertCloneable } from "./_clone.ts";
import {
  isPortMail,
  packValues,
  type PoolReply,
  type PoolRequest,
  type PoolWorkerConfig,
  PROGRESS_SENT,
  PROGRESS_STARTED,
  type UnitKind,
  unpackValues,
  type WireGroup,
} from "./_pool_protocol.ts";
import { reviveHandles } from "./_portable.ts";
import { runtime } from "./_runtime.ts";
import { type SerializedError, serializeError } from "./_serialized_error.ts";
import { loadRef } from "./_target.ts";
import { SystemExit } from "./errors.ts";
import { receive } from "./receive.ts";
import { task } from "./task.ts";

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
}

/**
 * Runs pool units until the engine says stop. Errors thrown by a task fail only its unit; a
 * `SystemExit` (from `exit()`) or an error of the loop itself ends the worker, as it would end
 * any process.
 */
export const poolWorkerLoop = task(
  import.meta,
  async function poolWorkerLoop(config: PoolWorkerConfig): Promise<void> {
    const { poolPort } = await receive(isPortMail) as { poolPort: MessagePort };
    if (config.initializer !== null) {
      const initializer = await loadRef(config.initializer);
      await initializer(...config.initargs);
    }
    const loop = new UnitLoop(poolPort, new Int32Array(config.progress));
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
  #values: unknown[] = [];
  #errors: [number, SerializedError][] = [];
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
    this.#send({ type: "ready" });
  }

  /** Settles when the engine said stop and every unit has run, or rejects to end the worker. */
  get finished(): Promise<void> {
    return this.#done.promise;
  }

  #onRequest(request: PoolRequest): void {
    switch (request.type) {
      case "batch":
        for (const [id, ref] of request.defs) this.#define(id, loadRef(ref));
        for (const group of request.groups) this.#receive(group);
        if (!this.#running) void this.#drain();
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
  #receive({ fn, kind, handles, count, payloads }: WireGroup): void {
    if (Array.isArray(payloads)) {
      for (const payload of payloads) {
        this.#inbox.push({ fn, kind, handles, payload: unpackValues(payload) });
      }
      return;
    }
    const { arity } = payloads;
    const args = unpackValues(payloads.args);
    for (let index = 0; index < count; index++) {
      const payload = new Array(arity);
      for (let arg = 0; arg < arity; arg++) payload[arg] = args[index * arity + arg];
      this.#inbox.push({ fn, kind, handles, payload });
    }
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#head < this.#inbox.length) {
        const running = this.#run(this.#inbox[this.#head++]);
        if (running !== undefined) await running;
      }
      this.#inbox = [];
      this.#head = 0;
      this.#flush();
    } catch (error) {
      this.#done.reject(error);
      return;
    } finally {
      this.#running = false;
    }
    if (this.#stopping) this.#finish();
  }

  /**
   * Runs one unit and records its result: synchronously, unless the function is still loading,
   * the payload holds handles or the task returns a promise. Only a `SystemExit` escapes.
   */
  #run({ fn: fnId, kind, handles, payload }: WorkUnit): Promise<void> | undefined {
    runtime.haltIfReaped();
    Atomics.add(this.#progress, PROGRESS_STARTED, 1);
    const started = performance.now();
    let outcome: unknown;
    try {
      const fn = this.#functions.get(fnId)!;
      outcome = fn instanceof Promise || handles
        ? this.#callLater(fn, kind, payload, handles)
        : this.#call(fn, kind, payload);
    } catch (error) {
      this.#record(started, false, error);
      return;
    }
    if (!(outcome instanceof Promise)) {
      this.#record(started, true, outcome);
      return;
    }
    this.#flush();
    return outcome.then(
      (value) => this.#record(started, true, value),
      (error) => this.#record(started, false, error),
    );
  }

  async #callLater(
    loading: Callable | Promise<Callable>,
    kind: UnitKind,
    payload: ArrayLike<unknown>,
    handles: boolean,
  ): Promise<unknown> {
    const fn = await loading;
    return await this.#call(fn, kind, handles ? await reviveHandles(payload) : payload);
  }

  /**
   * Calls `fn` for the unit and returns its value, or a chunk's values packed. Runs
   * synchronously while the task returns plain values; from the first promise on, awaits each
   * item in turn.
   */
  #call(fn: Callable, kind: UnitKind, args: ArrayLike<unknown>): unknown {
    if (kind === "apply") return fn(...args as unknown[]);
    const values = new Array(args.length);
    for (let index = 0; index < args.length; index++) {
      const value = invoke(fn, kind, args[index]);
      if (value instanceof Promise) return this.#callRest(fn, kind, args, values, index, value);
      values[index] = value;
    }
    return packValues(values);
  }

  async #callRest(
    fn: Callable,
    kind: UnitKind,
    args: ArrayLike<unknown>,
    values: unknown[],
    index: number,
    pending: Promise<unknown>,
  ): Promise<unknown> {
    values[index] = await pending;
    for (let next = index + 1; next < args.length; next++) {
      values[next] = await invoke(fn, kind, args[next]);
    }
    return packValues(values);
  }

  /** Records a result; sends the results once they have waited long enough. */
  #record(started: number, ok: boolean, value: unknown): void {
    if (!ok && value instanceof SystemExit) throw value;
    const now = performance.now();
    this.#busyMs += now - started;
    if (!ok) this.#errors.push([this.#values.length, serializeError(value)]);
    this.#values.push(ok ? value : null);
    if (now - this.#lastFlush >= FLUSH_MS) this.#flush();
  }

  #flush(): void {
    this.#lastFlush = performance.now();
    if (this.#values.length === 0) return;
    const values = this.#values;
    const reply: PoolReply = {
      type: "results",
      values: packValues(values),
      errors: this.#errors,
      busyMs: this.#busyMs,
    };
    this.#values = [];
    this.#errors = [];
    this.#busyMs = 0;
    // Counted before the post: a worker killed in between makes the engine wait, not guess.
    Atomics.add(this.#progress, PROGRESS_SENT, values.length);
    try {
      this.#send(reply);
    } catch {
      // A value structured clone refuses: fail only the culprits, with a named error.
      reply.values = values.map((value, position) => {
        try {
          structuredClone(value);
          return value;
        } catch (error) {
          reply.errors.push([position, cloneFailure(value, error)]);
          return null;
        }
      });
      this.#send(reply);
    }
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

/** The error of a result that cannot cross back, naming the value when our check can. */
function cloneFailure(value: unknown, error: unknown): SerializedError {
  try {
    assertCloneable(value, "result", "send the task's result back to the pool");
  } catch (named) {
    return serializeError(named);
  }
  return serializeError(error);
}
