/**
 * Remote managers: a second Deno process serves a manager on 127.0.0.1; this one connects with
 * the same typed proxies. Covers both directions of the HMAC authentication, malformed,
 * oversized and truncated frames (each closes only its own connection), proxies of a remote
 * manager passed to a local Process, and the server going away under a pending call.
 */
import assert from "node:assert/strict";
import {
  AuthenticationError,
  type DictProxy,
  Manager,
  ManagerClosedError,
  Process,
  type QueueProxy,
} from "../../mod.ts";
import { frame, FrameReader, writeAll } from "../../actors/_shm/frames.ts";
import {
  authenticateServer,
  HANDSHAKE_MAX_BYTES,
  importAuthkey,
} from "../../actors/manager/_wire/hmac_auth.ts";
import { putRemoteJob } from "../fixtures/manager_targets.ts";

const AUTHKEY = "remote test key";

interface Server {
  port: number;
  /** Closes the server's stdin, which makes it shut down, and waits for it to exit. */
  stop(): Promise<Deno.CommandStatus>;
}

async function startServer(): Promise<Server> {
  const program = new URL("../fixtures/manager_server_program.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-net=127.0.0.1", "--allow-read", program, AUTHKEY],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error("The manager server program ended before printing its port");
    text += value;
  }
  const { port } = JSON.parse(text.split("\n")[0]);
  return {
    port,
    async stop() {
      await child.stdin.close();
      await lines.cancel();
      return await child.status;
    },
  };
}

function client(port: number, authkey = AUTHKEY): Manager {
  return new Manager({ address: { hostname: "127.0.0.1", port }, authkey });
}

/** Authenticates a raw connection as a client would, for tests that then misbehave. */
async function rawAuthenticated(port: number): Promise<[Deno.TcpConn, FrameReader]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const reader = new FrameReader(conn, HANDSHAKE_MAX_BYTES);
  await authenticateServer(
    conn,
    reader,
    await importAuthkey(new TextEncoder().encode(AUTHKEY)),
    "",
  );
  reader.cutter.maxBytes = 1 << 20;
  return [conn, reader];
}

/** Resolves once the peer has closed `conn`. */
async function closedByPeer(conn: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(1024);
  try {
    while (await conn.read(buffer) !== null) {
      // Discard whatever the server sent before closing.
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
  } finally {
    conn.close();
  }
}

Deno.test("a client in another process uses the registered objects and creates its own", async () => {
  const server = await startServer();
  try {
    await using manager = client(server.port);
    await manager.connect();
    const shared = await manager.lookup<DictProxy<string, unknown>>("shared");
    assert.equal(await shared.get("greeting"), "hello from the server");
    const list = await manager.list([1]);
    await shared.set("list", list);
    await (await shared.get("list") as typeof list).append(2);
    assert.deepEqual(await list.slice(), [1, 2]);
    const jobs = await manager.lookup<QueueProxy<string>>("jobs");
    const p = new Process({ target: putRemoteJob, args: [jobs, "from a local child"] });
    await p.start();
    await p.join();
    assert.equal(p.exitcode, 0, String(p.error));
    assert.equal(await jobs.get({ timeout: 10_000 }), "from a local child");
    await assert.rejects(manager.lookup("nothing"), RangeError);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

Deno.test("a manager with an address must be started or connected explicitly", async () => {
  await assert.rejects(client(1).dict(), /call start\(\) to serve on that address, or connect\(\)/);
});

Deno.test("a wrong authkey is refused with AuthenticationError; good clients still connect", async () => {
  const server = await startServer();
  try {
    const intruder = client(server.port, "wrong key");
    await assert.rejects(intruder.connect(), AuthenticationError);
    await assert.rejects(intruder.dict(), AuthenticationError);
    await intruder.shutdown();
    await using manager = client(server.port);
    await manager.connect();
    const shared = await manager.lookup<DictProxy<string, unknown>>("shared");
    assert.equal(await shared.has("greeting"), true);
  } finally {
    await server.stop();
  }
});

Deno.test("a request sent without authenticating is never read", async () => {
  const server = await startServer();
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    // A `register` request in the generic layout, sent instead of the challenge's answer.
    await writeAll(conn, frame(new TextEncoder().encode("\u0000not an answer")));
    await closedByPeer(conn);
    await using manager = client(server.port);
    await manager.connect();
    await manager.lookup("shared");
  } finally {
    await server.stop();
  }
});

Deno.test("a server that cannot prove the authkey is refused by the client", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const impostor = (async () => {
    const conn = await listener.accept();
    const reader = new FrameReader(conn, HANDSHAKE_MAX_BYTES);
    await writeAll(
      conn,
      frame(new Uint8Array([...new TextEncoder().encode("mpmgr/1:"), ...new Uint8Array(32)])),
    );
    await reader.next();
    await writeAll(conn, frame(new Uint8Array(33).fill(1)));
    await closedByPeer(conn);
  })();
  try {
    const manager = client(listener.addr.port);
    await assert.rejects(manager.connect(), /could not prove it knows the authkey/);
    await manager.shutdown();
    await impostor;
  } finally {
    listener.close();
  }
});

Deno.test("malformed, oversized and truncated frames close only their own connection", async () => {
  const server = await startServer();
  try {
    await using manager = client(server.port);
    await manager.connect();
    const shared = await manager.lookup<DictProxy<string, unknown>>("shared");
    await shared.set("before", 1);

    const [garbage] = await rawAuthenticated(server.port);
    await writeAll(garbage, frame(Uint8Array.of(1, 2, 3)));
    await closedByPeer(garbage);

    const [huge] = await rawAuthenticated(server.port);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, 0xfffffff0, true);
    await writeAll(huge, header);
    await closedByPeer(huge);

    const [truncated] = await rawAuthenticated(server.port);
    await writeAll(truncated, frame(new Uint8Array(100)).subarray(0, 50));
    truncated.close();

    assert.equal(await shared.get("before"), 1);
    await shared.set("after", 2);
    assert.deepEqual(await shared.keys(), ["greeting", "before", "after"]);
  } finally {
    await server.stop();
  }
});

Deno.test("the server going away rejects a pending call with ManagerClosedError", async () => {
  const server = await startServer();
  let stopped = false;
  try {
    await using manager = client(server.port);
    await manager.connect();
    const jobs = await manager.lookup<QueueProxy<string>>("jobs");
    const waiting = assert.rejects(jobs.get(), ManagerClosedError);
    await jobs.qsize();
    await server.stop();
    stopped = true;
    await waiting;
  } finally {
    if (!stopped) await server.stop();
  }
});
