/**
 * A start line: runners arrive at different times and a Barrier holds them until all four are
 * there; then they start together, each with a distinct place number.
 *
 * Run: deno task example:barrier_start_line
 */
import { Barrier, Process } from "../mod.ts";

export async function runner(name: string, startLine: Barrier): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
  console.log(`${name} is at the start line`);
  const place = await startLine.wait();
  console.log(`${name} starts (arrival index ${place})`);
}

if (import.meta.main) {
  const startLine = new Barrier(4);
  const runners = ["ann", "bob", "cy", "di"].map((name) =>
    new Process({ target: runner, args: [name, startLine] })
  );
  for (const p of runners) p.start();
  for (const p of runners) await p.join();
}
