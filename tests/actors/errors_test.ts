/**
 * The error classes: each library's `errors.ts`, exported from its `mod.ts` and from the root;
 * names, messages and causes; the families one `instanceof` covers; and an error thrown in a
 * worker arriving as its own class.
 */
import assert from "node:assert/strict";
import * as root from "../../mod.ts";
import * as actors from "../../actors/mod.ts";
import * as sync from "../../actors/sync/mod.ts";
import * as pool from "../../actors/pool/mod.ts";
import * as manager from "../../actors/manager/mod.ts";
import * as supervisor from "../../actors/supervisor/mod.ts";
import * as channels from "../../channels/mod.ts";
import {
  ActorExitedError,
  ChannelClosedError,
  Pool,
  PoolStateError,
  ShutDown,
  TaskTimeoutError,
  TimeoutError,
  WorkerDiedError,
} from "../../mod.ts";
import { throwNamed } from "../fixtures/pool_targets.ts";

type ErrorClass = new (message: string, options?: ErrorOptions) => Error;

/** Every error class of each barrel, by name. */
const BARRELS: [string, Record<string, unknown>, string[]][] = [
  ["actors", actors, [
    "ProcessStateError",
    "TargetNotFoundError",
    "CloneError",
    "TimeoutError",
    "BlockingError",
    "ActorExitedError",
    "MailboxFullError",
    "NameTakenError",
  ]],
  ["sync", sync, ["ReleaseError", "BrokenBarrierError"]],
  ["pool", pool, [
    "PoolStateError",
    "PoolTerminatedError",
    "WorkerDiedError",
    "TaskTimeoutError",
    "PoolQueueFullError",
  ]],
  ["manager", manager, ["ManagerClosedError", "AuthenticationError"]],
  ["supervisor", supervisor, ["SupervisorGaveUpError"]],
  ["channels", channels, [
    "Empty",
    "Full",
    "ChannelClosedError",
    "ShutDown",
    "BufferTooShort",
    "EOFError",
    "TaskDoneError",
  ]],
];

Deno.test("each library exports its errors from its mod.ts and from the root, named as the class", () => {
  for (const [barrel, exports, names] of BARRELS) {
    for (const name of names) {
      const ErrorClass = exports[name] as ErrorClass;
      assert.equal(typeof ErrorClass, "function", `${barrel} exports ${name}`);
      assert.equal((root as Record<string, unknown>)[name], ErrorClass, `the root exports ${name}`);
      const cause = new Error("root cause");
      const error = new ErrorClass(`Cannot do it: ${name}`, { cause });
      assert.ok(error instanceof Error);
      assert.equal(error.name, name);
      assert.equal(error.message, `Cannot do it: ${name}`);
      // BufferTooShort takes the bytes received before its options.
      if (name !== "BufferTooShort") assert.equal(error.cause, cause);
    }
  }
});

Deno.test("a pool task's timeout is a TimeoutError, a dead worker an ActorExitedError", () => {
  const timedOut = new TaskTimeoutError('Task "slow" timed out after 100 ms');
  assert.ok(timedOut instanceof TimeoutError);
  assert.equal(timedOut.name, "TaskTimeoutError");
  const died = new WorkerDiedError('Task "f" failed: pool worker "PoolWorker-2" died');
  assert.ok(died instanceof ActorExitedError);
  assert.equal(died.name, "WorkerDiedError");
  assert.ok(new ShutDown("Cannot put: the queue was shut down") instanceof ChannelClosedError);
  // The families are no wider than that.
  assert.ok(!(new PoolStateError("Cannot submit: closed") instanceof TimeoutError));
  assert.ok(!(new TimeoutError("No message arrived") instanceof TaskTimeoutError));
  assert.ok(!(new ActorExitedError("Cannot ask actor 7: it exited") instanceof WorkerDiedError));
});

Deno.test("an error thrown in a worker arrives as its own class, in its family", async () => {
  await using workers = new Pool({ processes: 1 });
  const names = BARRELS.flatMap(([, , names]) => names).filter((name) => name !== "BufferTooShort");
  for (const name of names) {
    const error = await workers.apply(throwNamed, [name, `thrown: ${name}`]).catch((e) => e);
    const ErrorClass = (root as Record<string, unknown>)[name] as ErrorClass;
    assert.ok(error instanceof ErrorClass, `${name} keeps its class: ${error}`);
    assert.equal(error.name, name);
    assert.equal(error.message, `thrown: ${name}`);
    assert.equal((error.cause as Error).message, "root cause");
  }
  const timedOut = await workers.apply(throwNamed, ["TaskTimeoutError", "late"]).catch((e) => e);
  assert.ok(timedOut instanceof TimeoutError);
  const died = await workers.apply(throwNamed, ["WorkerDiedError", "gone"]).catch((e) => e);
  assert.ok(died instanceof ActorExitedError);
});
