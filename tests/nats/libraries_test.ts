/**
 * The libraries that stay on one machine for now (issue 14): with a NATS context the program's
 * default, a pool's workers and a manager's actor still start here, since they share memory
 * with the program.
 */
import assert from "node:assert/strict";
import { getContext, Manager, Pool, setDefaultContext } from "../../mod.ts";
import { LIVENESS, natsTest, startCluster } from "./_cluster.ts";
import { square } from "../fixtures/pool_targets.ts";

natsTest("with NATS the default, a pool and a manager run on this machine", async () => {
  await using cluster = await startCluster(["alpha"]);
  await using mp = await getContext("nats", {
    servers: cluster.server.url,
    cluster: cluster.cluster,
    ...LIVENESS,
  });
  await mp.agents({ atLeast: 1 });
  setDefaultContext(mp);
  try {
    await using pool = new Pool({ processes: 2 });
    assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
    await using manager = new Manager();
    const dict = await manager.dict<string, number>();
    await dict.set("x", 1);
    assert.equal(await dict.get("x"), 1);
  } finally {
    setDefaultContext(await getContext("local"));
  }
});
