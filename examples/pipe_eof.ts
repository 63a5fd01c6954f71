/**
 * The seeds' Pipe EOF lesson: `recv()` raises EOFError only when every copy of the other end
 * is closed. The child gets a copy of the write end; the parent must close its own copy too,
 * or the reader would wait forever. Here the child writes and exits (its exit closes its copy),
 * the parent closes its copy, and the reader gets everything, then EOFError.
 *
 * Run: deno task example:pipe_eof
 */
import { type Connection, EOFError, Pipe, Process } from "../mod.ts";

export function writer(end: Connection<string>): void {
  for (const word of ["actors", "share", "nothing"]) end.send(word);
  // returning closes this process's copy of the end
}

if (import.meta.main) {
  const [reader, writeEnd] = Pipe<string>(false);
  const p = new Process({ target: writer, args: [writeEnd] });
  await p.start();
  writeEnd.close(); // without this line, the loop below would never see EOF
  try {
    while (true) console.log(`received: ${await reader.recv()}`);
  } catch (error) {
    if (!(error instanceof EOFError)) throw error;
    console.log("EOFError: every copy of the write end is closed and nothing is left");
  }
  await p.join();
}
