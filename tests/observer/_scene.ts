/**
 * The program both observer tests look at: named processes, a lock held by a child, mail sent
 * and not read, a pool at work, and a queue and a pipe end passed to a child (so shared).
 */
import { Lock, Pipe, Pool, Process, Queue } from "../../mod.ts";
import { busy, holdLock, idleUntilTold } from "../fixtures/observer_targets.ts";

export interface Scene extends AsyncDisposable {
  lock: Lock;
  napper: Process;
  holder: Process;
}

/** Starts the scene with `mails` unread messages for "napper" and `tasks` pool tasks of 20 ms. */
export async function startScene(mails: number, tasks: number): Promise<Scene> {
  const lock = new Lock();
  const queue = new Queue<number>(5);
  await queue.put(1);
  await queue.put(2);
  const [left, right] = Pipe<string>();
  left.send("unread");
  const napper = new Process({ target: idleUntilTold, args: [queue, right], name: "napper" });
  const holder = new Process({ target: holdLock, args: [lock], name: "lock-holder" });
  await napper.start();
  await holder.start();
  for (let index = 0; index < mails; index++) napper.send(`mail ${index}`);
  const pool = new Pool({ processes: 2 });
  // Ended by the pool's termination below: its rejection is expected, and handled from the start.
  const mapped = pool.map(busy, Array(tasks).fill(20), { chunksize: 1 }).catch(() => {});
  return {
    lock,
    napper,
    holder,
    async [Symbol.asyncDispose]() {
      // The pool is busy for as long as the test looks at it (on a slow machine, longer than
      // its tasks would take on a quick one): its work is ended here, not waited for.
      await pool.terminate();
      await mapped;
      napper.send("stop");
      holder.send("stop");
      await napper.join();
      await holder.join();
      left.close();
      right.close();
    },
  };
}
