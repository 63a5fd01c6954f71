/**
 * A private `nats-server` for a test or a bench: loopback only, free ports, JetStream in a
 * throwaway directory, stopped by its pid. Each test starts its own, even when `MP_NATS` names
 * a shared one, so no test sees another's streams or subjects.
 *
 * `nats-server` comes from Debian (`apt-get install nats-server`); `.ci/run` installs it. When
 * it is missing, {@linkcode natsTest} skips a test with a notice, except on CI (`CI` set), where
 * the test fails and says why.
 */

/** A running server. */
export interface NatsServer extends AsyncDisposable {
  /** Where clients connect: `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** The client port; a restarted server keeps it. */
  readonly port: number;
  /** The server process's id; a restarted server has a new one. */
  readonly pid: number;
  /** Stops the server (SIGTERM, then waits for it to exit) and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same ports and store, so clients reconnect. */
  restart(): Promise<void>;
}

/** What {@linkcode startNatsServer} starts. */
export interface NatsServerOptions {
  /** With JetStream (`-js`, stored in the server's directory). @default {true} */
  jetstream?: boolean;
}

/** The `nats-server` executable on `PATH`, or null when it is not installed. */
export const natsServerPath: string | null = findOnPath("nats-server");

const HEALTHY_WITHIN_MS = 10_000;
const STARTS = 3;

function findOnPath(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch {
      // Not in this directory.
    }
  }
  return null;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Starts a server and waits until its monitoring port reports it healthy (with JetStream ready,
 * when asked). A port picked free can be taken before the server binds it; the start is then
 * tried again on other ports.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const { jetstream = true } = options;
  if (natsServerPath === null) {
    throw new Error(
      "nats-server is not on PATH: install Debian's (apt-get install nats-server; .ci/run does on CI)",
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "mp-nats-" });
  for (let attempt = 1;; attempt++) {
    const server = new Server(natsServerPath, dir, jetstream, freePort(), freePort());
    try {
      await server.start();
      return server;
    } catch (error) {
      if (attempt === STARTS) {
        await Deno.remove(dir, { recursive: true });
        throw error;
      }
    }
  }
}

class Server implements NatsServer {
  readonly url: string;
  #child: Deno.ChildProcess | undefined;
  #exited: Promise<Deno.CommandStatus> | undefined;
  #removed = false;

  constructor(
    readonly executable: string,
    readonly dir: string,
    readonly jetstream: boolean,
    readonly port: number,
    readonly monitorPort: number,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
  }

  get pid(): number {
    if (this.#child === undefined) throw new Error(`nats-server on ${this.url} is not running`);
    return this.#child.pid;
  }

  async start(): Promise<void> {
    const args = ["-a", "127.0.0.1", "-p", `${this.port}`, "-m", `${this.monitorPort}`];
    if (this.jetstream) args.push("-js", "-sd", `${this.dir}/store`);
    args.push("-l", `${this.dir}/nats.log`);
    const child = new Deno.Command(this.executable, { args, stdout: "null", stderr: "null" })
      .spawn();
    this.#child = child;
    this.#exited = child.status;
    try {
      await this.#healthy();
    } catch (error) {
      await this.#kill();
      throw error;
    }
  }

  async #healthy(): Promise<void> {
    let exited = false;
    this.#exited!.then(() => exited = true);
    const query = this.jetstream ? "?js-enabled-only=true" : "";
    const url = `http://127.0.0.1:${this.monitorPort}/healthz${query}`;
    const deadline = Date.now() + HEALTHY_WITHIN_MS;
    while (!exited && Date.now() < deadline) {
      try {
        const response = await fetch(url);
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const log = await Deno.readTextFile(`${this.dir}/nats.log`).catch(() => "(no log)");
    throw new Error(
      `nats-server on ${this.url} ${exited ? "exited" : "was not healthy"} within ` +
        `${HEALTHY_WITHIN_MS} ms; its log ends:\n${log.split("\n").slice(-15).join("\n")}`,
    );
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    try {
      child.kill("SIGTERM");
    } catch {
      // It exited already.
    }
    await this.#exited;
  }

  async restart(): Promise<void> {
    await this.#kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.#kill();
    if (this.#removed) return;
    this.#removed = true;
    await Deno.remove(this.dir, { recursive: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

const inCi = Deno.env.get("CI") !== undefined;
if (natsServerPath === null && !inCi) {
  console.log(
    "nats-server is not installed: the NATS tests and bench lines are skipped (apt-get install it)",
  );
}

/**
 * A test that needs `nats-server`: skipped when it is missing, except on CI, where it fails
 * with {@linkcode startNatsServer}'s message.
 */
export function natsTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({ name, ignore: natsServerPath === null && !inCi, fn });
}
