/**
 * The Workers of actors: built with the resource limits that let V8 end one whose heap is full,
 * never without the file descriptors a boot needs, and two kept booted ahead of need with the
 * library loaded, as Python's forkserver keeps a server ready to fork.
 *
 * @module
 */
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
 * How long after building a standby the next one is built, when two are missing: about the time
 * the first takes to import the library on its own thread. Deno builds a Worker synchronously on
 * the creating thread (25-60 ms here), and the new worker then loads the library on another core
 * (50-100 ms; about 110 ms of CPU in all): built together, two would stall the main thread twice
 * in a row and take both cores.
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
  /** The pending replacement of a standby a start took. */
  #replacement: ReturnType<typeof setTimeout> | undefined;
  /** The pending build of another missing standby. */
  #topUp: ReturnType<typeof setTimeout> | undefined;

  /**
   * A worker for `spec`: a standby when one fits.
   *
   * @throws {SpawnError} When the program has too few file descriptors left to build one.
   * @throws {Error} When Deno cannot create the worker (no read access to its host, for instance).
   */
  take(spec: Pick<ActorSpec, "host" | "warm" | "maxMemoryMb">): Worker {
    this.#standbyKind ??= { host: spec.host, warm: spec.warm };
    const fits = spec.maxMemoryMb === undefined && spec.host === this.#standbyKind.host;
    return (fits ? this.#standbys.shift() : undefined) ?? this.#boot(spec.host, spec.maxMemoryMb);
  }

  /**
   * Refills the standbys once a child runs: one at the next turn of the event loop, after the
   * parent has heard of its child, and any other missing one {@linkcode STANDBY_SPACING_MS}
   * later. Two in turn, starts back to back each take one that has had the time of two starts to
   * load the library. The cost lands in whatever the program does right after a start: about 110
   * ms of CPU per start, as a start without a standby would spend loading the library itself. A
   * standby that cannot be built is not an error of any start: the next start boots its own
   * worker and reports that.
   */
  replenish(): void {
    if (this.#replacement !== undefined) return;
    this.#replacement = this.#later(0, () => {
      this.#replacement = undefined;
      this.#build();
    });
  }

  /** Builds a standby if one is missing, and schedules the next if another is. */
  #build(): void {
    if (this.#standbyKind === null || this.#standbys.length >= STANDBY_COUNT) return;
    try {
      const standby = this.#boot(this.#standbyKind.host);
      const warm: HostCommand = { type: "warm", modules: this.#standbyKind.warm };
      standby.postMessage(warm);
      this.#standbys.push(standby);
    } catch {
      return;
    }
    if (this.#topUp !== undefined || this.#standbys.length >= STANDBY_COUNT) return;
    this.#topUp = this.#later(STANDBY_SPACING_MS, () => {
      this.#topUp = undefined;
      this.#build();
    });
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
