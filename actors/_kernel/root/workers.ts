/**
 * The Workers of actors: built with the resource limits that let V8 end one whose heap is full,
 * and one kept booted ahead of need, its library loaded, as Python's forkserver keeps a server
 * ready to fork.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import type { ActorSpec, HostCommand } from "../protocol.ts";

/** Workers only take file and data URLs: a host served over http(s) is reached through a data URL. */
function workerUrl(host: string): URL {
  const url = new URL(host);
  if (url.protocol === "file:") return url;
  const source = `import ${JSON.stringify(url.href)};`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/**
 * How long the program must go without a start before the standby is replaced. Deno builds a
 * Worker synchronously on the creating thread (about 25 ms here), and the new worker then loads
 * its modules on another core: done in the middle of the program's work (right after a start,
 * while a parent and its new child exchange their first messages), that is a stall of the
 * main thread and a core taken from the actors. Waiting for a quiet moment moves it out of the way;
 * a burst of starts boots its workers directly and gets its standby once the burst is over.
 */
export const STANDBY_IDLE_MS = 50;

/**
 * Builds the workers of actors. A start skips the worker's boot by taking the standby, booted
 * for the worker program of the first spawn, which imports that spawn's warm modules (the
 * library) while it waits. The replacement is built by {@linkcode replenish} once starts have
 * paused for {@linkcode STANDBY_IDLE_MS}.
 */
export class WorkerFactory {
  #standby: Worker | null = null;
  /** The worker program and warm modules of the first spawn, the ones standbys boot with. */
  #standbyKind: Pick<ActorSpec, "host" | "warm"> | null = null;
  #refill: ReturnType<typeof setTimeout> | undefined;

  /**
   * A worker for `spec`: the standby when it fits.
   *
   * @throws {Error} When Deno cannot create the worker (no read access to its host, for instance).
   */
  take(spec: Pick<ActorSpec, "host" | "warm" | "maxMemoryMb">): Worker {
    this.#standbyKind ??= { host: spec.host, warm: spec.warm };
    // A start postpones the refill: starts come in bursts, and the refill waits for a pause.
    if (this.#refill !== undefined) this.replenish();
    if (spec.maxMemoryMb !== undefined || spec.host !== this.#standbyKind.host) {
      return this.#boot(spec.host, spec.maxMemoryMb);
    }
    const worker = this.#standby ?? this.#boot(spec.host);
    this.#standby = null;
    return worker;
  }

  /**
   * Builds the next standby once starts have paused for {@linkcode STANDBY_IDLE_MS}. A standby
   * that cannot be built is not an error of any start: the next start boots its own worker and
   * reports that.
   */
  replenish(): void {
    clearTimeout(this.#refill);
    this.#refill = setTimeout(() => {
      this.#refill = undefined;
      if (this.#standby !== null || this.#standbyKind === null) return;
      try {
        const standby = this.#boot(this.#standbyKind.host);
        const warm: HostCommand = { type: "warm", modules: this.#standbyKind.warm };
        standby.postMessage(warm);
        this.#standby = standby;
      } catch {
        this.#standby = null;
      }
    }, STANDBY_IDLE_MS);
    Deno.unrefTimer(this.#refill as unknown as number);
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
