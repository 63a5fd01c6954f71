/** Targets for the reliability suites, registered so any worker can import them. */
import { type Connection, EOFError, parentProcess, task } from "../../mod.ts";

/** Receives until EOF and reports everything received to the parent. */
export const collectUntilEof = task(
  import.meta,
  async function collectUntilEof(end: Connection<number>) {
    const received: number[] = [];
    try {
      while (true) received.push(await end.recv());
    } catch (error) {
      if (!(error instanceof EOFError)) throw error;
    }
    parentProcess()!.send(received);
  },
);

/** Sends `0..count-1` on `end`, then closes it. */
export const sendCount = task(
  import.meta,
  function sendCount(end: Connection<number>, count: number) {
    for (let i = 0; i < count; i++) end.send(i);
    end.close();
  },
);
