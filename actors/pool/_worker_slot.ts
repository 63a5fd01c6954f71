/**
 * One pool worker as its engine tracks it: the process, the engine's end of the private link,
 * the progress counters the worker shares, and the units it was sent and has not answered yet,
 * numbered in the order they were sent. After the worker dies, those counters tell which of
 * its units died with it and which it never started.
 *
 * It is apart from the engine, which decides what each worker gets and when: these are the
 * rules of one worker's record, how it starts, how a result's number finds its unit, and how a
 * death is read from the counters.
 *
 * @module
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import {
  POOL_PORT,
  type PoolReply,
  type PoolRequest,
  type PoolWorkerConfig,
  PROGRESS_DONE,
  PROGRESS_SENT,
  PROGRESS_STARTED,
  PROGRESS_WORDS,
} from "./_protocol.ts";
import { poolWorkerLoop } from "./_worker.ts";
import type { TargetRef } from "../_kernel/protocol.ts";
import { type ActorHandle, sendSystem } from "../_kernel/actor_handle.ts";
import { runtime } from "../_kernel/runtime.ts";
import type { Timer } from "../_shm/time.ts";
import type { Unit } from "./_task_queue.ts";
import { WorkerDiedError } from "./errors.ts";
import { Process } from "../process.ts";

/** How to start a worker, and where its replies and its exit go. */
export interface WorkerStart {
  initializer: TargetRef | null;
  initargs: unknown[];
  /** The worker's heap limit in MiB; the default limit when undefined. */
  maxWorkerMemoryMb: number | undefined;
  /** The worker's initializer ran (it acknowledged its start): it takes timed units. */
  onReady: (slot: WorkerSlot) => void;
  onReply: (slot: WorkerSlot, reply: PoolReply) => void;
  onExit: (slot: WorkerSlot) => void;
}

/** A pool worker's process and the units it was sent. */
export class WorkerSlot {
  readonly process: Process;
  /** The functions this worker was sent the definitions of. */
  readonly knownFunctions = new Set<number>();
  /** Units sent, for `maxTasksPerChild`. */
  assigned = 0;
  /** The worker acknowledged its start, once its initializer ran. */
  ready = false;
  /** It gets no more units: it was told to stop, or it is being killed. */
  stopping = false;
  exited = false;
  /** The timer of a unit with a time limit; the worker gets nothing else meanwhile. */
  timer: Timer | undefined = undefined;
  /** After the exit: waits for results still in the link. */
  grace: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Its units are settled and it left the pool: nothing it sends counts any more. */
  buried = false;
  readonly #port: MessagePort;
  readonly #progress: Int32Array;
  /** Units sent and not yet answered, oldest first from `#head`: unit `#delivered` first. */
  #inflight: Unit[] = [];
  #head = 0;
  /** Units answered: the number of the next unit to answer. */
  #delivered = 0;

  /** Starts the worker's process and hands it its end of the link. */
  constructor(start: WorkerStart) {
    const progress = new SharedArrayBuffer(PROGRESS_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const config: PoolWorkerConfig = {
      initializer: start.initializer,
      initargs: start.initargs,
      progress,
    };
    const process = new Process({
      target: poolWorkerLoop,
      args: [config],
      daemon: true,
      maxMemoryMb: start.maxWorkerMemoryMb,
      initAck: true,
      // On this machine whatever the program's default context: the worker shares its progress
      // words and its link with the pool, and shared memory does not cross machines.
      placement: "local",
    });
    process.name = process.name.replace(/^Process/, "PoolWorker");
    // A failed start (its initializer threw, say) shows as the worker's exit, which the engine
    // handles.
    process.start().then(() => start.onReady(this), () => {});
    const child = runtime.liveChildren().find((record) => record.handle === process)!;
    const { port1, port2 } = new MessageChannel();
    // The worker's mailbox has room (nothing else is sent to it), so the link is posted now.
    void (process.ref as ActorHandle)[sendSystem](POOL_PORT, port2, [port2]);
    this.process = process;
    this.#port = port1;
    this.#progress = new Int32Array(progress);
    // The web listener: Deno's `on("message")` walks every message looking for ports to patch.
    port1.addEventListener(
      "message",
      (event) => start.onReply(this, (event as MessageEvent<PoolReply>).data),
    );
    port1.start();
    port1.unref();
    void child.exited.promise.then(() => start.onExit(this));
  }

  /** The number of units sent and not answered yet. */
  get inflight(): number {
    return this.#inflight.length - this.#head;
  }

  /** Sends `request`, which carries `units`: they are numbered after those sent before. */
  send(request: PoolRequest, units: Unit[]): void {
    for (const unit of units) this.#inflight.push(unit);
    this.assigned += units.length;
    this.#port.postMessage(request);
  }

  /** Tells the worker to finish its loop once its units are done, so it exits with code 0. */
  retire(): void {
    this.stopping = true;
    const stop: PoolRequest = { type: "stop" };
    this.#port.postMessage(stop);
  }

  /**
   * Checks that results start at the next unit to answer.
   *
   * @throws {Error} If the worker numbered them otherwise: it broke the protocol.
   */
  checkFirst(first: number): void {
    if (first === this.#delivered) return;
    throw new Error(
      `Pool worker "${this.process.name}" broke the pool protocol: results from unit ` +
        `${first}, expected ${this.#delivered}`,
    );
  }

  /** The unit the next result is for, now answered. */
  nextAnswered(): Unit {
    this.#delivered++;
    return this.#inflight[this.#head++];
  }

  /** Forgets the answered units once they are half the list: call after a reply's results. */
  compact(): void {
    if (this.#head * 2 >= this.#inflight.length) {
      this.#inflight = this.#inflight.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The units sent and not answered yet, oldest first. */
  unanswered(): Unit[] {
    return this.#inflight.slice(this.#head);
  }

  /** True once every result the worker counted as sent has arrived. */
  allResultsIn(): boolean {
    return this.#delivered >= Atomics.load(this.#progress, PROGRESS_SENT);
  }

  /** Stops listening: after the exit, nothing more is expected. */
  close(): void {
    clearTimeout(this.grace);
    this.#port.close();
  }

  /**
   * Settles what the dead worker had not answered, by its progress counters: the units whose
   * results it computed but never sent, and the one it was running, fail with
   * {@linkcode WorkerDiedError}. Returns those it never started.
   */
  failStarted(): Unit[] {
    const lost = this.unanswered();
    const done = Atomics.load(this.#progress, PROGRESS_DONE) - this.#delivered;
    const started = Atomics.load(this.#progress, PROGRESS_STARTED) - this.#delivered;
    for (let index = 0; index < Math.min(started, lost.length); index++) {
      const unit = lost[index];
      if (unit.owner.done) continue;
      unit.owner.rejectUnit(unit, this.#diedError(unit.label, index < done));
    }
    return lost.slice(Math.max(0, started));
  }

  /**
   * Fails units that only this dead worker could run (their handles were given to it) and that
   * it never started.
   */
  failStranded(units: Unit[]): void {
    for (const unit of units) {
      if (!unit.owner.done) unit.owner.rejectUnit(unit, this.#strandedError(unit.label));
    }
  }

  /**
   * The error of a unit lost with this worker: the one it was running, or (`resultLost`) one
   * it had completed, whose result was still in the worker's memory when it died.
   */
  #diedError(label: string, resultLost: boolean): WorkerDiedError {
    const { process } = this;
    const when = resultLost ? "after running it, before sending its result" : "while running it";
    return new WorkerDiedError(
      `Task "${label}" failed: pool worker "${process.name}" (pid ${process.pid}) died with ` +
        `exitcode ${process.exitcode} ${when}`,
      { cause: process.error ?? undefined },
    );
  }

  /** The error of a unit that had to run on this worker, which died before it started it. */
  #strandedError(label: string): WorkerDiedError {
    const { process } = this;
    return new WorkerDiedError(
      `Task "${label}" failed: pool worker "${process.name}" (pid ${process.pid}) died with ` +
        `exitcode ${process.exitcode} before it started it; the handles among its arguments ` +
        "were given to that worker, so it could not run on another: submit it again",
      { cause: process.error ?? undefined },
    );
  }
}
