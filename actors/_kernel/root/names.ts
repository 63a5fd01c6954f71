/**
 * Registered names (`register`, `unregister`, `whereis`), one table for the whole tree. A name
 * is freed when its actor exits; the actor holding it, or the one that registered it for
 * another, may free it earlier.
 *
 * @module
 */
import { ActorExitedError, NameTakenError } from "../../errors.ts";

/** A registered name: the actor holding it, and the actor that registered it. */
interface NameEntry {
  readonly pid: number;
  readonly registrar: number;
}

/** The names of the tree. */
export class NameTable {
  readonly #names = new Map<string, NameEntry>();

  /**
   * Gives `name` to `pid`, on behalf of `registrar`.
   *
   * @throws {NameTakenError} When another actor holds the name.
   * @throws {ActorExitedError} When `pid` is not alive.
   */
  register(name: string, pid: number, registrar: number, alive: boolean): void {
    const holder = this.#names.get(name)?.pid;
    if (holder !== undefined && holder !== pid) {
      throw new NameTakenError(
        `Cannot register "${name}": actor ${holder} holds that name; choose another, or ` +
          "unregister it first",
      );
    }
    if (!alive) {
      throw new ActorExitedError(`Cannot register "${name}" for actor ${pid}: it has exited`);
    }
    this.#names.set(name, { pid, registrar });
  }

  /** Frees `name` if actor `from` holds it or registered it; otherwise does nothing. */
  unregister(name: string, from: number): void {
    const entry = this.#names.get(name);
    if (entry !== undefined && (entry.pid === from || entry.registrar === from)) {
      this.#names.delete(name);
    }
  }

  /** The pid holding `name`, if any. */
  whereis(name: string): number | undefined {
    return this.#names.get(name)?.pid;
  }

  /** The names `pid` holds. */
  namesOf(pid: number): string[] {
    const names: string[] = [];
    for (const [name, entry] of this.#names) if (entry.pid === pid) names.push(name);
    return names;
  }

  /** Frees the names of an actor that exited. */
  forget(pid: number): void {
    for (const [name, entry] of this.#names) if (entry.pid === pid) this.#names.delete(name);
  }
}
