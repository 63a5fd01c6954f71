/**
 * The Workers of actors: built with the resource limits that let V8 end one whose heap is full,
 * and one kept booted ahead of need, as Python's forkserver keeps a server ready to fork.
 *
 * @module
 */
import { Worker } from "node:worker_threads";

/** Workers only take file and data URLs: a host served over http(s) is reached through a data URL. */
function workerUrl(host: string): URL {
  const url = new URL(host);
  if (url.protocol === "file:") return url;
  const source = `import ${JSON.stringify(url.href)};`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/**
 * Builds the workers of actors. A start skips the worker's boot by taking the standby, booted
 * for the worker program of the first spawn. Deno builds a Worker synchronously on the creating
 * thread (about 27 ms here), so the replacement is built by {@linkcode replenish}, called once
 * the child that took the standby reports it runs, never in the way of that start.
 */
export class WorkerFactory {
  #standby: Worker | null = null;
  /** The worker program of the first spawn, the one standbys boot: every spawn names its own. */
  #standbyHost: string | null = null;

  /**
   * A worker for the program `host`: the standby when it fits.
   *
   * @throws {Error} When Deno cannot create the worker (no read access to `host`, for instance).
   */
  take(host: string, maxMemoryMb: number | undefined): Worker {
    this.#standbyHost ??= host;
    if (maxMemoryMb !== undefined || host !== this.#standbyHost) {
      return this.#boot(host, maxMemoryMb);
    }
    const worker = this.#standby ?? this.#boot(host);
    this.#standby = null;
    return worker;
  }

  /**
   * Builds the next standby at the next turn of the event loop. A standby that cannot be built
   * is not an error of any start: the next start boots its own worker and reports that.
   */
  replenish(): void {
    const timer = setTimeout(() => {
      try {
        this.#standby ??= this.#boot(this.#standbyHost!);
      } catch {
        this.#standby = null;
      }
    }, 0);
    Deno.unrefTimer(timer as unknown as number);
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
    const resourceLimits = maxMemoryMb === undefined ? {} : { maxOldGenerationSizeMb: maxMemoryMb };
    const worker = new Worker(workerUrl(host), { resourceLimits });
    worker.unref();
    const discard = () => {
      if (this.#standby === worker) this.#standby = null;
    };
    worker.once("exit", discard);
    worker.once("error", discard);
    return worker;
  }
}
