/**
 * Processes and actors on agents: start, mail, ask, exits, names, monitors, links, children,
 * and the deaths of agents (SIGKILL) and of the program, over a real nats-server.
 */
import assert from "node:assert/strict";
import {
  ActorExitedError,
  AgentLostError,
  CloneError,
  getContext,
  monitor,
  type NatsContext,
  Process,
  ProcessStateError,
  Queue,
  receive,
  self,
  setDefaultContext,
  spawn,
  SpawnError,
  whereis,
} from "../../mod.ts";
import { LIVENESS, natsTest, startCluster } from "./_cluster.ts";
import {
  echoPid,
  endWith,
  hang,
  parentOfEcho,
  registeredEcho,
  sendTo,
  spinForever,
} from "../fixtures/nats_targets.ts";

const PROGRAM = new URL("../fixtures/nats_program.ts", import.meta.url).pathname;

/** True while a process with this pid exists (signal 0 checks without sending one). */
function processAlive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

natsTest("processes and actors on agents", async (t) => {
  await using cluster = await startCluster(["alpha", "beta"]);
  const contextUrl = () =>
    `${cluster.server.url}?cluster=${cluster.cluster}&heartbeatMs=${LIVENESS.heartbeatMs}&deadAfterMs=${LIVENESS.deadAfterMs}`;
  const open = () =>
    getContext("nats", { servers: cluster.server.url, cluster: cluster.cluster, ...LIVENESS });

  await t.step("a process starts on an agent, answers asks and ends with its code", async () => {
    await using mp = await open();
    const agents = await mp.agents({ atLeast: 2 });
    assert.deepEqual(agents.map((agent) => agent.name).sort(), ["alpha", "beta"]);
    const echo = await mp.spawn(echoPid, []);
    assert.ok(echo instanceof Process);
    const [answer, pid] = await echo.ask<[string, number]>("marco");
    assert.equal(answer, "marco");
    assert.equal(pid, echo.pid);
    await echo.send("stop");
    await echo.join();
    assert.equal(echo.exitcode, 0);
    for (const code of [0, 3] as const) {
      const process = new mp.Process({ target: endWith, args: [code] });
      await process.start();
      await process.join();
      assert.equal(process.exitcode, code);
    }
    const thrower = new mp.Process({ target: endWith, args: ["throw"] });
    await thrower.start();
    await thrower.join();
    assert.equal(thrower.exitcode, 1);
  });

  await t.step("placement: by name, in turn, and refused for an unknown agent", async () => {
    await using mp = await open();
    await mp.agents({ atLeast: 2 });
    const onBeta = await spawn(echoPid, [], { placement: { agent: "beta" } });
    const [, pid] = await onBeta.ask<[string, number]>("x");
    assert.equal(pid, onBeta.pid);
    await onBeta.send("stop");
    await onBeta.join();
    const nowhere = new Process({ target: echoPid, placement: { agent: "gamma" } });
    await assert.rejects(nowhere.start(), SpawnError);
    assert.throws(
      () => new Process({ target: echoPid, placement: "everywhere" as never }),
      TypeError,
    );
  });

  await t.step("mail from an agent to the main program, references crossing", async () => {
    await using mp = await open();
    await mp.agents({ atLeast: 1 });
    const sender = await mp.spawn(sendTo, [self(), 50]);
    const received: unknown[] = [];
    while (true) {
      const message = await receive();
      if (message === "done") break;
      received.push(message);
    }
    assert.deepEqual(received, Array.from({ length: 50 }, (_, index) => index));
    await sender.join();
    assert.equal(sender.exitcode, 0);
  });

  await t.step("an actor on an agent starts a child there, which it asks", async () => {
    await using mp = await open();
    await mp.agents({ atLeast: 1 });
    const parent = await mp.spawn(parentOfEcho, []);
    const facts = await parent.ask<{ answer: string; childPid: number; parentPid: number }>("?");
    assert.equal(facts.answer, "hi");
    assert.equal(facts.parentPid, parent.pid);
    assert.ok(
      facts.childPid >= 2 ** 20,
      `the child's pid ${facts.childPid} is in an agent's block`,
    );
    await parent.send("stop");
    await parent.join();
    assert.equal(parent.exitcode, 0);
  });

  await t.step("names and monitors across machines", async () => {
    await using mp = await open();
    await mp.agents({ atLeast: 1 });
    const named = await mp.spawn(registeredEcho, ["remote-echo"]);
    assert.equal(await receive(), "registered");
    const found = await whereis<string, string>("remote-echo");
    assert.ok(found !== undefined);
    assert.equal(await found.ask("hello"), "remote-echo: hello");
    const down = monitor(named.ref);
    await named.send("stop");
    const reason = await down;
    assert.equal(reason.exitcode, 0);
    await named.join();
  });

  await t.step("a handle that cannot cross fails the start with CloneError", async () => {
    await using mp = await open();
    await mp.agents({ atLeast: 1 });
    const queue = new Queue<number>();
    const process = new mp.Process({ target: sendTo, args: [queue as never, 1] });
    await assert.rejects(process.start(), CloneError);
    await process.join();
  });

  await t.step("setDefaultContext sends plain processes to agents, and back", async () => {
    await using mp: NatsContext = await open();
    await mp.agents({ atLeast: 1 });
    setDefaultContext(mp);
    try {
      const echo = await spawn(echoPid, []);
      const [, pid] = await echo.ask<[string, number]>("x");
      assert.equal(pid, echo.pid);
      await echo.send("stop");
      await echo.join();
    } finally {
      setDefaultContext(await getContext("local"));
    }
  });

  await t.step("one NATS context at a time; ctx.Process is Process, subclasses too", async () => {
    await using mp = await open();
    await assert.rejects(open(), ProcessStateError);
    const process = new mp.Process({ target: echoPid });
    assert.ok(process instanceof Process);
    assert.ok(process instanceof mp.Process);
    class Named extends mp.Process {}
    assert.ok(new Named({ target: echoPid }) instanceof Process);
  });

  await t.step("MP_CONTEXT: an unchanged program runs on agents and ends by itself", async () => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", PROGRAM, "finish"],
      env: { MP_CONTEXT: contextUrl() },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(output.code, 0);
    assert.equal(new TextDecoder().decode(output.stdout).trim(), "from an unchanged program");
  });

  await t.step("a program killed with its actors on an agent: the agent ends them", async () => {
    await using mp = await open();
    await mp.agents({ atLeast: 2 });
    const program = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", PROGRAM, "hang"],
      env: { MP_CONTEXT: contextUrl() },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = program.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let said = "";
    while (!said.includes("started")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`The program ended before it started its actor: ${said}`);
      said += value;
    }
    const actorsOnAlpha = async () =>
      (await mp.agents()).find((agent) => agent.name === "alpha")?.actors ?? 0;
    while (await actorsOnAlpha() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    program.kill("SIGKILL");
    await program.status;
    await reader.cancel();
    while (await actorsOnAlpha() > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  });

  await t.step(
    "isolation: process: terminate() ends an actor stuck in synchronous code",
    async () => {
      await using mp = await open();
      await mp.agents({ atLeast: 2 });
      const spinner = await mp.spawn(spinForever, [], {
        placement: { agent: "alpha", isolation: "process" },
      });
      const osPid = await spinner.ask<number>("your pid?");
      const alpha = cluster.agents.find((agent) => agent.name === "alpha")!;
      assert.notEqual(osPid, alpha.pid, "the actor runs in a process of its own");
      assert.ok(processAlive(osPid));
      await spinner.terminate();
      assert.equal(spinner.exitcode, -15);
      while (processAlive(osPid)) await new Promise((resolve) => setTimeout(resolve, 20));
      // A Worker placement shares the agent's process.
      const inWorker = await mp.spawn(spinForever, [], { placement: { agent: "alpha" } });
      assert.equal(await inWorker.ask<number>("your pid?"), alpha.pid);
      await inWorker.terminate();
    },
  );

  await t.step(
    "a SIGKILLed agent: pending asks fail, monitors fire, exits are code 1",
    async () => {
      const victim = await cluster.startAgent("victim");
      await using mp = await open();
      await mp.agents({ atLeast: 3 });
      const stuck = await mp.spawn(hang, [], { placement: { agent: "victim" } });
      const down = monitor(stuck.ref);
      const failed = assert.rejects(stuck.ask("anyone?"), ActorExitedError);
      await victim.kill("SIGKILL");
      await failed;
      const reason = await down;
      assert.equal(reason.exitcode, 1);
      await stuck.join();
      assert.equal(stuck.exitcode, 1);
      assert.ok(stuck.error instanceof AgentLostError, String(stuck.error));
    },
  );

  await t.step(
    "the server restarts mid-ask: the ask fails, and the cluster works again",
    async () => {
      await using mp = await open();
      await mp.agents({ atLeast: 2 });
      const stuck = await mp.spawn(hang, [], { placement: { agent: "alpha" } });
      // Handled from the start: the ask fails while the server is still restarting.
      const failed = assert.rejects(stuck.ask("are you there?"), ActorExitedError);
      await cluster.server.restart();
      await failed;
      await stuck.join();
      assert.ok(stuck.error instanceof AgentLostError, String(stuck.error));
      await mp.agents({ atLeast: 2, timeout: 15_000 });
      const echo = await mp.spawn(echoPid, [], { placement: { agent: "alpha" } });
      const [answer] = await echo.ask<[string, number]>("back");
      assert.equal(answer, "back");
      await echo.send("stop");
      await echo.join();
    },
  );
});
