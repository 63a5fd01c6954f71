/**
 * Which pids have reached the root supervisor (spawned, or discarded): with the process table,
 * what tells a reaped actor from one whose spawn is still on its way.
 *
 * @module
 */
import { MAIN_PID } from "../protocol.ts";

/**
 * The pids that have reached the root (spawned, or discarded), in little memory: pids are handed
 * out in increasing order, so all those below a floor have, and only the few above it that
 * arrived ahead of a lower one are kept one by one.
 */
export class SettledPids {
  /** Every pid below this one has reached the root. */
  #floor = MAIN_PID + 1;
  readonly #above = new Set<number>();

  has(pid: number): boolean {
    return pid < this.#floor || this.#above.has(pid);
  }

  add(pid: number): void {
    if (pid < this.#floor) return;
    this.#above.add(pid);
    while (this.#above.delete(this.#floor)) this.#floor++;
  }
}
