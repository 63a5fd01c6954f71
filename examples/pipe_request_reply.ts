/**
 * A duplex Pipe: the parent sends requests on its end, the child answers on its end; both ends
 * send and receive. When the parent closes its end, the child's recv() raises EOFError and it
 * stops.
 *
 * Run: deno task example:pipe_request_reply
 */
import { type Connection, EOFError, Pipe, Process } from "../mod.ts";

export async function calculator(end: Connection<string | number>): Promise<void> {
  try {
    while (true) {
      const expression = await end.recv() as string;
      const [a, op, b] = expression.split(" ");
      const result = op === "+" ? Number(a) + Number(b) : Number(a) * Number(b);
      end.send(result);
    }
  } catch (error) {
    if (error instanceof EOFError) console.log("child: the parent closed its end, bye");
    else throw error;
  }
}

if (import.meta.main) {
  const [parentEnd, childEnd] = Pipe<string | number>();
  const p = new Process({ target: calculator, args: [childEnd] });
  await p.start();
  childEnd.close(); // the child has its own copy; close the one we do not use
  for (const expression of ["1 + 2", "6 * 7", "10 + 20"]) {
    parentEnd.send(expression);
    console.log(`${expression} = ${await parentEnd.recv()}`);
  }
  parentEnd.close();
  await p.join();
}
