/**
 * `connectNats` and `ConnectionWatch` against real servers: each test that needs one starts its
 * own (`_server.ts`) and stops it.
 */
import assert from "node:assert/strict";
import { ActorExitedError } from "../../mod.ts";
import {
  type ConnectionEvent,
  ConnectionWatch,
  connectNats,
  JetStreamUnavailableError,
  type NatsConnection,
  NatsConnectionLostError,
  NatsCredentialsError,
  type NatsOptions,
  NatsUnavailableError,
} from "../../actors/nats/mod.ts";
import { natsTest, startNatsServer } from "./_server.ts";

/** A loopback port that nothing listens on (free a moment ago). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Resolves with the first event of `type`; an `until` bound keeps a missing one from hanging. */
function nextEvent(watch: ConnectionWatch, type: ConnectionEvent["type"]): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const stop = watch.onStatus((event) => {
    if (event.type === type) resolve();
  });
  const timer = setTimeout(() => reject(new Error(`no "${type}" within 20 s`)), 20_000);
  return promise.finally(() => {
    stop();
    clearTimeout(timer);
  });
}

/** Answers every request on `subject` with its own payload. */
function echo(nc: NatsConnection, subject: string) {
  return nc.subscribe(subject, { callback: (_error, msg) => void msg.respond(msg.data) });
}

natsTest(
  "connectNats connects to a JetStream server, and close() ends the connection",
  async () => {
    await using server = await startNatsServer();
    const nc = await connectNats({ servers: server.url, name: "connection-test" });
    echo(nc, "echo");
    assert.equal((await nc.request("echo", "ping", { timeout: 5000 })).string(), "ping");
    await nc.close();
    assert.ok(nc.isClosed());
  },
);

natsTest("connectNats accepts host:port and a list of servers", async () => {
  await using server = await startNatsServer({ jetstream: false });
  const nc = await connectNats({
    servers: [`127.0.0.1:${closedPort()}`, `127.0.0.1:${server.port}`],
    requireJetStream: false,
  });
  assert.equal(nc.getServer(), `127.0.0.1:${server.port}`);
  await nc.close();
});

Deno.test("a port nobody listens on gives NatsUnavailableError naming it", async () => {
  const servers = `127.0.0.1:${closedPort()}`;
  const error = await connectNats({ servers, timeout: 300 }).catch((error) => error);
  assert.ok(error instanceof NatsUnavailableError, String(error));
  assert.match(error.message, new RegExp(`Cannot connect to NATS at ${servers}: .*refused`));
});

Deno.test("a server that never completes the handshake gives NatsUnavailableError", async () => {
  // A TCP listener that accepts and says nothing: the NATS INFO never comes.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  try {
    const servers = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    const error = await connectNats({ servers, timeout: 300 }).catch((error) => error);
    assert.ok(error instanceof NatsUnavailableError, String(error));
    assert.match(error.message, /no server completed the NATS handshake within 300 ms/);
  } finally {
    listener.close();
    await accepting;
    for (const conn of accepted) conn.close();
  }
});

Deno.test("an un-awaited connectNats to a bad port rejects where it is handled", async () => {
  const pending = connectNats({ servers: `127.0.0.1:${closedPort()}`, timeout: 300 });
  const outcome = pending.then(() => "connected", (error) => error);
  // Other work runs while the connect fails in the background.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(await outcome instanceof NatsUnavailableError);
});

natsTest("a server without JetStream gives JetStreamUnavailableError, and closes", async () => {
  await using server = await startNatsServer({ jetstream: false });
  await assert.rejects(
    connectNats({ servers: server.url }),
    (error: Error) =>
      error instanceof JetStreamUnavailableError && /has no JetStream/.test(error.message) &&
      /requireJetStream: false/.test(error.message),
  );
});

natsTest("requireJetStream: false connects to a server without JetStream", async () => {
  await using server = await startNatsServer({ jetstream: false });
  const nc = await connectNats({ servers: server.url, requireJetStream: false });
  echo(nc, "echo");
  assert.equal((await nc.request("echo", "core", { timeout: 5000 })).string(), "core");
  await nc.close();
});

Deno.test("connectNats rejects bad options before connecting", async () => {
  const cases: [options: unknown, kind: ErrorConstructor, message: RegExp][] = [
    [undefined, TypeError, /options must be an object/],
    [{}, TypeError, /servers must be a server address/],
    [{ servers: 4222 }, TypeError, /servers must be a server address/],
    [{ servers: [] }, RangeError, /servers must name a server/],
    [{ servers: [4222] }, TypeError, /each server must be a string .*, got 4222/],
    [{ servers: "" }, RangeError, /"" is not a server address/],
    [{ servers: "http://127.0.0.1:4222" }, RangeError, /"http:\/\/127.0.0.1:4222" is not a/],
    [{ servers: "127.0.0.1:99999" }, RangeError, /is not a server address/],
    [{ servers: "127.0.0.1:0" }, RangeError, /is not a server address/],
    [{ servers: "127.0.0.1:port" }, RangeError, /is not a server address/],
    [{ servers: "nats://127.0.0.1:4222/path" }, RangeError, /is not a server address/],
    [{ servers: ["127.0.0.1:4222", "a b:1"] }, RangeError, /"a b:1" is not a server address/],
    [{ servers: "127.0.0.1", name: 7 }, TypeError, /name must be a string/],
    [{ servers: "127.0.0.1", credentials: "" }, TypeError, /credentials must be the path/],
    [{ servers: "127.0.0.1", credentials: {} }, TypeError, /credentials must be the path/],
    [{ servers: "127.0.0.1", requireJetStream: "yes" }, TypeError, /must be a boolean/],
    [{ servers: "127.0.0.1", timeout: "5s" }, TypeError, /timeout must be an integer/],
    [{ servers: "127.0.0.1", timeout: NaN }, RangeError, /timeout must be an integer from 1/],
    [{ servers: "127.0.0.1", timeout: -1 }, RangeError, /timeout must be an integer from 1/],
    [{ servers: "127.0.0.1", timeout: 0 }, RangeError, /timeout must be an integer from 1/],
    [{ servers: "127.0.0.1", timeout: 2.5 }, RangeError, /timeout must be an integer from 1/],
    [{ servers: "127.0.0.1", timeout: Infinity }, RangeError, /got Infinity/],
  ];
  for (const [options, kind, message] of cases) {
    await assert.rejects(
      connectNats(options as NatsOptions),
      (error: Error) => error.constructor === kind && message.test(error.message),
      JSON.stringify(options),
    );
  }
});

Deno.test("a missing credentials file gives NatsCredentialsError naming the path", async () => {
  const path = `${await Deno.makeTempDir()}/missing.creds`;
  try {
    await assert.rejects(
      connectNats({ servers: "127.0.0.1:4222", credentials: path }),
      (error: Error) =>
        error instanceof NatsCredentialsError && error.message.includes(path) &&
        /no such file/.test(error.message),
    );
  } finally {
    await Deno.remove(path.slice(0, -"/missing.creds".length), { recursive: true });
  }
});

/** A well-formed .creds file: a user JWT (a dummy one) and a user nkey seed made for this test. */
const CREDS = [
  "-----BEGIN NATS USER JWT-----",
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln",
  "------END NATS USER JWT------",
  "",
  "-----BEGIN USER NKEY SEED-----",
  "SUAMIVP5MVXMPVODMVVESZLPGTEVGUQSCFSP7YZ3OVFTSH5APCWELNOYFE",
  "------END USER NKEY SEED------",
  "",
].join("\n");

natsTest("a credentials file is checked when read, and a valid one is sent", async () => {
  await using server = await startNatsServer({ jetstream: false });
  const path = await Deno.makeTempFile({ suffix: ".creds" });
  try {
    await Deno.writeTextFile(path, "not a creds file\n");
    await assert.rejects(
      connectNats({ servers: server.url, credentials: path, requireJetStream: false }),
      (error: Error) =>
        error instanceof NatsCredentialsError &&
        error.message.includes(`${path} is not a NATS credentials file`),
    );
    await Deno.writeTextFile(path, CREDS.replace("SUAMIVP5", "SUAMIVP6"));
    await assert.rejects(
      connectNats({ servers: server.url, credentials: path, requireJetStream: false }),
      NatsCredentialsError,
    );
    // A server without authentication accepts any well-formed credentials.
    await Deno.writeTextFile(path, CREDS);
    const nc = await connectNats({
      servers: server.url,
      credentials: path,
      requireJetStream: false,
    });
    await nc.close();
  } finally {
    await Deno.remove(path);
  }
});

natsTest("a restarted server: disconnect, then reconnect, and requests work again", async () => {
  await using server = await startNatsServer();
  const nc = await connectNats({ servers: server.url });
  try {
    const watch = new ConnectionWatch(nc);
    const events: ConnectionEvent[] = [];
    watch.onStatus((event) => events.push(event));
    echo(nc, "echo");
    const reconnected = nextEvent(watch, "reconnect");
    await server.restart();
    await reconnected;
    assert.equal(watch.connected, true);
    const address = `127.0.0.1:${server.port}`;
    assert.deepEqual(events, [
      { type: "disconnect", server: address },
      { type: "reconnect", server: address },
    ]);
    // The subscription was restored: the echo answers on the new server.
    assert.equal((await nc.request("echo", "again", { timeout: 5000 })).string(), "again");
  } finally {
    await nc.close();
  }
});

natsTest("guard fails an operation in flight when the connection is lost", async () => {
  await using server = await startNatsServer({ jetstream: false });
  const nc = await connectNats({ servers: server.url, requireJetStream: false });
  try {
    const watch = new ConnectionWatch(nc);
    // Subscribed but silent: the request waits until the connection goes.
    nc.subscribe("silent");
    await nc.flush();
    const asking = watch.guard(nc.request("silent", "", { timeout: 60_000 }), "ask silent")
      .catch((error) => error);
    const disconnected = nextEvent(watch, "disconnect");
    await server.stop();
    await disconnected;
    const error = await asking;
    assert.ok(error instanceof NatsConnectionLostError, String(error));
    assert.ok(error instanceof ActorExitedError);
    assert.match(
      error.message,
      /^Cannot ask silent: the connection to NATS \(127.0.0.1:\d+\) was lost/,
    );
    // While it is down, a new operation fails at once.
    assert.equal(watch.connected, false);
    await assert.rejects(
      watch.guard(nc.request("silent", "", { timeout: 60_000 }), "ask again"),
      NatsConnectionLostError,
    );
  } finally {
    // Closing ends the reconnect loop too.
    await nc.close();
  }
});

natsTest("guard passes an operation's own result and error through", async () => {
  await using server = await startNatsServer({ jetstream: false });
  const nc = await connectNats({ servers: server.url, requireJetStream: false });
  try {
    const watch = new ConnectionWatch(nc);
    echo(nc, "echo");
    const reply = await watch.guard(nc.request("echo", "x", { timeout: 5000 }), "ask echo");
    assert.equal(reply.string(), "x");
    await assert.rejects(watch.guard(Promise.reject(new RangeError("own")), "fail"), RangeError);
  } finally {
    await nc.close();
  }
});

natsTest("a listener that throws is reported, and the other listeners still run", async () => {
  await using server = await startNatsServer({ jetstream: false });
  const nc = await connectNats({ servers: server.url, requireJetStream: false });
  const reported: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    reported.push(event.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    const watch = new ConnectionWatch(nc);
    watch.onStatus(() => {
      throw new Error("listener bug");
    });
    // A listener added after the throwing one: it still hears the reconnect.
    const reconnected = nextEvent(watch, "reconnect");
    await server.restart();
    await reconnected;
    assert.deepEqual(reported.map((error) => (error as Error).message), [
      "listener bug",
      "listener bug",
    ]);
  } finally {
    globalThis.removeEventListener("error", onError);
    await nc.close();
  }
});
