/**
 * Contexts, as Python's `get_context()` and `set_start_method()`: `getContext("local")` is the
 * library on this machine, `getContext("nats", { servers })` starts processes on the agents of
 * a NATS cluster, and `setDefaultContext(ctx)` makes plain `new Process()` use one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultContext, getContext } from "./mod.ts";
 *
 * const mp = await getContext();
 * assert.equal(mp.kind, "local");
 * assert.equal(defaultContext(), mp);
 * ```
 *
 * @module
 */
export {
  type AgentInfo,
  type Api,
  type Context,
  type ContextBase,
  defaultContext,
  getContext,
  type LocalContext,
  type NatsContext,
  type NatsContextOptions,
  setDefaultContext,
} from "./context.ts";
export {
  JetStreamUnavailableError,
  NatsConnectionLostError,
  NatsCredentialsError,
  NatsUnavailableError,
} from "../nats/errors.ts";
