/**
 * A progress bar for a long map: `onProgress` reports the items done and the total after each
 * chunk, in the main program, which redraws the bar in place.
 *
 * Run: deno task example:pool_progress
 */
import { Pool } from "../mod.ts";

const ITEMS = 200;
const WIDTH = 40;

/** A slow task: about 5 ms of work per item. */
export async function process(item: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return item * 2;
}

function drawBar(done: number, total: number | undefined): void {
  const fraction = total ? done / total : 0;
  const filled = Math.round(fraction * WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${done}/${total ?? "?"}`;
  Deno.stdout.writeSync(new TextEncoder().encode(`\r${bar}`));
}

if (import.meta.main) {
  await using pool = new Pool({ processes: 4 });
  const results = await pool.map(process, Array.from({ length: ITEMS }, (_, i) => i), {
    chunksize: 5,
    onProgress: drawBar,
  });
  console.log(`\ndone: ${results.length} results, last ${results.at(-1)}`);
}
