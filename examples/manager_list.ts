/**
 * A shared list filled by a pool: each task appends the square of its number to a managed
 * list, whose proxy is passed to the pool's workers as an argument. Appends from every worker
 * are applied by the manager one at a time, so none is lost.
 *
 * Run: deno task example:manager_list
 */
import { type ListProxy, Manager, Pool } from "../mod.ts";

export async function appendSquare(squares: ListProxy<number>, n: number): Promise<void> {
  await squares.append(n * n);
  await squares.flush(); // the manager has applied it before the task reports done
}

if (import.meta.main) {
  await using manager = new Manager();
  const squares = await manager.list<number>();
  await using pool = new Pool({ processes: 3 });
  await pool.starmap(appendSquare, Array.from({ length: 10 }, (_, n) => [squares, n]));
  const items = await squares.slice();
  console.log(`${items.length} items appended by the pool`);
  console.log(`sorted: ${items.sort((a, b) => a - b).join(", ")}`);
}
