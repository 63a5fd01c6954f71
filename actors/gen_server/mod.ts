/**
 * Erlang's gen_server: a Behaviour class (init, handleCall, handleCast, handleInfo, terminate) run
 * by one generic actor loop, with call and cast.
 *
 * @example A bank account server
 * ```ts
 * import assert from "node:assert/strict";
 * import { startServer } from "./mod.ts";
 * import { Account } from "../../examples/doc_targets.ts";
 *
 * await using account = await startServer(Account, [100]);
 * await account.cast({ deposit: 50 });
 * assert.equal(await account.call("balance"), 150);
 * ```
 *
 * @module
 */
export * from "./behaviour.ts";
export * from "./start_server.ts";
