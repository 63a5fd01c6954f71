/**
 * Contexts, as Python's `multiprocessing.get_context()`: an object with every constructor and
 * function of the library, bound to where its processes run. The local context is the library
 * as it is; a NATS context starts its processes on the agents of a NATS cluster.
 *
 * @module
 */
import { isMainThread } from "node:worker_threads";
import * as actors from "../mod.ts";
import * as genServer from "../gen_server/mod.ts";
import * as supervisor from "../supervisor/mod.ts";
import * as sync from "../sync/mod.ts";
import * as pool from "../pool/mod.ts";
import * as manager from "../manager/mod.ts";
import * as observer from "../observer/mod.ts";
import * as channels from "../../channels/mod.ts";
import type { Placement } from "../placement.ts";
import { ProcessStateError } from "../errors.ts";
import { describeValue } from "../_shm/time.ts";
import type { AgentInfo, NatsContextOptions, NatsPlacement } from "../nats/placement.ts";

export type { AgentInfo, NatsContextOptions };

/** Every constructor and function of the library, as `mod.ts` exports them. */
export type Api =
  & typeof actors
  & typeof genServer
  & typeof supervisor
  & typeof sync
  & typeof pool
  & typeof manager
  & typeof observer
  & typeof channels;

const api: Api = Object.freeze({
  ...actors,
  ...genServer,
  ...supervisor,
  ...sync,
  ...pool,
  ...manager,
  ...observer,
  ...channels,
});

/** What every context has beyond the library's API. */
export interface ContextBase {
  /** `"local"` or `"nats"`. */
  readonly kind: "local" | "nats";
  /** Where this context's processes run when they do not say. */
  readonly placement: Placement;
  /** Releases what the context holds (a NATS connection); the local context holds nothing. */
  close(): Promise<void>;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The library on this machine: `getContext("local")`. */
export type LocalContext = Api & ContextBase & { readonly kind: "local" };

/** Any context. */
export type Context = Api & ContextBase;

/**
 * The library's API with processes started where `placement` says: `Process` (a class whose
 * instances, and whose subclasses, are `Process`es), `spawn`, `startServer` and `Supervisor`
 * children take it as their default placement.
 */
function placedApi(placement: Placement): Api {
  const Process: typeof actors.Process = new Proxy(actors.Process, {
    construct(target, [options = {}], newTarget): object {
      return Reflect.construct(
        target,
        [{ placement, ...options }],
        newTarget === Process ? target : newTarget,
      );
    },
  });
  const Supervisor: typeof supervisor.Supervisor = new Proxy(supervisor.Supervisor, {
    construct(target, [options = {}], newTarget): object {
      const children = Array.isArray(options?.children)
        ? options.children.map((child: object) => ({ placement, ...child }))
        : options?.children;
      return Reflect.construct(
        target,
        [{ ...options, children }],
        newTarget === Supervisor ? target : newTarget,
      );
    },
  });
  return Object.freeze({
    ...api,
    Process,
    Supervisor,
    spawn: ((target, args, options) =>
      actors.spawn(target, args, { placement, ...options })) as typeof actors.spawn,
    startServer: ((behaviour, args, options) =>
      genServer.startServer(behaviour, args, {
        placement,
        ...options,
      })) as typeof genServer.startServer,
  });
}

const local: LocalContext = Object.freeze({
  ...api,
  kind: "local" as const,
  placement: "local" as const,
  close: () => Promise.resolve(),
  [Symbol.asyncDispose]: () => Promise.resolve(),
});

let current: Context = local;

/**
 * The local context: the library as it is, on this machine.
 *
 * @example The local context is the library itself
 * ```ts
 * import assert from "node:assert/strict";
 * import { getContext, Process } from "../../mod.ts";
 *
 * const mp = await getContext("local");
 * assert.equal(mp.Process, Process);
 * ```
 */
export function getContext(kind?: "local"): Promise<LocalContext>;
/**
 * A NATS context: its processes, `spawn`s, servers and supervisor children start on the agents
 * of the cluster (`deno task agent -- --servers <url>` on each machine), chosen in turn, unless
 * their `placement` says otherwise. Everything else is the library as it is.
 *
 * @throws {NatsUnavailableError} If no server answers within `timeout`.
 * @throws {JetStreamUnavailableError} If the server runs without JetStream.
 *
 * @example A process on an agent (needs a server and an agent)
 * ```ts ignore
 * import { getContext } from "../../mod.ts";
 * import { echoServer } from "../../examples/doc_targets.ts";
 *
 * await using mp = await getContext("nats", { servers: "nats://127.0.0.1:4222" });
 * await mp.agents({ atLeast: 1 });
 * const echo = await mp.spawn(echoServer);
 * console.log(await echo.ask("marco"));
 * ```
 */
export function getContext(kind: "nats", options: NatsContextOptions): Promise<NatsContext>;
export async function getContext(
  kind: "local" | "nats" = "local",
  options?: NatsContextOptions,
): Promise<Context> {
  if (kind === "local") return local;
  if (kind !== "nats") {
    throw new TypeError(
      `Cannot get a context: the kind must be "local" or "nats", got ${describeValue(kind)}`,
    );
  }
  if (!isMainThread) {
    throw new ProcessStateError(
      "Cannot get a NATS context inside an actor: open it in the main program; an actor it " +
        "starts on an agent runs its own children there",
    );
  }
  // Loaded on demand, from a computed URL: the NATS client is a dependency of this context
  // only, and a program that never asks for it never loads it.
  const nats: { openNatsPlacement(options: NatsContextOptions): Promise<NatsPlacement> } =
    await import(new URL("../nats/context.ts", import.meta.url).href);
  return contextOf(await nats.openNatsPlacement(options ?? ({} as NatsContextOptions)));
}

/** A NATS context: see `getContext("nats", options)`. */
export type NatsContext = Api & ContextBase & {
  readonly kind: "nats";
  /**
   * The live agents of the cluster; with `atLeast`, waits (up to `timeout` ms, 5000 by default)
   * until that many are live.
   *
   * @throws {SpawnError} If fewer than `atLeast` agents are live by then.
   */
  agents(options?: { atLeast?: number; timeout?: number }): Promise<AgentInfo[]>;
};

/** A context from what places its processes. */
function contextOf(placer: NatsPlacement): NatsContext {
  const close = async () => {
    if (current === context) setDefaultContext(local);
    await placer.close();
  };
  const context: NatsContext = Object.freeze({
    ...placedApi(placer.placement),
    agents: (options?: { atLeast?: number; timeout?: number }) => placer.agents(options),
    kind: placer.kind,
    placement: placer.placement,
    close,
    [Symbol.asyncDispose]: close,
    [placerOf]: placer,
  });
  return context;
}

const placerOf = Symbol("placer");

/**
 * Makes `context` the program's default, as Python's `set_start_method`: plain `new Process()`,
 * `spawn()` and supervisor children from `mod.ts` start where it places them. The local
 * context restores the default.
 *
 * @throws {TypeError} If `context` is not a context from `getContext`.
 */
export function setDefaultContext(context: Context): void {
  if (context !== local && placerOfContext(context) === undefined) {
    throw new TypeError(
      `Cannot set the default context: expected a context from getContext(), got ${
        describeValue(context)
      }`,
    );
  }
  placerOfContext(current)?.becomeDefault(false);
  current = context;
  placerOfContext(context)?.becomeDefault(true);
}

/** The program's default context: the local one unless `setDefaultContext` chose another. */
export function defaultContext(): Context {
  return current;
}

/**
 * The context `MP_CONTEXT` names: `local`, or `nats://host:port[,host:port...]` with optional
 * `?cluster=&name=&credentials=&timeout=&heartbeatMs=&deadAfterMs=`.
 *
 * @throws {TypeError} If the value is neither.
 */
export function contextFromEnvironment(value: string): NatsContextOptions | "local" {
  if (value === "local") return "local";
  const match = /^(nats|tls):\/\/([^?]+)(?:\?(.*))?$/.exec(value);
  if (match === null) {
    throw new TypeError(
      `MP_CONTEXT must be "local" or "nats://host:port[?cluster=name]", got ${
        JSON.stringify(value)
      }`,
    );
  }
  const [, scheme, hosts, query = ""] = match;
  const options: NatsContextOptions = {
    servers: hosts.split(",").map((host) => `${scheme}://${host}`),
  };
  const parameters = new URLSearchParams(query);
  for (const [key, text] of parameters) {
    switch (key) {
      case "cluster":
      case "name":
      case "credentials":
        options[key] = text;
        break;
      case "timeout":
      case "heartbeatMs":
      case "deadAfterMs":
        options[key] = Number(text);
        break;
      default:
        throw new TypeError(
          `MP_CONTEXT has an unknown parameter "${key}": expected cluster, name, credentials, ` +
            "timeout, heartbeatMs or deadAfterMs",
        );
    }
  }
  return options;
}

/**
 * `MP_CONTEXT` in the environment of the main program makes its context the default before the
 * program's code runs, so an unchanged program runs on NATS. Read only where the program may
 * read it without a prompt (`--allow-env`, or `--allow-env=MP_CONTEXT`); actors (workers) never
 * open a context of their own: their children are placed by the main program's.
 */
async function applyEnvironment(): Promise<void> {
  if (!isMainThread) return;
  const permission = Deno.permissions.querySync({ name: "env", variable: "MP_CONTEXT" });
  if (permission.state !== "granted") return;
  const value = Deno.env.get("MP_CONTEXT");
  if (value === undefined || value === "") return;
  const options = contextFromEnvironment(value);
  if (options !== "local") setDefaultContext(await getContext("nats", options));
}

await applyEnvironment();

function placerOfContext(context: unknown): NatsPlacement | undefined {
  return typeof context === "object" && context !== null
    ? (context as Record<symbol, NatsPlacement | undefined>)[placerOf]
    : undefined;
}
