/**
 * The conformance run on NATS (`deno task test:nats`): the Process, actor, supervisor and
 * gen_server tests, unchanged, with `MP_CONTEXT` naming a private cluster (a nats-server and two
 * agents on this machine), so every process they start runs on an agent. Tests that are local
 * by nature say so with `localOnly` (`tests/_context.ts`).
 *
 * Arguments replace the suites: `deno task test:nats tests/actors/actor_test.ts --filter name`.
 *
 * Exits with `deno test`'s code; the agents and the server are stopped by pid however the run
 * ends (a failure, Ctrl-C, SIGTERM).
 *
 * @module
 */
import { LIVENESS, startCluster } from "./_cluster.ts";

const SUITES = ["tests/actors/", "tests/supervisor/", "tests/gen_server/"];
const AGENTS = ["conf-a", "conf-b"];
const root = new URL("../../", import.meta.url);

/** The test files of the suites, sorted. */
function testFiles(): string[] {
  const files: string[] = [];
  for (const suite of SUITES) {
    for (const entry of Deno.readDirSync(new URL(suite, root))) {
      if (entry.isFile && entry.name.endsWith("_test.ts")) files.push(`${suite}${entry.name}`);
    }
  }
  return files.sort();
}

const files = Deno.args.length > 0 ? Deno.args : testFiles();
const started = performance.now();
// Installed first, so a Ctrl-C or SIGTERM at any point still reaches the disposal below.
let tests: Deno.ChildProcess | undefined;
let stopping = false;
const stop = () => {
  stopping = true;
  try {
    tests?.kill("SIGTERM");
  } catch {
    // It ended already.
  }
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
try {
  await using cluster = await startCluster(AGENTS);
  const context = `${cluster.server.url}?cluster=${cluster.cluster}&heartbeatMs=` +
    `${LIVENESS.heartbeatMs}&deadAfterMs=${LIVENESS.deadAfterMs}`;
  console.log(
    `conformance on NATS: ${cluster.agents.length} agents (${AGENTS}), MP_CONTEXT=${context}`,
  );
  console.log(`deno test --allow-all ${files.join(" ")}`);
  if (!stopping) {
    tests = new Deno.Command(Deno.execPath(), {
      args: ["test", "--allow-all", ...files],
      cwd: root.pathname,
      env: { MP_CONTEXT: context },
      stdin: "null",
    }).spawn();
    const { code, signal } = await tests.status;
    Deno.exitCode = code;
    console.log(
      `conformance on NATS: deno test ended with code ${code}${signal ? ` (${signal})` : ""} ` +
        `after ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    if (code !== 0) {
      for (const agent of cluster.agents) {
        console.log(`--- agent ${agent.name} printed (last 40 lines):`);
        console.log(agent.output.split("\n").slice(-40).join("\n"));
      }
    }
  }
} finally {
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
}
if (stopping) Deno.exitCode ||= 130;
