import assert from "node:assert/strict";

const fixtures = new URL("../fixtures/", import.meta.url);
const root = new URL("../../", import.meta.url);

async function run(args: string[], cwd?: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("daemons end when the main code is done; the program waits for other children", async () => {
  const { code, stdout } = await run([
    "--allow-read",
    new URL("daemon_program.ts", fixtures).pathname,
  ]);
  assert.equal(code, 0);
  const lines = stdout.trim().split("\n");
  const mainDone = lines.indexOf("main done");
  assert.ok(mainDone > 0, `the daemon printed before the main code ended:\n${stdout}`);
  assert.ok(lines.slice(0, mainDone).every((line) => /^\*+$/.test(line)));
  // The daemon is halted once the main code is done; a tick already under way when the halt is
  // sent may still print (on a loaded machine), but it is gone long before the normal child ends.
  assert.equal(lines.at(-1), "normal done", stdout);
  const afterMain = lines.slice(mainDone + 1, -1);
  assert.ok(afterMain.every((line) => /^\*+$/.test(line)), stdout);
  assert.ok(afterMain.length < mainDone, `the daemon kept running after the main code:\n${stdout}`);
});

Deno.test("starting a process from unguarded top-level code explains the import.meta.main guard", async () => {
  const { code, stdout } = await run([
    "--allow-read",
    new URL("unguarded_program.ts", fixtures).pathname,
  ]);
  assert.equal(code, 0);
  assert.match(
    stdout,
    /^ProcessStateError: .*guard the program's entry code with `if \(import\.meta\.main\)`/m,
  );
});

Deno.test("the package works when imported from an http URL, workers included", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    try {
      const body = await Deno.readFile(new URL(`.${path}`, root));
      return new Response(body, { headers: { "content-type": "application/typescript" } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const origin = `127.0.0.1:${server.addr.port}`;
  const dir = await Deno.makeTempDir();
  try {
    const program = `${dir}/remote_main.ts`;
    await Deno.writeTextFile(
      program,
      `import { Process, parentProcess, receive } from "http://${origin}/mod.ts";
export function hello(name: string) {
  parentProcess()!.send(\`hello \${name} from \${import.meta.url.slice(0, 5)}\`);
}
if (import.meta.main) {
  const p = new Process({ target: hello, args: ["url"] });
  await p.start();
  console.log(await receive());
  await p.join();
  console.log("exitcode", p.exitcode);
}
`,
    );
    const { code, stdout, stderr } = await run(
      [`--allow-import=${origin}`, "--allow-read", "--reload", program],
      dir,
    );
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "hello url from file:\nexitcode 0\n");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
