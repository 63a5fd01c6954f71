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
 * @module
 */
import { isMainThread, MessageChannel, type MessagePort } from "node:worker_threads";
import {
  packValues,
  type PoolReply,
  type PoolRequest,
  type PoolWorkerConfig,
  PROGRESS_DONE,
  PROGRESS_SENT,
  PROGRESS_STARTED,
  PROGRESS_WORDS,
  unpackValues,
  type WireGroup,
  type WireValues,
} from "./_protocol.ts";
import { poolWorkerLoop } from "./_worker.ts";
import type { MailEnvelope, TargetRef } from "../_kernel/protocol.ts";
import { runtime } from "../_kernel/runtime.ts";
import { startTimer, stopTimer, type Timer } from "../_shm/time.ts";
import { deserializeError } from "../_kernel/wire_errors.ts";
import { refFor } from "../_kernel/targets.ts";
import { type Job, TaskQueue, type Unit } from "./_task_queue.ts";
import {
  PoolQueueFullError,
  PoolStateError,
  PoolTerminatedError,
  TaskTimeoutError,
  WorkerDiedError,
} from "./errors.ts";
import { Process } from "../process.ts";

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

interface WorkerSlot {
  readonly process: Process;
  readonly port: MessagePort;
  readonly progress: Int32Array;
  readonly knownFunctions: Set<number>;
  /** Units sent and not yet answered, oldest first from `head`: unit `delivered` first. */
  inflight: Unit[];
  head: number;
  /** Units answered: the number of the next unit to answer. */
  delivered: number;
  /** Units sent, for `maxTasksPerChild`. */
  assigned: number;
  ready: boolean;
  stopping: boolean;
  exited: boolean;
  /** The timer of a unit with a time limit; the worker gets nothing else meanwhile. */
  timer: Timer | undefined;
  /** After the exit: waits for results still in the link. */
  grace: ReturnType<typeof setTimeout> | undefined;
  buried: boolean;
}

type State = "running" | "closed" | "terminated" | "broken";

/** Starts, feeds and replaces a pool's workers. */
export class PoolEngine {
  readonly #options: EngineOptions;
  readonly #initializer: TargetRef | null;
  readonly #queue: TaskQueue;
  readonly #slots = new Set<WorkerSlot>();
  readonly #functionIds = new Map<string, number>();
  readonly #functionsSeen = new WeakMap<Callable, number>();
  readonly #refs: TargetRef[] = [];
  readonly #exited = Promise.withResolvers<void>();
  #state: State = "running";
  #brokenReason = "";
  #dispatchScheduled = false;
  #nextRecipient = 0;
  /** Milliseconds a unit takes in a worker, averaged; undefined until the first results. */
  #unitMs: number | undefined;
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
    const known = this.#functionsSeen.get(fn);
    if (known !== undefined) return known;
    const ref = refFor(fn, runtime.mainModule, `task "${label}" in the pool`);
    const key = `${ref.via}:${ref.module}#${ref.name}`;
    let id = this.#functionIds.get(key);
    if (id === undefined) {
      id = this.#refs.push(ref) - 1;
      this.#functionIds.set(key, id);
    }
    this.#functionsSeen.set(fn, id);
    return id;
  }

  /**
   * Queues `job`. With `waitForRoom`, a full queue holds the job back until there is room;
   * without, a full queue refuses it.
   *
   * @throws {PoolQueueFullError} Without `waitForRoom`, when `maxQueue` tasks are waiting.
   */
  submit(job: Job, signal: AbortSignal | undefined, waitForRoom: boolean): void {
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
    const progress = new SharedArrayBuffer(PROGRESS_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const config: PoolWorkerConfig = {
      initializer: this.#initializer,
      initargs: this.#options.initargs,
      progress,
    };
    const process = new Process({
      target: poolWorkerLoop,
      args: [config],
      daemon: true,
      maxMemoryMb: this.#options.maxWorkerMemoryMb,
    });
    process.name = process.name.replace(/^Process/, "PoolWorker");
    // A failed start shows as the worker's exit, handled below.
    process.start().catch(() => {});
    const child = runtime.liveChildren().find((record) => record.handle === process)!;
    const { port1, port2 } = new MessageChannel();
    const mail: MailEnvelope = { type: "mail", from: runtime.pid, body: { poolPort: port2 } };
    child.port.postMessage(mail, [port2]);
    const slot: WorkerSlot = {
      process,
      port: port1,
      progress: new Int32Array(progress),
      knownFunctions: new Set(),
      inflight: [],
      head: 0,
      delivered: 0,
      assigned: 0,
      ready: false,
      stopping: false,
      exited: false,
      timer: undefined,
      grace: undefined,
      buried: false,
    };
    // The web listener: Deno's `on("message")` walks every message looking for ports to patch.
    port1.addEventListener(
      "message",
      (event) => this.#onReply(slot, (event as MessageEvent<PoolReply>).data),
    );
    port1.start();
    port1.unref();
    this.#slots.add(slot);
    void child.exited.promise.then(() => this.#onExit(slot));
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
      if (this.#shouldRetire(slot)) this.#retire(slot);
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
    const inflight = slot.inflight.length - slot.head;
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
    const defs: [number, TargetRef][] = [];
    const groups: WireGroup[] = [];
    for (let start = 0, end = 1; start < units.length; start = end++) {
      const first = units[start];
      while (end < units.length && sameGroup(units[end], first)) end++;
      groups.push(groupOf(units.slice(start, end)));
      if (!slot.knownFunctions.has(first.fn)) {
        slot.knownFunctions.add(first.fn);
        defs.push([first.fn, this.#refs[first.fn]]);
      }
    }
    for (const unit of units) slot.inflight.push(unit);
    slot.assigned += units.length;
    const request: PoolRequest = { type: "batch", defs, groups };
    slot.port.postMessage(request);
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

  #onReply(slot: WorkerSlot, reply: PoolReply): void {
    if (slot.buried) return;
    switch (reply.type) {
      case "ready":
        slot.ready = true;
        // A unit with a time limit waits for a ready worker.
        this.#scheduleDispatch();
        return;
      case "results": {
        if (reply.first !== slot.delivered) {
          throw new Error(
            `Pool worker "${slot.process.name}" broke the pool protocol: results from unit ` +
              `${reply.first}, expected ${slot.delivered}`,
          );
        }
        const values = unpackValues(reply.values);
        const errors = reply.errors.length === 0 ? null : new Map(reply.errors);
        for (let position = 0; position < values.length; position++) {
          const unit = slot.inflight[slot.head++];
          slot.delivered++;
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
        if (slot.head * 2 >= slot.inflight.length) {
          slot.inflight = slot.inflight.slice(slot.head);
          slot.head = 0;
        }
        const unitMs = reply.busyMs / values.length;
        this.#unitMs = this.#unitMs === undefined ? unitMs : (this.#unitMs + unitMs) / 2;
        if (slot.exited && this.#allResultsIn(slot)) this.#bury(slot);
        this.#dispatch();
        return;
      }
      default: {
        const unknown: never = reply;
        throw new TypeError(`Unknown pool reply ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * A worker ended. Results it posted before it died may still be in the link (a different
   * channel from the exit notice): it counted them, so wait for them, within a grace period.
   */
  #onExit(slot: WorkerSlot): void {
    slot.exited = true;
    stopTimer(slot.timer);
    if (!this.#isLive() || this.#allResultsIn(slot)) return this.#bury(slot);
    slot.grace = setTimeout(() => this.#bury(slot), RESULTS_GRACE_MS);
  }

  #allResultsIn(slot: WorkerSlot): boolean {
    return slot.delivered >= Atomics.load(slot.progress, PROGRESS_SENT);
  }

  /**
   * Settles what a dead worker had, by its progress counters: the units whose results it
   * computed but never sent, and the one it was running, fail with {@linkcode WorkerDiedError};
   * those it never started are queued again; a replacement starts.
   */
  #bury(slot: WorkerSlot): void {
    if (slot.buried) return;
    slot.buried = true;
    clearTimeout(slot.grace);
    slot.port.close();
    const { process } = slot;
    if (!slot.ready && process.exitcode === 1 && this.#isLive()) this.#break(process);
    this.#slots.delete(slot);
    if (this.#isLive()) {
      const lost = slot.inflight.slice(slot.head);
      const done = Atomics.load(slot.progress, PROGRESS_DONE) - slot.delivered;
      const started = Atomics.load(slot.progress, PROGRESS_STARTED) - slot.delivered;
      for (let index = 0; index < Math.min(started, lost.length); index++) {
        const unit = lost[index];
        if (unit.owner.done) continue;
        unit.owner.rejectUnit(unit, diedError(unit.label, process, index < done));
      }
      const unstarted = lost.slice(Math.max(0, started));
      this.#queue.requeue(unstarted.filter((unit) => unit.recipient === undefined));
      // Units whose handles were given to this worker cannot run on another.
      const stranded = [
        ...unstarted.filter((unit) => unit.recipient !== undefined),
        ...this.#queue.takeFor(process.pid!),
      ];
      for (const unit of stranded) {
        if (!unit.owner.done) unit.owner.rejectUnit(unit, strandedError(unit.label, process));
      }
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
    if (slot.stopping || slot.exited || slot.inflight.length > slot.head) return false;
    if (this.#state === "closed" && this.#queue.idle) return true;
    return slot.assigned >= this.#options.maxTasksPerChild &&
      !this.#queue.hasFor(slot.process.pid!);
  }

  #retire(slot: WorkerSlot): void {
    slot.stopping = true;
    const stop: PoolRequest = { type: "stop" };
    slot.port.postMessage(stop);
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
      for (const unit of slot.inflight.slice(slot.head)) {
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

function sameGroup(unit: Unit, first: Unit): boolean {
  return unit.fn === first.fn && unit.kind === first.kind && unit.handles === first.handles;
}

/** Units of one group on the wire; apply units of one arity send their arguments end to end. */
function groupOf(units: Unit[]): WireGroup {
  const { fn, kind, handles } = units[0];
  const count = units.length;
  if (kind === "apply" && !handles && count > 1) {
    const args = argumentsEndToEnd(units);
    if (args !== null) return { fn, kind, handles, count, payloads: args };
  }
  const payloads = units.map((unit) => unit.payload);
  if (kind === "apply") return { fn, kind, handles, count, payloads };
  return {
    fn,
    kind,
    handles,
    count,
    payloads,
    starts: packValues(units.map((unit) => unit.start)),
  };
}

/** The arguments of apply units of one arity, end to end; null if their arities differ. */
function argumentsEndToEnd(units: Unit[]): { arity: number; args: WireValues } | null {
  const arity = (units[0].payload as unknown[]).length;
  const args: unknown[] = [];
  for (const unit of units) {
    const list = unit.payload as unknown[];
    if (list.length !== arity) return null;
    for (const arg of list) args.push(arg);
  }
  return { arity, args: packValues(args) };
}

/** A unit's result as its owner takes it: a chunk's values unpacked. */
function valueOf(unit: Unit, value: unknown): unknown {
  return unit.kind === "apply" ? value : unpackValues(value as WireValues);
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

/** The error of a unit that had to run on a worker that died before it started it. */
function strandedError(label: string, process: Process): WorkerDiedError {
  return new WorkerDiedError(
    `Task "${label}" failed: pool worker "${process.name}" (pid ${process.pid}) died with ` +
      `exitcode ${process.exitcode} before it started it; the handles among its arguments ` +
      "were given to that worker, so it could not run on another: submit it again",
    { cause: process.error ?? undefined },
  );
}

/**
 * The error of a unit lost with its worker: the one it was running, or (`resultLost`) one it
 * had completed, whose result was still in the worker's memory when it died.
 */
function diedError(label: string, process: Process, resultLost: boolean): WorkerDiedError {
  const cause = process.error ?? undefined;
  const when = resultLost ? "after running it, before sending its result" : "while running it";
  return new WorkerDiedError(
    `Task "${label}" failed: pool worker "${process.name}" (pid ${process.pid}) died with ` +
      `exitcode ${process.exitcode} ${when}`,
    { cause },
  );
}
