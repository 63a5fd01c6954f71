/**
 * The seeds' class form: `class MyProcess(Process)` with its own `index` field, set in the
 * constructor and carried to the child, which overrides `run()`.
 *
 * Run: deno task example:subclass
 */
import { currentProcess, parentProcess, Process } from "../mod.ts";

export class MyProcess extends Process {
  index: number;

  constructor(index: number) {
    super(); // Python's super().__init__()
    this.index = index;
  }

  override async run(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    console.log(
      `child ${this.index}: ${this.name}, pid ${currentProcess().pid}, parent pid ${
        parentProcess()!.pid
      }`,
    );
  }
}

if (import.meta.main) {
  const processes = Array.from({ length: 10 }, (_, index) => new MyProcess(index));
  for (const p of processes) p.start();
  for (const p of processes) await p.join();
  console.log(`parent: ${currentProcess().name}, pid ${currentProcess().pid}`);
}
