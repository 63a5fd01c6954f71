/**
 * Supervision and links across machines, over a real nats-server: a supervisor restarts the
 * child of a SIGKILLed agent on the surviving one, and links carry a crash (or an agent's death)
 * from an actor on an agent to a local actor.
 */
import assert from "node:assert/strict";
import {
  AgentLostError,
  getContext,
  type Process,
  receive,
  type RestartEvent,
  spawn,
  Supervisor,
} from "../../mod.ts";
import { LIVENESS, natsTest, startCluster } from "./_cluster.ts";
import { hang, osPidServer } from "../fixtures/nats_targets.ts";
import { linkAndWait, takeAndCrash, trapAndReport } from "../fixtures/actor_targets.ts";

natsTest("supervision and links across machines", async (t) => {
  await using cluster = await startCluster(["alpha", "beta"]);
  const open = () =>
    getContext("nats", { servers: cluster.server.url, cluster: cluster.cluster, ...LIVENESS });

  await t.step(
    "a child on a SIGKILLed agent is restarted on the surviving one",
    async () => {
      await using mp = await open();
      await mp.agents({ atLeast: 2 });
      const restarted = Promise.withResolvers<RestartEvent>();
      const supervisor = new Supervisor({
        name: "across",
        children: ["a", "b"].map((id) => ({ id, target: osPidServer, placement: "any" as const })),
        onRestart: (event) => restarted.resolve(event),
      });
      await supervisor.start();
      const hosts = new Map<string, number>();
      for (const id of ["a", "b"]) {
        hosts.set(id, await supervisor.child(id)!.ask<number>("where?"));
      }
      const [victim] = cluster.agents.filter((agent) => agent.pid === hosts.get("a"));
      const [survivor] = cluster.agents.filter((agent) => agent.pid === hosts.get("b"));
      assert.ok(victim && survivor && victim !== survivor, "the children are on both agents");
      const before = supervisor.child("a")!;

      await victim.kill("SIGKILL");
      const event = await restarted.promise;
      assert.equal(event.id, "a");
      assert.equal(event.reason.exitcode, 1);
      assert.ok(event.reason.error instanceof AgentLostError, String(event.reason.error));
      assert.equal(before.isAlive(), false);
      const children = new Map(supervisor.whichChildren().map((info) => [info.id, info.process]));
      const after = children.get("a") as Process;
      assert.notEqual(after, before);
      assert.equal(after.pid, event.pid);
      assert.ok(after.isAlive());
      assert.equal(await after.ask<number>("where now?"), survivor.pid);
      assert.equal(children.get("b")!.isAlive(), true, "oneForOne leaves b alone");

      await supervisor.stop();
      await supervisor.join();
      assert.equal(after.isAlive(), false);
    },
  );

  await t.step("links across machines carry a crash to a local actor", async () => {
    await cluster.startAgent("gamma");
    await using mp = await open();
    await mp.agents({ atLeast: 2 });

    // A local actor linked to a crashing remote one is taken down with it.
    const crashing = await mp.spawn(takeAndCrash, []);
    const partner = await spawn(linkAndWait, [crashing.ref], { placement: "local" });
    assert.equal(await receive({ timeout: 10_000 }), "linked");
    await crashing.send("poison");
    await partner.join();
    assert.equal(partner.exitcode, -15);
    assert.equal(partner.error?.name, "ActorExitedError");
    await crashing.join();
    assert.equal(crashing.exitcode, 1);

    // A local actor that traps exits receives the remote crash as an ExitSignal.
    const second = await mp.spawn(takeAndCrash, []);
    const watcher = await spawn(trapAndReport, [second.ref], { placement: "local" });
    assert.equal(await receive({ timeout: 10_000 }), "linked");
    await second.send("poison");
    assert.deepEqual(await receive({ timeout: 10_000 }), { from: second.pid, kind: "error" });
    await Promise.all([watcher.join(), second.join()]);
    assert.equal(watcher.exitcode, 0);

    // A local actor linked to a remote one whose agent is SIGKILLed is taken down with it.
    const doomed = await cluster.startAgent("doomed");
    await mp.agents({ atLeast: 3 });
    const stuck = await mp.spawn(hang, [], { placement: { agent: "doomed" } });
    const linked = await spawn(linkAndWait, [stuck.ref], { placement: "local" });
    assert.equal(await receive({ timeout: 10_000 }), "linked");
    await doomed.kill("SIGKILL");
    await linked.join();
    assert.equal(linked.exitcode, -15);
    await stuck.join();
    assert.ok(stuck.error instanceof AgentLostError, String(stuck.error));
    assert.equal(linked.error?.name, "ActorExitedError");
  });
});
