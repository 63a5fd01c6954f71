/**
 * The using half of the remote-manager example: connects to the manager at the port given as
 * its first argument with the authkey given as its second, and adds 100 points to the shared
 * "scores" dict with the manager's atomic increment. A client with a wrong authkey is refused.
 *
 * Run through: deno task example:manager_remote
 */
import { AuthenticationError, type DictProxy, Manager } from "../mod.ts";

if (import.meta.main) {
  const [port, authkey, name] = Deno.args;
  const address = { hostname: "127.0.0.1", port: Number(port) };
  const intruder = new Manager({ address, authkey: "not the key" });
  try {
    await intruder.connect();
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    console.log(`${name}: a wrong authkey is refused (${error.name})`);
  }
  await using manager = new Manager({ address, authkey });
  await manager.connect();
  const scores = await manager.lookup<DictProxy<string, number>>("scores");
  for (let i = 0; i < 100; i++) await scores.increment("total");
  await scores.increment(name, 100);
  console.log(`${name}: added 100 points`);
}
