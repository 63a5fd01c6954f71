import { RestartIntensity } from "./_restart_intensity.ts";
import {
  inspect,
  type Inspectable,
  type Inspection,
  registerInspectable,
} from "../_shm/inspect.ts";
import { checkTimeout, describeValue } from "../_shm/time.ts";
import { ProcessStateError } from "../errors.ts";
import { SupervisorGaveUpError } from "./errors.ts";
import { type ExitReason, exitReason, isAbnormal } from "../exit_reason.ts";
import { Process } from "../process.ts";
import type { Placement } from "../placement.ts";
import { checkPlacement } from "../_kernel/root/remote.ts";

/**
 * Which children a {@linkcode Supervisor} restarts when one of them ends and must be
 * restarted, as in Erlang/OTP:
 *
 * - `"oneForOne"`: only that child.
 * - `"oneForAll"`: all of them; the others are terminated first, in reverse start order, then
 *   all are started again in order.
 * - `"restForOne"`: that child and the children started after it; those are terminated first,
 *   in reverse start order, then restarted in order.
 */
export type SupervisorStrategy = "oneForOne" | "oneForAll" | "restForOne";

/**
 * When a child is restarted after it ends, as in Erlang/OTP:
 *
 * - `"permanent"`: always, even after a normal exit.
 * - `"transient"`: only after an abnormal exit (an error, a non-zero exit code, terminate or
 *   kill by someone other than the supervisor).
 * - `"temporary"`: never; it leaves the supervisor's children once it ends, or when the
 *   supervisor terminates it for its strategy.
 */
export type RestartPolicy = "permanent" | "transient" | "temporary";

/**
 * How a {@linkcode Supervisor} starts one child: Erlang's child specification. The child is an
 * ordinary {@linkcode Process} running `target(...args)`.
 *
 * @typeParam A The target's parameter types. Annotate a spec as `ChildSpec<[number]>` to have
 * `args` checked against `target`; in a `children` array every target is accepted.
 *
 * @example A transient child with arguments
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ChildSpec } from "../../mod.ts";
 * import { sendMail } from "../../examples/doc_targets.ts";
 *
 * const mailer: ChildSpec<[number]> = {
 *   id: "mailer",
 *   target: sendMail,
 *   args: [1],
 *   restart: "transient",
 * };
 * assert.equal(mailer.id, "mailer");
 * ```
 */
export interface ChildSpec<A extends unknown[] = unknown[]> {
  /** The child's id, unique among the supervisor's children. */
  id: string;
  /**
   * The function the child process runs. As for any {@linkcode Process}, the worker must be
   * able to import it: export it from the program's main module, or register it with
   * `task(import.meta, fn)`.
   */
  target(...args: A): unknown;
  /**
   * The target's arguments, copied to every new process of this child.
   *
   * @default {[]}
   */
  args?: A;
  /**
   * When the child is restarted after it ends.
   *
   * @default {"permanent"}
   */
  restart?: RestartPolicy;
  /**
   * The name of the child's processes.
   *
   * @default {the child's id}
   */
  name?: string;
  /**
   * Whether the child's processes are daemonic.
   *
   * @default {the daemon flag of the actor running the supervisor}
   */
  daemon?: boolean;
  /**
   * Where the child's processes run (see {@linkcode Placement}): with `"any"`, a child whose
   * agent was lost is restarted on another.
   *
   * @default {as for any Process}
   */
  placement?: Placement;
}

/**
 * What {@linkcode SupervisorOptions.onRestart} receives: one event for every restart the
 * supervisor counts towards its restart intensity, after the new processes have started.
 *
 * @example Logging restarts
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RestartEvent, Supervisor } from "../../mod.ts";
 * import { idleForever } from "../../examples/doc_targets.ts";
 *
 * const log = (event: RestartEvent) =>
 *   console.log(`${event.id} ended (${event.reason.kind}), restart ${event.restarts}`);
 * const supervisor = new Supervisor({
 *   children: [{ id: "service", target: idleForever }],
 *   onRestart: log,
 * });
 * assert.equal(supervisor.whichChildren()[0].process, null);
 * ```
 */
export interface RestartEvent {
  /** The name of the supervisor that restarted the child. */
  supervisor: string;
  /** The id of the child that ended. */
  id: string;
  /** How it ended. */
  reason: ExitReason;
  /** How many times this child has been restarted after it ended, this restart included. */
  restarts: number;
  /** The pid of the child's new process. */
  pid: number;
  /**
   * The ids of every child started again, in start order: the child alone for `oneForOne`,
   * more for `oneForAll` and `restForOne`.
   */
  restarted: string[];
}

/**
 * One of a supervisor's current children, as Erlang's `which_children` lists it.
 *
 * @example Listing the children of a supervisor that has not started
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ChildInfo, Supervisor } from "../../mod.ts";
 * import { idleForever } from "../../examples/doc_targets.ts";
 *
 * const supervisor = new Supervisor({ children: [{ id: "service", target: idleForever }] });
 * const [info]: ChildInfo[] = supervisor.whichChildren();
 * assert.deepEqual(
 *   { id: info.id, restart: info.restart, process: info.process },
 *   { id: "service", restart: "permanent", process: null },
 * );
 * ```
 */
export interface ChildInfo {
  /** The child's id. */
  id: string;
  /** Its current process, or null while it is not running (before start, after its end). */
  process: Process | null;
  /** Its restart policy. */
  restart: RestartPolicy;
}

/** Options of {@linkcode Supervisor}: Erlang's supervisor flags and child specifications. */
export interface SupervisorOptions {
  /**
   * The supervisor's name, used in its errors and restart events.
   *
   * @default {"Supervisor-1", "Supervisor-2", ... in creation order}
   */
  name?: string;
  /**
   * Which children are restarted when one must be.
   *
   * @default {"oneForOne"}
   */
  strategy?: SupervisorStrategy;
  /**
   * OTP's intensity: the supervisor gives up when it would restart more than this many times
   * within `periodMs`. A non-negative integer, or `Infinity` to never give up.
   *
   * @default {3}
   */
  maxRestarts?: number;
  /**
   * OTP's period, in milliseconds: a number > 0, or `Infinity` to count every restart ever.
   *
   * @default {5000}
   */
  periodMs?: number;
  /** The children, started in this order and stopped in the reverse order. */
  children: ChildSpec[];
  /**
   * Called after each restart. What it throws is reported as an uncaught error of the actor
   * running the supervisor, never swallowed.
   */
  onRestart?: (event: RestartEvent) => void;
}

const STRATEGIES: readonly string[] = ["oneForOne", "oneForAll", "restForOne"];
const OPTIONS: readonly string[] = [
  "name",
  "strategy",
  "maxRestarts",
  "periodMs",
  "children",
  "onRestart",
];
const CHILD_OPTIONS: readonly string[] = [
  "id",
  "target",
  "args",
  "restart",
  "name",
  "daemon",
  "placement",
];
const POLICIES: readonly string[] = ["permanent", "transient", "temporary"];

type State = "initial" | "starting" | "running" | "stopped" | "failed" | "gaveUp";

interface ChildEntry {
  readonly id: string;
  readonly target: (...args: unknown[]) => unknown;
  readonly args: unknown[];
  readonly restart: RestartPolicy;
  readonly name: string;
  readonly daemon: boolean | undefined;
  readonly placement: Placement | undefined;
  process: Process | null;
  restarts: number;
}

let supervisorCount = 0;

/**
 * An Erlang/OTP supervisor: it starts its children as ordinary {@linkcode Process}es, watches
 * them, and restarts them by their {@linkcode RestartPolicy} and its
 * {@linkcode SupervisorStrategy}. When it would restart more than `maxRestarts` times within
 * `periodMs`, it terminates every child and gives up: {@linkcode Supervisor.prototype.join}
 * rejects with {@linkcode SupervisorGaveUpError}.
 *
 * The supervisor runs inside the actor that creates it, the main program or a process. A
 * process whose target starts a supervisor and awaits its `join()` is itself a good child
 * for another supervisor: when the inner one gives up, its process fails and the outer one
 * restarts it, which makes a supervision tree. Children the supervisor terminates for its
 * strategy, or to stop, never count as failures.
 *
 * @example Restart a child that was killed
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RestartEvent, Supervisor } from "../../mod.ts";
 * import { idleForever } from "../../examples/doc_targets.ts";
 *
 * const restarted = Promise.withResolvers<RestartEvent>();
 * await using supervisor = new Supervisor({
 *   strategy: "oneForOne",
 *   children: [{ id: "service", target: idleForever }],
 *   onRestart: (event) => restarted.resolve(event),
 * });
 * await supervisor.start();
 * const first = supervisor.child("service")!;
 * await first.kill();
 * const event = await restarted.promise;
 * assert.equal(event.id, "service");
 * assert.equal(event.reason.kind, "killed");
 * assert.equal(supervisor.child("service")!.pid, event.pid);
 * assert.notEqual(event.pid, first.pid);
 * ```
 *
 * @example Give up on a child that keeps crashing
 * ```ts
 * import assert from "node:assert/strict";
 * import { Supervisor, SupervisorGaveUpError } from "../../mod.ts";
 * import { crashAtOnce } from "../../examples/doc_targets.ts";
 *
 * const supervisor = new Supervisor({
 *   maxRestarts: 1,
 *   children: [{ id: "broken", target: crashAtOnce, args: ["bad configuration"] }],
 * });
 * await supervisor.start();
 * await assert.rejects(supervisor.join(), SupervisorGaveUpError);
 * assert.equal(supervisor.child("broken"), undefined);
 * ```
 */
export class Supervisor {
  readonly #name: string;
  readonly #strategy: SupervisorStrategy;
  readonly #periodMs: number;
  readonly #maxRestarts: number;
  readonly #intensity: RestartIntensity;
  readonly #onRestart: ((event: RestartEvent) => void) | undefined;
  #entries: ChildEntry[];
  #state: State = "initial";
  /** Every start, exit, restart and stop runs in turn, in the order it arrived. */
  #queue: Promise<void> = Promise.resolve();
  readonly #done = Promise.withResolvers<void>();
  /** What an observer lists; it lives as long as the supervisor. */
  readonly #inspector: Inspectable = {
    [inspect]: () => this.#inspect(),
  };

  /**
   * Creates a supervisor; nothing runs until {@linkcode Supervisor.prototype.start}.
   *
   * @param options The strategy, the restart intensity, the children and a restart callback.
   * @throws {TypeError} If an option has the wrong type or is unknown, the strategy or a
   * restart policy is unknown, or two children have the same id.
   * @throws {RangeError} If `maxRestarts` is not a non-negative integer (or Infinity) or
   * `periodMs` is not a positive number (or Infinity).
   */
  constructor(options: SupervisorOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create supervisor: options must be an object, got ${describeValue(options)}`,
      );
    }
    checkKeys(options, OPTIONS, "Cannot create supervisor", "option");
    const { name, strategy = "oneForOne", maxRestarts = 3, periodMs = 5000, children, onRestart } =
      options;
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError(`Cannot create supervisor: name must be a string, got ${typeof name}`);
    }
    this.#name = name ?? `Supervisor-${++supervisorCount}`;
    const creating = `create supervisor "${this.#name}"`;
    const action = `Cannot ${creating}`;
    if (!STRATEGIES.includes(strategy)) {
      throw new TypeError(
        `${action}: strategy must be "oneForOne", "oneForAll" or "restForOne", got ${
          JSON.stringify(strategy)
        }`,
      );
    }
    if (
      typeof maxRestarts !== "number" || !(maxRestarts >= 0) ||
      !(Number.isInteger(maxRestarts) || maxRestarts === Infinity)
    ) {
      throw new RangeError(
        `${action}: maxRestarts must be a non-negative integer or Infinity, got ${maxRestarts}`,
      );
    }
    // checkTimeout refuses what is not a number, negatives and NaN; a period must also be > 0.
    if (periodMs === null || checkTimeout(periodMs, creating, "periodMs") === 0) {
      throw new RangeError(
        `${action}: periodMs must be a number of milliseconds > 0 (or Infinity), got ${periodMs}`,
      );
    }
    if (onRestart !== undefined && typeof onRestart !== "function") {
      throw new TypeError(
        `${action}: onRestart must be a function, got ${typeof onRestart}`,
      );
    }
    if (!Array.isArray(children)) {
      throw new TypeError(`${action}: children must be an array of child specs, got ${children}`);
    }
    this.#strategy = strategy;
    this.#maxRestarts = maxRestarts;
    this.#periodMs = periodMs;
    this.#intensity = new RestartIntensity(maxRestarts, periodMs);
    this.#onRestart = onRestart;
    this.#entries = [];
    for (const [index, spec] of children.entries()) {
      const entry = entryOf(spec, index, action);
      if (this.#entries.some((other) => other.id === entry.id)) {
        throw new TypeError(`${action}: duplicate child id ${JSON.stringify(entry.id)}`);
      }
      this.#entries.push(entry);
    }
    // join() hands this promise out; a supervisor nobody joins must not crash its actor.
    this.#done.promise.catch(() => {});
    registerInspectable(this.#inspector);
  }

  /** Its state, strategy, children with their restarts, and the restart intensity window. */
  #inspect(): Inspection {
    const children = this.#entries.map((entry) => ({
      id: entry.id,
      pid: entry.process?.pid ?? null,
      restart: entry.restart,
      restarts: entry.restarts,
    }));
    return {
      kind: "supervisor",
      label: this.#name,
      state: {
        state: this.#state,
        strategy: this.#strategy,
        children,
        restarts: children.reduce((sum, child) => sum + child.restarts, 0),
        recentRestarts: this.#intensity.count,
        maxRestarts: this.#maxRestarts,
        periodMs: this.#periodMs,
      },
    };
  }

  /** The supervisor's name. */
  get name(): string {
    return this.#name;
  }

  /**
   * Starts the children in order, each once the one before it is running.
   *
   * @returns A promise that resolves once every child runs. If a child cannot start, the
   * children already started are terminated, in reverse order, and the promise rejects with
   * that child's error (so does {@linkcode Supervisor.prototype.join}).
   * @throws {ProcessStateError} If the supervisor was already started or stopped.
   * @throws {TargetNotFoundError} If a child's target cannot be found by its worker.
   * @throws {CloneError} If a child's arguments cannot be copied to a worker.
   */
  async start(): Promise<void> {
    if (this.#state !== "initial") {
      throw new ProcessStateError(
        `Cannot start supervisor "${this.#name}": it was already ${
          this.#state === "stopped" ? "stopped" : "started"
        }; a supervisor runs once, create a new one to start again`,
      );
    }
    this.#state = "starting";
    await this.#enqueue(() => this.#startAll());
  }

  /**
   * Stops the supervisor: terminates the children in reverse start order, waiting for each to
   * end, after any restart in progress. Stopping a supervisor that has ended does nothing.
   *
   * @returns A promise that resolves once every child has ended; then
   * {@linkcode Supervisor.prototype.join} resolves.
   */
  async stop(): Promise<void> {
    if (this.#state === "initial") {
      this.#state = "stopped";
      this.#done.resolve();
      return;
    }
    await this.#enqueue(async () => {
      if (this.#state !== "running") return;
      this.#state = "stopped";
      await this.#terminate(this.#entries);
      this.#done.resolve();
    });
  }

  /**
   * Waits until the supervisor ends.
   *
   * @returns A promise that resolves after {@linkcode Supervisor.prototype.stop}.
   * @throws {SupervisorGaveUpError} When the restart intensity was exceeded: every child was
   * terminated first. Its `cause` is the error the last failing child died of, if any.
   * @throws {ProcessStateError} If the supervisor was never started.
   */
  async join(): Promise<void> {
    if (this.#state === "initial") {
      throw new ProcessStateError(
        `Cannot join supervisor "${this.#name}": it was not started; call start() first`,
      );
    }
    await this.#done.promise;
  }

  /**
   * Lists the current children in start order, as Erlang's `which_children`. Temporary
   * children leave the list once they end.
   *
   * @returns Each child's id, current process (null while not running) and restart policy.
   */
  whichChildren(): ChildInfo[] {
    return this.#entries.map(({ id, process, restart }) => ({ id, process, restart }));
  }

  /**
   * The running process of one child.
   *
   * @param id The child's id.
   * @returns Its current process, or undefined if it is not running or not a child.
   */
  child(id: string): Process | undefined {
    return this.#entries.find((entry) => entry.id === id)?.process ?? undefined;
  }

  /** Stops the supervisor: `await using supervisor = new Supervisor(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #startAll(): Promise<void> {
    for (const entry of this.#entries) {
      try {
        await this.#launch(entry);
      } catch (error) {
        this.#state = "failed";
        const failed = entry.process;
        await this.#terminate(this.#entries);
        await failed?.join();
        this.#done.reject(error);
        throw error;
      }
    }
    this.#state = "running";
  }

  /** Starts a new process for `entry` and watches it; throws at once if it cannot start. */
  #launch(entry: ChildEntry): Promise<void> {
    const { target, args, name, daemon, placement } = entry;
    const process = new Process({ target, args, name, daemon, placement });
    const started = process.start();
    // A start refused at the call (arguments that cannot be copied) leaves nothing to watch.
    if (process.pid === undefined) return started;
    entry.process = process;
    void process.join().then(() => this.#enqueue(() => this.#exited(entry, process)));
    return started;
  }

  async #exited(entry: ChildEntry, process: Process): Promise<void> {
    // An exit the supervisor caused, or one of a process already replaced, is no failure.
    if (this.#state !== "running" || entry.process !== process) return;
    const reason = exitReason(process.pid!, process.exitcode, process.error);
    if (entry.restart === "temporary") {
      this.#entries = this.#entries.filter((other) => other !== entry);
      return;
    }
    entry.process = null;
    if (entry.restart === "transient" && !isAbnormal(reason)) return;
    if (!this.#intensity.record(performance.now())) {
      await this.#giveUp(
        new SupervisorGaveUpError(
          `Supervisor "${this.#name}" gave up: ${this.#intensity.count} restarts within ` +
            `${this.#periodMs} ms, more than maxRestarts ${this.#maxRestarts}; the last: child ` +
            `"${entry.id}" ${describe(reason)}`,
          { cause: reason.error ?? undefined },
        ),
      );
      return;
    }
    entry.restarts++;
    try {
      const restarted = await this.#restart(entry);
      this.#report({
        supervisor: this.#name,
        id: entry.id,
        reason,
        restarts: entry.restarts,
        pid: entry.process!.pid!,
        restarted,
      });
    } catch (error) {
      await this.#giveUp(
        new SupervisorGaveUpError(
          `Supervisor "${this.#name}" gave up: it could not restart child "${entry.id}": ${
            (error as Error).message
          }`,
          { cause: error },
        ),
      );
    }
  }

  /** Applies the strategy after `entry` ended; returns the ids started again. */
  async #restart(entry: ChildEntry): Promise<string[]> {
    const index = this.#entries.indexOf(entry);
    const scope = this.#strategy === "oneForOne"
      ? [entry]
      : this.#strategy === "oneForAll"
      ? [...this.#entries]
      : this.#entries.slice(index);
    await this.#terminate(scope);
    const restarted = scope.filter((other) => other === entry || other.restart !== "temporary");
    this.#entries = this.#entries.filter((other) =>
      !scope.includes(other) || restarted.includes(other)
    );
    for (const other of restarted) {
      // A start that fails ends the new process; its watch counts that as the child's next exit.
      await this.#launch(other).catch(() => {});
    }
    return restarted.map((other) => other.id);
  }

  /** Terminates the processes of `entries` in reverse order, waiting for each to end. */
  async #terminate(entries: ChildEntry[]): Promise<void> {
    for (const entry of [...entries].reverse()) {
      const process = entry.process;
      entry.process = null;
      if (process !== null) await process.terminate();
    }
  }

  async #giveUp(error: SupervisorGaveUpError): Promise<void> {
    this.#state = "gaveUp";
    await this.#terminate(this.#entries);
    this.#done.reject(error);
  }

  #report(event: RestartEvent): void {
    if (this.#onRestart === undefined) return;
    try {
      this.#onRestart(event);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /** Runs `operation` after every operation queued before it; resolves with its outcome. */
  #enqueue(operation: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(operation);
    // The next operation waits for this one whatever its outcome: the caller gets the outcome.
    this.#queue = run.then(() => {}, () => {});
    return run;
  }
}

function entryOf(spec: ChildSpec, index: number, action: string): ChildEntry {
  if (typeof spec !== "object" || spec === null) {
    throw new TypeError(`${action}: children[${index}] must be a child spec object, got ${spec}`);
  }
  checkKeys(spec, CHILD_OPTIONS, `${action}: children[${index}]`, "child spec option");
  const { id, target, args = [], restart = "permanent", name, daemon, placement } = spec;
  if (typeof id !== "string" || id === "") {
    throw new TypeError(
      `${action}: children[${index}].id must be a non-empty string, got ${JSON.stringify(id)}`,
    );
  }
  const child = `child ${JSON.stringify(id)}`;
  if (typeof target !== "function") {
    throw new TypeError(`${action}: ${child} needs a target function, got ${typeof target}`);
  }
  if (!Array.isArray(args)) {
    throw new TypeError(`${action}: ${child} args must be an array, got ${typeof args}`);
  }
  if (!POLICIES.includes(restart)) {
    throw new TypeError(
      `${action}: ${child} restart must be "permanent", "transient" or "temporary", got ${
        JSON.stringify(restart)
      }`,
    );
  }
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`${action}: ${child} name must be a string, got ${typeof name}`);
  }
  if (daemon !== undefined && typeof daemon !== "boolean") {
    throw new TypeError(`${action}: ${child} daemon must be a boolean, got ${typeof daemon}`);
  }
  return {
    id,
    target: target as (...args: unknown[]) => unknown,
    args: [...args],
    restart,
    name: name ?? id,
    daemon,
    placement: placement === undefined
      ? undefined
      : checkPlacement(placement, `${action}: ${child}`),
    process: null,
    restarts: 0,
  };
}

/** Refuses keys of `options` that are not in `known`, as Python refuses unexpected keywords. */
function checkKeys(options: object, known: readonly string[], prefix: string, what: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `${prefix}: unknown ${what} ${JSON.stringify(key)}; the ${what}s are ${known.join(", ")}`,
      );
    }
  }
}

function describe(reason: ExitReason): string {
  const error = reason.error === null ? "" : `: ${reason.error.name}: ${reason.error.message}`;
  return `exited with code ${reason.exitcode} (${reason.kind})${error}`;
}
