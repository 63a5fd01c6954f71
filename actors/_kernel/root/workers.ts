/**
 * The Workers of actors: built with the resource limits that let V8 end one whose heap is full,
 * never without the file descriptors a boot needs, and two kept booted ahead of need with the
 * library loaded, as Python's forkserver keeps a server ready to fork.
 *
 * @module
 */
import process from "node:process";
import { SHARE_ENV, Worker } from "node:worker_threads";
import type { ActorSpec, HostCommand } from "../protocol.ts";
import { SpawnError } from "../../errors.ts";

/**
 * Descriptors a worker may need while it boots: six once it runs, more while it loads its
 * modules. Deno 2.9 panics, ending the program, when it builds a Worker without them.
 */
const DESCRIPTORS_PER_BOOT = 32;

/**
 * Whether the program can still open {@linkcode DESCRIPTORS_PER_BOOT} file descriptors, found by
 * opening that many (about 0.2 ms; `/proc/self` would need `--allow-all`); true where it cannot
 * be known (no read access to `/dev/null` granted, which is never prompted for, or no
 * `/dev/null`).
 */
function descriptorsToBoot(): boolean {
  if (Deno.build.os === "windows") return true;
  if (Deno.permissions.querySync({ name: "read", path: "/dev/null" }).state !== "granted") {
    return true;
  }
  const probes: Deno.FsFile[] = [];
  try {
    while (probes.length < DESCRIPTORS_PER_BOOT) probes.push(Deno.openSync("/dev/null"));
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code !== "EMFILE";
  } finally {
    for (const probe of probes) probe.close();
  }
}

/** Workers only take file and data URLs: a host served over http(s) is reached through a data URL. */
function workerUrl(host: string): URL {
  const url = new URL(host);
  if (url.protocol === "file:") return url;
  const source = `import ${JSON.stringify(url.href)};`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/**
 * How long a quiet moment lasts before a standby is built: no start, and the whole program
 * (every thread) using at most {@linkcode QUIET_CPU_SHARE} of one core. Deno builds a Worker
 * synchronously on the creating thread (25-60 ms here), and the new worker then loads the
 * library on another core (50-100 ms; about 110 ms of CPU in all): done right after a start, that
 * stalls the parent's first exchange with its child (a Pool's first map took 62-75 ms instead of
 * 21-25), and done among actors at work, it takes a core from them.
 */
const STANDBY_QUIET_MS = 30;

/** The share of one core the program may use during a quiet moment (see STANDBY_QUIET_MS). */
const QUIET_CPU_SHARE = 0.25;

/**
 * How long after building a standby the next one is built, in a run of starts back to back:
 * about the time the first takes to import the library, so that two builds never stall the main
 * thread back to back or take both cores together.
 */
const STANDBY_SPACING_MS = 100;

/**
 * How many standbys are kept: enough for the seeds' `Pool(2)`, or a parent and its helper, to
 * start without a boot. Each costs about 19 MiB of memory while it waits (a bare Worker 13).
 */
const STANDBY_COUNT = 2;

/**
 * Builds the workers of actors. A start skips the worker's boot by taking a standby, booted for
 * the worker program of the first spawn, which imports that spawn's warm modules (the library)
 * while it waits. Replacements are built by {@linkcode replenish}.
 */
export class WorkerFactory {
  /** Booted workers waiting for a start, oldest (most likely fully loaded) first. */
  readonly #standbys: Worker[] = [];
  /** The worker program and warm modules of the first spawn, the ones standbys boot with. */
  #standbyKind: Pick<ActorSpec, "host" | "warm"> | null = null;
  /** A pending build: at the next quiet moment, or, back to back, at a fixed time. */
  #refill: ReturnType<typeof setTimeout> | undefined;
  /** Back to back: the pending replacement of the standby the last start took. */
  #replacement: ReturnType<typeof setTimeout> | undefined;
  /** Whether the pending refill waits for a quiet moment. */
  #refillWhenQuiet = false;
  /**
   * Whether starts come back to back: one found no standby, and no quiet moment came since.
   * Standbys are then replaced at once, since no quiet moment may come before the next start.
   */
  #backToBack = false;

  /**
   * A worker for `spec`: a standby when one fits.
   *
   * @throws {SpawnError} When the program has too few file descriptors left to build one.
   * @throws {Error} When Deno cannot create the worker (no read access to its host, for instance).
   */
  take(spec: Pick<ActorSpec, "host" | "warm" | "maxMemoryMb">): Worker {
    // The first spawn finds no standby as a matter of course: it names their kind.
    const first = this.#standbyKind === null;
    this.#standbyKind ??= { host: spec.host, warm: spec.warm };
    const fits = spec.maxMemoryMb === undefined && spec.host === this.#standbyKind.host;
    const standby = fits ? this.#standbys.shift() : undefined;
    if (fits && standby === undefined && !first) this.#backToBack = true;
    // A start postpones a refill waiting for a quiet moment: starts come in bursts.
    if (this.#refill !== undefined && this.#refillWhenQuiet) this.#arm(STANDBY_QUIET_MS);
    return standby ?? this.#boot(spec.host, spec.maxMemoryMb);
  }

  /**
   * Refills the standbys once a child runs, one per quiet moment (see
   * {@linkcode STANDBY_QUIET_MS}). Once a start has found none, starts are back to back: then
   * the next is built at the next turn of the event loop, after the parent has heard of its
   * child, and another missing one {@linkcode STANDBY_SPACING_MS} later, so that with two in
   * turn each start takes one that has had the time of two starts to load the library; the cost
   * (about 110 ms of CPU per start, what a start without a standby spends loading the library
   * itself) lands in whatever the program does right after a start. A standby that cannot be
   * built is not an error of any start: the next start boots its own worker and reports that.
   */
  replenish(): void {
    if (!this.#backToBack) return this.#arm(STANDBY_QUIET_MS);
    this.#replacement ??= this.#later(0, () => {
      this.#replacement = undefined;
      // The spaced build of another missing one keeps its time, if it has one already.
      if (this.#build() && (this.#refill === undefined || this.#refillWhenQuiet)) {
        this.#arm(STANDBY_SPACING_MS);
      }
    });
  }

  /**
   * Builds the missing standbys, the first after `delayMs` (at a quiet moment, for a quiet
   * moment's). With none missing, back to back, it waits for a quiet moment to end the run.
   */
  #arm(delayMs: number): void {
    clearTimeout(this.#refill);
    this.#refill = undefined;
    const full = this.#standbyKind === null || this.#standbys.length >= STANDBY_COUNT;
    if (full && !this.#backToBack) return;
    const whenQuiet = full || delayMs === STANDBY_QUIET_MS;
    if (whenQuiet) delayMs = STANDBY_QUIET_MS;
    const since = { cpu: process.cpuUsage(), wall: performance.now() };
    this.#refillWhenQuiet = whenQuiet;
    this.#refill = this.#later(delayMs, () => {
      this.#refill = undefined;
      if (whenQuiet) {
        const used = process.cpuUsage(since.cpu);
        const cpuMs = (used.user + used.system) / 1000;
        if (cpuMs > QUIET_CPU_SHARE * (performance.now() - since.wall)) {
          return this.#arm(STANDBY_QUIET_MS);
        }
        this.#backToBack = false;
      }
      if (this.#build()) this.#arm(this.#backToBack ? STANDBY_SPACING_MS : STANDBY_QUIET_MS);
    });
  }

  /** Builds a standby if one is missing; true if it did. */
  #build(): boolean {
    const kind = this.#standbyKind;
    if (kind === null || this.#standbys.length >= STANDBY_COUNT) return false;
    try {
      const standby = this.#boot(kind.host);
      const warm: HostCommand = { type: "warm", modules: kind.warm };
      standby.postMessage(warm);
      this.#standbys.push(standby);
      return true;
    } catch {
      return false;
    }
  }

  /** Runs `fn` after `delayMs` without keeping the program alive. */
  #later(delayMs: number, fn: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(fn, delayMs);
    Deno.unrefTimer(timer as unknown as number);
    return timer;
  }

  /**
   * Resource limits, even empty, make V8 end a worker whose heap is full (an `error` event
   * with code `ERR_WORKER_OUT_OF_MEMORY`, then `exit` with code 1) instead of aborting the
   * whole program, which it does for a worker without them. Deno 2.9 ends the worker only when
   * the heap fills in a macrotask (a timer, `setImmediate`, a module's top level); filled in a
   * promise continuation, the code running is dropped and the worker lives on, reporting
   * nothing (the pool runs its tasks from `setImmediate` for this reason).
   */
  #boot(host: string, maxMemoryMb?: number): Worker {
    if (!descriptorsToBoot()) {
      throw new SpawnError(
        `Cannot start a process: fewer than ${DESCRIPTORS_PER_BOOT} file descriptors are free, ` +
          "and building a worker without them would end the program; close files or sockets, " +
          "or raise the limit (ulimit -n)",
      );
    }
    const resourceLimits = maxMemoryMb === undefined ? {} : { maxOldGenerationSizeMb: maxMemoryMb };
    // SHARE_ENV: without it, the Worker copies process.env, which reads the environment and,
    // on a terminal without --allow-env, stops the program at a permission prompt.
    const worker = new Worker(workerUrl(host), { resourceLimits, env: SHARE_ENV });
    worker.unref();
    const discard = () => {
      const index = this.#standbys.indexOf(worker);
      if (index !== -1) this.#standbys.splice(index, 1);
    };
    worker.once("exit", discard);
    worker.once("error", discard);
    return worker;
  }
}
