/**
 * What the shared-memory layer knows of the thread it runs on, and nothing more: the pid of its
 * actor, whether it may block, how to stop it once the supervisor has halted it, and how the
 * main thread keeps itself alive while it waits. The kernel fills these in when a thread
 * becomes an actor ({@linkcode configureThread}); the main program keeps the defaults. So
 * futexes, rings and codecs import nothing above them.
 *
 * @module
 */
import { isMainThread } from "node:worker_threads";

/** The pid of this thread's actor: 1, the main program's, until the kernel says otherwise. */
export let threadPid = 1;

/** Whether this thread may block in `Atomics.wait`: never the main thread's event loop. */
export const mayBlock: boolean = !isMainThread;

let haltWords: Int32Array | null = null;
let haltIndex = 0;
let exitThread: (code: number) => void = () => {};
let keepAlive: <T>(promise: Promise<T>) => Promise<T> = (promise) => promise;

/** How the kernel describes the thread's actor to this layer. */
export interface ThreadConfig {
  /** The actor's pid. */
  pid: number;
  /** The words holding the actor's halt flag (1 once the supervisor wants it stopped). */
  halt?: { words: Int32Array; index: number };
  /** Ends the thread at once; called when a halted actor touches shared state. */
  exit?: (code: number) => void;
  /** Keeps the program alive while `promise` is pending, when something may settle it. */
  keepAlive?: <T>(promise: Promise<T>) => Promise<T>;
}

/** Tells this layer which actor the thread runs. */
export function configureThread(config: ThreadConfig): void {
  threadPid = config.pid;
  if (config.halt !== undefined) {
    haltWords = config.halt.words;
    haltIndex = config.halt.index;
  }
  if (config.exit !== undefined) exitThread = config.exit;
  if (config.keepAlive !== undefined) keepAlive = config.keepAlive;
}

/**
 * Stops this thread if the supervisor halted its actor. Nothing can interrupt synchronous code
 * in a Deno Worker, so every operation on shared state calls this first: an actor told to halt
 * while busy stops the moment it touches shared memory again, instead of acting as a living
 * owner of what the supervisor released.
 */
export function haltIfReaped(): void {
  // A plain read, not Atomics.load (an uninlined call costing 10 ns on every lock acquire): the
  // flag only ever goes from 0 to 1, and the atomic operation that follows every check keeps the
  // read from being hoisted out of a loop, so a late flag is seen on the next check.
  if (haltWords !== null && haltWords[haltIndex] === 1) exitThread(1);
}

/** Awaits `promise`, keeping the main program alive meanwhile when the kernel says it should. */
export function waitKeepingAlive<T>(promise: Promise<T>): Promise<T> {
  return keepAlive(promise);
}
