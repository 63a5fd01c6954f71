/**
 * A remote manager, as Python's `BaseManager(address, authkey)`: one `deno run` serves a
 * manager on 127.0.0.1, two more `deno run`s connect to it over TCP, authenticate with the
 * shared authkey, and update the same dict. This launcher starts all three programs.
 *
 * Run: deno task example:manager_remote
 */
const AUTHKEY = "the seeds' secret";

function deno(script: string, args: string[], stdin: "piped" | "null" = "null") {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-net=127.0.0.1",
      new URL(script, import.meta.url).pathname,
      ...args,
    ],
    stdin,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

async function relay(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    const lines = text.split("\n");
    text = lines.pop()!;
    for (const line of lines) onLine(line);
  }
}

if (import.meta.main) {
  const server = deno("./manager_remote_server.ts", [AUTHKEY], "piped");
  const port = Promise.withResolvers<string>();
  const serverOutput = relay(server.stdout, (line) => {
    console.log(line);
    const match = line.match(/serving on port (\d+)/);
    if (match) port.resolve(match[1]);
  });
  void serverOutput.then(() => port.reject(new Error("The server ended before serving")));
  const clients = ["alice", "bob"].map(async (name) => {
    const client = deno("./manager_remote_client.ts", [await port.promise, AUTHKEY, name]);
    await relay(client.stdout, console.log);
    return (await client.status).code;
  });
  const codes = await Promise.all(clients);
  await server.stdin.close();
  await serverOutput;
  console.log(`clients exited with ${codes.join(", ")}, server with ${(await server.status).code}`);
}
