import { exitcodeOf, runtime } from "./_runtime.ts";

/** A child's view of its parent: who it is, whether it still runs, and its mailbox. */
export interface ParentProcess {
  /** The parent's name, `MainProcess` for the main program. */
  readonly name: string;
  /** The parent's pid. */
  readonly pid: number;
  /**
   * Whether the parent is still running, read from shared memory. The supervisor ends a
   * subtree whose root dies, so a child never outlives its parent for long: no orphans.
   */
  isAlive(): boolean;
  /**
   * Sends `message` to the parent's mailbox, where the parent takes it with `receive()`.
   *
   * @throws {CloneError} If the message cannot be copied to another actor.
   */
  send(message: unknown): void;
}

let cached: ParentProcess | null = null;

/**
 * The parent of the current process, as Python's `parent_process()`: null in the main
 * program.
 *
 * @returns The parent, or null in the main program.
 *
 * @example
 * ```ts
 * import { parentProcess } from "../mod.ts";
 *
 * console.assert(parentProcess() === null);
 * ```
 */
export function parentProcess(): ParentProcess | null {
  const parent = runtime.parent;
  if (parent === null) return null;
  cached ??= {
    name: parent.name,
    pid: parent.pid,
    isAlive: () => exitcodeOf(parent.status) === null,
    send: (message) => runtime.sendMail(parent.port, message),
  };
  return cached;
}
