/**
 * What actors know of each other's exits: Erlang links (both ways, with exits trapped or
 * propagated), monitors (answered once with the exit reason, also after the exit) and the
 * exit reasons of the last actors to end, for monitors that come late.
 *
 * @module
 */
import { type ExitReport, MAIN_PID } from "../protocol.ts";

/** How many exit reasons are kept for monitors that come after the exit. */
const RECENT_EXITS = 1024;

/** A both-ways relation between pids: links, or mail links between peers. */
export class Relation {
  readonly #pairs = new Map<number, Set<number>>();

  add(one: number, other: number): void {
    for (const [a, b] of [[one, other], [other, one]]) {
      const related = this.#pairs.get(a) ?? new Set<number>();
      this.#pairs.set(a, related.add(b));
    }
  }

  delete(one: number, other: number): void {
    this.#pairs.get(one)?.delete(other);
    this.#pairs.get(other)?.delete(one);
  }

  /** The pids related to `pid`. */
  of(pid: number): number[] {
    return [...this.#pairs.get(pid) ?? []];
  }

  /** Removes `pid` from the relation; returns the pids it was related to. */
  takeAll(pid: number): Set<number> {
    const others = this.#pairs.get(pid) ?? new Set<number>();
    this.#pairs.delete(pid);
    for (const other of others) this.#pairs.get(other)?.delete(pid);
    return others;
  }
}

/** A monitor: its owner, the request id that made it, and how to answer it. */
interface Monitor {
  readonly owner: number;
  readonly id: number;
  readonly answer: (report: ExitReport) => void;
}

/** Links, exit trapping and monitors of every actor. */
export class Watches {
  readonly #links = new Relation();
  /** The main program always traps exits: a child's death never kills it. */
  readonly #trapping = new Set<number>([MAIN_PID]);
  readonly #monitors = new Map<number, Monitor[]>();
  /** How the last actors to exit ended. Oldest first. */
  readonly #recentExits = new Map<number, ExitReport>();

  /** Links `from` and `to` both ways (an actor linked to itself is not). */
  link(from: number, to: number): void {
    if (from !== to) this.#links.add(from, to);
  }

  unlink(from: number, to: number): void {
    this.#links.delete(from, to);
  }

  /** Sets whether `pid` traps exits; the main program always does. */
  trapExit(pid: number, trap: boolean): void {
    if (pid === MAIN_PID) return;
    if (trap) this.#trapping.add(pid);
    else this.#trapping.delete(pid);
  }

  traps(pid: number): boolean {
    return this.#trapping.has(pid);
  }

  /** The actors linked to `pid`. */
  linksOf(pid: number): number[] {
    return this.#links.of(pid);
  }

  /** The actors that monitor `pid` (one entry per monitor). */
  monitorsOf(pid: number): number[] {
    return (this.#monitors.get(pid) ?? []).map((monitor) => monitor.owner);
  }

  /**
   * Resolves with the exit reason of `pid` when it exits, or at once when it is not `alive`:
   * with how it ended if that is still known, else as `noproc` (a null exit code).
   */
  monitor(owner: number, id: number, pid: number, alive: boolean): Promise<ExitReport> {
    if (!alive) {
      return Promise.resolve(this.#recentExits.get(pid) ?? { pid, exitcode: null, error: null });
    }
    const { promise, resolve } = Promise.withResolvers<ExitReport>();
    const monitors = this.#monitors.get(pid) ?? [];
    monitors.push({ owner, id, answer: resolve });
    this.#monitors.set(pid, monitors);
    return promise;
  }

  /** Drops the monitor that request `monitorId` of `owner` made. */
  demonitor(owner: number, monitorId: number): void {
    for (const [target, monitors] of this.#monitors) {
      this.#monitors.set(target, monitors.filter((m) => m.owner !== owner || m.id !== monitorId));
    }
  }

  /**
   * Records the exit of `reason.pid`: answers its monitors, drops those it owned and returns
   * the actors linked to it, unlinked now.
   */
  exited(reason: ExitReport): Set<number> {
    const { pid } = reason;
    this.#recentExits.set(pid, reason);
    if (this.#recentExits.size > RECENT_EXITS) {
      this.#recentExits.delete(this.#recentExits.keys().next().value!);
    }
    for (const monitor of this.#monitors.get(pid) ?? []) monitor.answer(reason);
    this.#monitors.delete(pid);
    for (const [target, monitors] of this.#monitors) {
      this.#monitors.set(target, monitors.filter((monitor) => monitor.owner !== pid));
    }
    this.#trapping.delete(pid);
    return this.#links.takeAll(pid);
  }
}
