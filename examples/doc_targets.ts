/**
 * Targets used by the documentation examples. A worker runs a target by importing the module
 * that defines it, so targets live in module files: here, registered with `task()`.
 *
 * @module
 */
import { currentProcess, parentProcess, Process, task } from "../mod.ts";

/** The seeds' first process: pretend to send a mail. */
export const sendMail = task(import.meta, async function sendMail(index: number) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  console.log(`mail ${index} sent by ${currentProcess().name}`);
});

/** Prints the square of `x`. */
export const square = task(import.meta, function square(x: number) {
  console.log(`${x} squared is ${x * x}`);
});

/** Sends `text` back to the parent's mailbox. */
export const echoToParent = task(import.meta, function echoToParent(text: string) {
  parentProcess()!.send(`echo: ${text}`);
});

/** The seeds' subclass form: a field set in the constructor reaches the worker. */
export class MyProcess extends Process {
  /** Which of the ten processes this is. */
  index: number;

  /**
   * Creates the process.
   *
   * @param index Carried to the worker as an own field.
   */
  constructor(index: number) {
    super();
    this.index = index;
  }

  /** Prints the index and who runs it. */
  override run(): void {
    console.log(`child ${this.index} runs as ${this.name}, parent pid ${parentProcess()!.pid}`);
  }
}
task(import.meta, MyProcess);
