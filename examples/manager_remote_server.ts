/**
 * The serving half of the remote-manager example: serves a manager on 127.0.0.1 with the
 * authkey given as its first argument, shares a dict under the name "scores", prints the port,
 * and when its standard input closes prints the final scores and shuts down.
 *
 * Run through: deno task example:manager_remote
 */
import { type DictProxy, Manager } from "../mod.ts";

if (import.meta.main) {
  await using manager = new Manager({
    address: { hostname: "127.0.0.1", port: 0 },
    authkey: Deno.args[0],
  });
  await manager.start();
  const scores: DictProxy<string, number> = await manager.dict();
  await manager.register("scores", scores);
  console.log(`server: serving on port ${manager.address.port}`);
  for await (const _ of Deno.stdin.readable) {
    // Serve until the launcher closes our standard input.
  }
  console.log(`server: final scores ${JSON.stringify(Object.fromEntries(await scores.entries()))}`);
}
