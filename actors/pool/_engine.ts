/**
 * The private engine behind {@linkcode Pool}: it starts the worker processes, feeds them units
 * in batches sized from how long units take, matches results to units, and handles every way a
 * worker can end. It lives in the actor that created the pool, so callbacks run there.
 *
 * Units are numbered per worker in the order they are sent, and results come back tagged with
 * those numbers (see `PoolReply`), so a result can only ever land on its own unit.
 *
 * A dead worker is seen through its `Process` record. The units it had been sent are split by
 * the shared progress counters: the results it sent are awaited; the unit it was running (at
 * most one) and any whose results died with it fail with {@linkcode WorkerDiedError}; those it
 * never started go back to the front of the queue; and a replacement worker is started.
 *
 * The engine coordinates: each worker's record, and how its death is read from its counters,
 * live in `_worker_slot.ts`; how units are written on the wire, in `_batch.ts`.
 *
 * @module
 */
import { isMainThread } from "node:worker_threads";
import { batchRequest, FunctionTable, valueOf } from "./_batch.ts";
import {
  inspect,
  type Inspectable,
  type Inspection,
  registerInspectable,
} from "../_shm/inspect.ts";
import { type PoolReply, unpackValues } from "./_protocol.ts";
import type { TargetRef } from "../_kernel/protocol.ts";
import { runtime } from "../_kernel/runtime.ts";
import { startTimer, stopTimer } from "../_shm/time.ts";
import { deserializeError } from "../_kernel/wire_errors.ts";
import { refFor } from "../_kernel/targets.ts";
import { type Job, type JobHost, TaskQueue, type Unit } from "./_task_queue.ts";
import { WorkerSlot } from "./_worker_slot.ts";
import {
  PoolQueueFullError,
  PoolStateError,
  PoolTerminatedError,
  TaskTimeoutError,
  WorkerDiedError,
} from "./errors.ts";
import type { Process } from "../process.ts";

// deno-lint-ignore ban-types
type Callable = Function;

/** Units in flight per worker aim to keep it busy this long (milliseconds) between top-ups. */
const TARGET_INFLIGHT_MS = 2;
/** The most units in flight per worker. */
const MAX_INFLIGHT = 1024;
/** How long the results a dead worker sent may take to arrive before they count as lost. */
const RESULTS_GRACE_MS = 1000;

/** The validated options of a pool. */
export interface EngineOptions {
  processes: number;
  initializer: Callable | undefined;
  initargs: unknown[];
  maxTasksPerChild: number;
  maxQueue: number;
  /** Each worker's heap limit in MiB; the default limit when undefined. */
  maxWorkerMemoryMb: number | undefined;
}

type State = "running" | "closed" | "terminated" | "broken";

/** Starts, feeds and replaces a pool's workers. */
export class PoolEngine implements JobHost, Inspectable {
  readonly #options: EngineOptions;
  readonly #initializer: TargetRef | null;
  readonly #queue: TaskQueue;
  readonly #slots = new Set<WorkerSlot>();
  readonly #functions = new FunctionTable();
  readonly #exited = Promise.withResolvers<void>();
  #state: State = "running";
  #brokenReason = "";
  #dispatchScheduled = false;
  #nextRecipient = 0;
  /** Milliseconds a unit takes in a worker, averaged; undefined until the first results. */
  #unitMs: number | undefined;
  /** For an observer: workers started, units settled by a worker's reply, workers lost. */
  #spawned = 0;
  #settled = 0;
  #deaths = 0;
  readonly #onUnload = () => void this.terminate();

  /**
   * Starts `options.processes` workers.
   *
   * @throws {TargetNotFoundError} If the initializer is an anonymous function.
   */
  constructor(options: EngineOptions) {
    this.#options = options;
    this.#queue = new TaskQueue(options.maxQueue);
    this.#initializer = options.initializer === undefined
      ? null
      : refFor(options.initializer, runtime.mainModule, "the pool's initializer");
    // The main program's code is done and the pool was never closed: end it, as Python's
    // finalizer does, instead of replacing the workers the exit handler ends.
    if (isMainThread) globalThis.addEventListener("beforeunload", this.#onUnload);
    for (let index = 0; index < options.processes; index++) this.#spawn();
    registerInspectable(this);
  }

  /**
   * What an observer shows: the state, live workers, units (an apply or a map chunk) waiting,
   * running and settled by a worker, workers that died and those started to replace one.
   */
  [inspect](): Inspection {
    let running = 0;
    for (const slot of this.#slots) running += slot.inflight;
    const state = {
      state: this.#state,
      workers: this.workers.length,
      queued: this.#queue.size,
      running,
      done: this.#settled,
      deaths: this.#deaths,
      replacements: Math.max(0, this.#spawned - this.#options.processes),
    };
    return { kind: "pool", label: `Pool(${this.#options.processes})`, state };
  }

  /** The live worker processes. */
  get workers(): Process[] {
    return [...this.#slots].filter((slot) => !slot.exited).map((slot) => slot.process);
  }

  /**
   * Throws unless the pool takes new tasks.
   *
   * @throws {PoolStateError} After close, terminate, or a failed initializer.
   */
  assertOpen(label: string): void {
    if (this.#state === "running") return;
    const reason = this.#state === "broken"
      ? `the pool is broken: ${this.#brokenReason}`
      : `the pool was ${this.#state} with ${this.#state === "closed" ? "close()" : "terminate()"}`;
    throw new PoolStateError(`Cannot submit task "${label}": ${reason}; create a new Pool`);
  }

  /** The id workers know `fn` by. */
  functionId(fn: Callable, label: string): number {
    return this.#functions.idOf(fn, label);
  }

  /**
   * Queues `job`. With `waitForRoom`, a full queue holds the job back until there is room;
   * without, a full queue refuses it.
   *
   * @throws {PoolQueueFullError} Without `waitForRoom`, when `maxQueue` tasks are waiting.
   */
  submit(job: Job, signal: AbortSignal | undefined, waitForRoom: boolean): void {
    // `Pool` checked already, before the rest of the call, so that a closed pool is the first
    // error a caller sees, as in Python; building the job ran the caller's code (a map's input
    // is read into an array), which may have closed the pool since.
    this.assertOpen(job.label);
    if (!waitForRoom && !this.#queue.hasRoom()) {
      throw new PoolQueueFullError(
        `Cannot submit task "${job.label}": the pool's queue is full (maxQueue ` +
          `${this.#options.maxQueue}); use apply() or a map, which wait for room, or raise maxQueue`,
      );
    }
    if (signal?.aborted) return job.cancel(signal.reason);
    if (signal !== undefined) {
      const onAbort = () => {
        this.#queue.remove(job);
        job.cancel(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const unwatch = () => signal.removeEventListener("abort", onAbort);
      job.settled.then(unwatch, unwatch);
    }
    this.#queue.addSource(job);
    this.#scheduleDispatch();
  }

  /**
   * The pid of the worker a task whose arguments hold handles will run on, chosen in turn among
   * the workers that take tasks; undefined if none does right now (the handles then count
   * their holder when the worker revives them).
   */
  readonly recipientFor = (): number | undefined => {
    const candidates = [...this.#slots].filter((slot) =>
      !slot.stopping && !slot.exited && slot.assigned < this.#options.maxTasksPerChild
    );
    if (candidates.length === 0) return undefined;
    this.#nextRecipient = (this.#nextRecipient + 1) % candidates.length;
    return candidates[this.#nextRecipient].process.pid!;
  };

  /** A job may have more units to give (its consumer made room). */
  wake(): void {
    this.#scheduleDispatch();
  }

  /** Takes no more tasks; the workers exit once the queued work is done. */
  close(): void {
    if (this.#state !== "running") return;
    this.#state = "closed";
    this.#dispatch();
  }

  /**
   * Fails everything queued or running with {@linkcode PoolTerminatedError} and ends every
   * worker at once.
   */
  terminate(): Promise<void> {
    if (this.#state === "running" || this.#state === "closed") {
      this.#state = "terminated";
      this.#abandon((label) =>
        new PoolTerminatedError(
          `Task "${label}" was cancelled: the pool was terminated before it completed`,
        )
      );
    }
    return runtime.waitFor(this.#exited.promise);
  }

  /**
   * Resolves once every worker has exited.
   *
   * @throws {PoolStateError} If the pool is still running: close or terminate it first.
   */
  join(): Promise<void> {
    if (this.#state === "running") {
      throw new PoolStateError(
        "Cannot join the pool: it is still running; call close() or terminate() first",
      );
    }
    return runtime.waitFor(this.#exited.promise);
  }

  #spawn(): void {
    this.#spawned++;
    this.#slots.add(
      new WorkerSlot({
        initializer: this.#initializer,
        initargs: this.#options.initargs,
        maxWorkerMemoryMb: this.#options.maxWorkerMemoryMb,
        onReady: this.#onReady,
        onReply: this.#onReply,
        onExit: this.#onExit,
      }),
    );
  }

  /** Coalesces the submissions of one tick into one dispatch. */
  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    queueMicrotask(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#state === "terminated" || this.#state === "broken") return;
    for (const slot of this.#slots) {
      this.#fill(slot);
      if (this.#shouldRetire(slot)) slot.retire();
    }
  }

  /** Units in flight a worker may have: about {@linkcode TARGET_INFLIGHT_MS} of work. */
  #capacity(): number {
    if (this.#unitMs === undefined) return 1;
    return Math.max(1, Math.min(MAX_INFLIGHT, Math.floor(TARGET_INFLIGHT_MS / this.#unitMs)));
  }

  /**
   * Sends `slot` the next units, in queue order, up to its capacity. Units for any worker count
   * toward `maxTasksPerChild`; those whose handles were given to this worker run on it anyway.
   */
  #fill(slot: WorkerSlot): void {
    if (slot.stopping || slot.exited || slot.timer !== undefined) return;
    const pid = slot.process.pid!;
    const { inflight } = slot;
    let room = this.#capacity() - inflight;
    let roomForAny = this.#options.maxTasksPerChild - slot.assigned;
    const units: Unit[] = [];
    while (room > 0) {
      const onlyMine = roomForAny <= 0;
      const unit = this.#queue.peek(pid, onlyMine);
      if (unit === undefined) break;
      if (unit.timeout !== undefined) {
        // A unit with a time limit runs alone on a ready worker, so its timer measures only its
        // own run, not other units or the initializer.
        if (inflight + units.length > 0 || !slot.ready) break;
        room = 1;
      }
      this.#queue.shift(pid, onlyMine);
      units.push(unit);
      room--;
      if (unit.recipient === undefined) roomForAny--;
      if (unit.timeout !== undefined) break;
    }
    if (units.length > 0) this.#send(slot, units);
  }

  #send(slot: WorkerSlot, units: Unit[]): void {
    slot.send(batchRequest(units, slot.knownFunctions, this.#functions), units);
    const timed = units[0];
    if (timed.timeout !== undefined) {
      slot.timer = startTimer(timed.timeout, () => this.#timeOut(slot, timed));
    }
  }

  #timeOut(slot: WorkerSlot, unit: Unit): void {
    unit.owner.rejectUnit(unit, timeoutError(unit, slot));
    // Nothing else can stop a running function: the worker takes no more work.
    slot.stopping = true;
    slot.process.kill().catch(() => {});
  }

  readonly #onReady = (slot: WorkerSlot): void => {
    if (slot.buried) return;
    slot.ready = true;
    // A unit with a time limit waits for a ready worker.
    this.#scheduleDispatch();
  };

  readonly #onReply = (slot: WorkerSlot, reply: PoolReply): void => {
    if (slot.buried) return;
    slot.checkFirst(reply.first);
    const values = unpackValues(reply.values);
    const errors = reply.errors.length === 0 ? null : new Map(reply.errors);
    for (let position = 0; position < values.length; position++) {
      const unit = slot.nextAnswered();
      if (unit.timeout !== undefined) {
        stopTimer(slot.timer);
        slot.timer = undefined;
        // It ran alone, so busyMs is its run: past the limit, it timed out, even if this
        // thread was too busy to notice before its result came.
        if (!unit.owner.done && reply.busyMs > unit.timeout) {
          unit.owner.rejectUnit(unit, timeoutError(unit, slot, reply.busyMs));
        }
      }
      if (unit.owner.done) continue;
      const error = errors?.get(position);
      if (error !== undefined) unit.owner.rejectUnit(unit, deserializeError(error));
      else unit.owner.resolveUnit(unit, valueOf(unit, values[position]));
    }
    slot.compact();
    this.#settled += values.length;
    const unitMs = reply.busyMs / values.length;
    this.#unitMs = this.#unitMs === undefined ? unitMs : (this.#unitMs + unitMs) / 2;
    if (slot.exited && slot.allResultsIn()) this.#bury(slot);
    this.#dispatch();
  };

  /**
   * A worker ended. Results it posted before it died may still be in the link (a different
   * channel from the exit notice): it counted them, so wait for them, within a grace period.
   */
  readonly #onExit = (slot: WorkerSlot): void => {
    slot.exited = true;
    stopTimer(slot.timer);
    if (!this.#isLive() || slot.allResultsIn()) return this.#bury(slot);
    slot.grace = setTimeout(() => this.#bury(slot), RESULTS_GRACE_MS);
  };

  /**
   * Settles what a dead worker had, by its progress counters: the units whose results it
   * computed but never sent, and the one it was running, fail with {@linkcode WorkerDiedError};
   * those it never started are queued again; a replacement starts.
   */
  #bury(slot: WorkerSlot): void {
    if (slot.buried) return;
    slot.buried = true;
    slot.close();
    const { process } = slot;
    if (!slot.ready && process.exitcode === 1 && this.#isLive()) this.#break(process);
    this.#slots.delete(slot);
    if (this.#isLive()) {
      // A worker the pool ended itself (terminate) is not a death.
      if (process.exitcode !== 0) this.#deaths++;
      const unstarted = slot.failStarted();
      this.#queue.requeue(unstarted.filter((unit) => unit.recipient === undefined));
      // Units whose handles were given to this worker cannot run on another.
      slot.failStranded([
        ...unstarted.filter((unit) => unit.recipient !== undefined),
        ...this.#queue.takeFor(process.pid!),
      ]);
      if (this.#needsWorker()) this.#spawn();
      this.#dispatch();
    }
    if (this.#state !== "running") this.#finishIfExited();
  }

  #isLive(): boolean {
    return this.#state === "running" || this.#state === "closed";
  }

  #needsWorker(): boolean {
    if (this.#slots.size >= this.#options.processes) return false;
    return this.#state === "running" || (this.#state === "closed" && !this.#queue.idle);
  }

  /** A worker retires after its last allowed task, or when a closed pool has nothing left. */
  #shouldRetire(slot: WorkerSlot): boolean {
    if (slot.stopping || slot.exited || slot.inflight > 0) return false;
    if (this.#state === "closed" && this.#queue.idle) return true;
    return slot.assigned >= this.#options.maxTasksPerChild &&
      !this.#queue.hasFor(slot.process.pid!);
  }

  /** A worker died before it took tasks, with an error: its initializer or module failed. */
  #break(process: Process): void {
    this.#state = "broken";
    const cause = process.error ?? undefined;
    this.#brokenReason = `worker "${process.name}" failed before it could take tasks` +
      (cause === undefined ? "" : ` (${cause.name}: ${cause.message})`) +
      "; check the initializer and its arguments";
    this.#abandon((label) =>
      new WorkerDiedError(`Task "${label}" failed: ${this.#brokenReason}`, { cause })
    );
  }

  /** Fails every queued and running unit, and ends every worker. */
  #abandon(errorFor: (label: string) => Error): void {
    const { units, sources } = this.#queue.clear();
    for (const source of sources) source.cancel(errorFor(source.label));
    for (const unit of units) unit.owner.rejectUnit(unit, errorFor(unit.label));
    for (const slot of this.#slots) {
      stopTimer(slot.timer);
      for (const unit of slot.unanswered()) {
        unit.owner.rejectUnit(unit, errorFor(unit.label));
      }
      if (slot.exited) this.#bury(slot);
      else slot.process.terminate().catch(() => {});
    }
    this.#finishIfExited();
  }

  #finishIfExited(): void {
    if (this.#slots.size > 0) return;
    if (isMainThread) globalThis.removeEventListener("beforeunload", this.#onUnload);
    this.#exited.resolve();
  }
}

/** The error of a unit over its time limit; `ranMs` if it finished, late. */
function timeoutError(unit: Unit, slot: WorkerSlot, ranMs?: number): TaskTimeoutError {
  return new TaskTimeoutError(
    ranMs === undefined
      ? `Task "${unit.label}" timed out after ${unit.timeout} ms; its worker ` +
        `"${slot.process.name}" was killed and will be replaced`
      : `Task "${unit.label}" timed out: it ran ${Math.round(ranMs)} ms, past its timeout of ` +
        `${unit.timeout} ms`,
  );
}
