/**
 * The entry module of every actor's worker. It waits for the `init` command, becomes the actor
 * (imports the target's module, builds the process object), runs it, ends its children the way
 * Python's exit handler does, and reports the exit code. It never exits on its own once it runs:
 * the supervisor ends its worker once the report is in, so the report is never lost. (The
 * supervisor never stops a running actor with `Worker.terminate()`, which in Deno does not stop
 * synchronous code: it sends `halt`, which the host obeys at its next turn; only a host that has
 * reported its end is terminated, which spares the main thread the wait of a worker exiting by
 * itself.) `Deno.exit(code)` in the actor is the natural port of
 * Python's `sys.exit(code)`, so it ends the actor the way `exit(code)` does, keeping the code.
 *
 * @module
 */
import { parentPort, type Transferable } from "node:worker_threads";
import { describe, reviveHandles } from "./handles.ts";
import {
  type ActorSpec,
  type HoldChange,
  type HostCommand,
  type HostReport,
  STATUS_HALT,
} from "./protocol.ts";
import type { SharedPrimitive } from "./holdings.ts";
import { WorkerCalls, type WorkerLink } from "./root_link.ts";
import { runtime } from "./runtime.ts";
import { serializeError } from "./wire_errors.ts";
import { inMacrotask } from "./macrotask.ts";
import { mail } from "./mail.ts";
import { loadRef } from "./targets.ts";
import { SystemExit, TargetNotFoundError } from "../errors.ts";

/** What the host runs: an object of the spec's class (a `Process`), which it never imports. */
interface ActorObject {
  run(): unknown;
}

const control = parentPort!;

function report(message: HostReport, transfer: Transferable[] = []): void {
  control.postMessage(message, transfer);
}

const calls = new WorkerCalls((id, request) => report({ type: "call", id, request }));

/**
 * Changes of holdings not yet reported, in order. A hold keeps its object until the report is
 * built: its description is taken then, once the object is fully constructed.
 */
type PendingChange =
  | { type: "hold"; id: string; handle: SharedPrimitive }
  | Extract<HoldChange, { type: "release" }>;

let holdChanges: PendingChange[] = [];

/** Queues a change of holdings; one report carries all the changes of a turn. */
function holdsChanged(change: PendingChange): void {
  if (holdChanges.length === 0) queueMicrotask(reportHolds);
  holdChanges.push(change);
}

function reportHolds(): void {
  const changes = holdChanges.map((change): HoldChange =>
    change.type === "hold"
      ? { type: "hold", id: change.id, handle: describe(change.handle) }
      : change
  );
  holdChanges = [];
  report({ type: "holds", changes });
}

const link: WorkerLink = {
  spawn(spec) {
    report({ type: "spawn", spec }, [spec.mailPort]);
  },
  discard(pid) {
    report({ type: "discard", pid });
  },
  signal(pid, signal) {
    report({ type: "signal", pid, signal });
  },
  hold(id, handle) {
    holdsChanged({ type: "hold", id, handle });
  },
  release(id) {
    holdsChanged({ type: "release", id });
  },
  call: (id, request) => calls.call(id, request),
  acknowledge(ack) {
    report({ type: "started", ack });
  },
};

control.on("message", (command: HostCommand) => {
  switch (command.type) {
    case "init":
      void become(command.spec);
      return;
    case "warm":
      // A module that fails here fails again at the start that needs it, which reports it.
      for (const module of command.modules) import(module).catch(() => {});
      return;
    case "halt":
      // From a macrotask: with resource limits set (see the root supervisor), Deno 2.9 can
      // swallow an exit requested from a message event while `setImmediate` callbacks are
      // queued (the pool's workers run on them), and the worker would live on, unreported.
      setImmediate(() => exitThread(0));
      return;
    case "answer":
      calls.settle(command);
      return;
    case "childStarted":
    case "childStartFailed":
    case "childExited":
    case "peer":
    case "peerExited":
    case "exitSignal":
      runtime.dispatch(command);
      return;
    default: {
      const unknown: never = command;
      throw new TypeError(`Unknown supervisor command ${JSON.stringify(unknown)}`);
    }
  }
});

async function become(spec: ActorSpec): Promise<void> {
  runtime.configureWorker(spec, link);
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    void finish({ thrown: event.error });
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    void finish({ thrown: event.reason });
  });
  Deno.exit = exitActor;
  haltOnOutput();
  let self: ActorObject;
  try {
    self = await instantiate(spec);
  } catch (error) {
    // The start failed in the child (its target not found, its module failed to load): the
    // child reports it as it reports an uncaught error, once, and the parent's start() rejects.
    if (finishing) return;
    finishing = true;
    console.error(
      `Process ${runtime.name} (pid ${runtime.pid}) failed to start:\n${describeThrown(error)}`,
    );
    report({ type: "startFailed", error: serializeError(error) });
    return;
  }
  if (finishing) return;
  // A start that waits for the actor's own acknowledgement is reported by `initAck()`.
  if (!spec.initAck) report({ type: "started" });
  try {
    await inMacrotask(() => self.run());
  } catch (thrown) {
    return finish({ thrown });
  }
  return finish(null);
}

async function instantiate(spec: ActorSpec): Promise<ActorObject> {
  runtime.bootstrapping = true;
  try {
    const base = await loadRef(spec.baseClass);
    const processClass = spec.processClass === null ? base : await loadRef(spec.processClass);
    if (processClass !== base && !(processClass.prototype instanceof base)) {
      throw new TargetNotFoundError(
        `Cannot start process "${spec.name}": ${processClass.name} is not a Process subclass`,
      );
    }
    const target = spec.target === null ? undefined : await loadRef(spec.target);
    const args = await reviveHandles(spec.args);
    const self = runtime.constructSelf(() =>
      Reflect.construct(base, [{ target, args }], processClass) as ActorObject
    );
    Object.assign(self, await reviveHandles(spec.fields));
    runtime.selfHandle = self;
    return self;
  } finally {
    runtime.bootstrapping = false;
  }
}

let finishing = false;

/**
 * A halted actor prints nothing more. Deno cannot interrupt its code (a daemon ended with the
 * main program, a terminated process in a loop), but it can refuse the code's side effects: as
 * the actor stops at its next touch of shared state, it stops at its next line of output, so
 * nothing it prints appears after its parent was told it ended.
 */
function haltOnOutput(): void {
  const methods = console as unknown as Record<string, unknown>;
  for (const name of Object.keys(methods)) {
    const method = methods[name];
    if (typeof method !== "function") continue;
    methods[name] = function (this: unknown, ...args: unknown[]) {
      runtime.haltIfReaped();
      return method.apply(this, args);
    };
  }
}

/** Ends this thread: the real `Deno.exit` (which `process.exit` from `node:process` calls too). */
const exitThread = Deno.exit;

/**
 * `Deno.exit(code)` inside an actor: it ends the actor with `code`, as the library's `exit(code)`
 * does (its children end as they would on return, its mail is flushed), and stops the code that
 * called it by throwing {@linkcode SystemExit}. Even if that code catches it, the actor ends.
 * `process.exit(code)` from `node:process` calls `Deno.exit`, so it does the same.
 */
function exitActor(code?: number): never {
  // The supervisor's halt (and a reaped actor's halt check) really ends the thread.
  if (Atomics.load(runtime.status, STATUS_HALT) === 1) exitThread(code);
  const exit = new SystemExit(
    code === undefined || !Number.isFinite(code) ? 0 : Math.trunc(code) & 0xff,
  );
  void finish({ thrown: exit });
  throw exit;
}

/** Ends the actor once, whichever of return, throw, `exit()` or an uncaught error came first. */
async function finish(outcome: { thrown: unknown } | null): Promise<void> {
  if (finishing) return;
  finishing = true;
  let code = 0;
  let error = null;
  if (outcome !== null && outcome.thrown instanceof SystemExit) {
    code = outcome.thrown.code;
  } else if (outcome !== null) {
    code = 1;
    error = serializeError(outcome.thrown);
    console.error(
      `Process ${runtime.name} (pid ${runtime.pid}) failed:\n${describeThrown(outcome.thrown)}`,
    );
  }
  await runtime.exitWork();
  await runtime.endChildren();
  mail.endMail();
  report({ type: "exit", code, error });
}

function describeThrown(thrown: unknown): string {
  return thrown instanceof Error
    ? thrown.stack ?? `${thrown.name}: ${thrown.message}`
    : String(thrown);
}
