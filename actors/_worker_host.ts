/**
 * The entry module of every actor's worker. It waits for the `init` command, becomes the actor
 * (imports the target's module, builds the process object), runs it, ends its children the way
 * Python's exit handler does, and reports the exit code. It never exits on its own: the
 * supervisor answers the report with `halt`, so the report is never lost. (The supervisor never
 * calls `Worker.terminate()`: in Deno it does not stop synchronous code, and a thread stopped
 * that way spins at full CPU once it ends.)
 *
 * @module
 */
import process from "node:process";
import { parentPort, type Transferable } from "node:worker_threads";
import { describe, reviveHandles } from "./_portable.ts";
import type { ActorSpec, HostCommand, HostReport } from "./_protocol.ts";
import { runtime, type SupervisorLink, WorkerCalls } from "./_runtime.ts";
import { serializeError } from "./_serialized_error.ts";
import { inMacrotask } from "./_macrotask.ts";
import { loadRef } from "./_target.ts";
import { SystemExit, TargetNotFoundError } from "./errors.ts";
import { Process } from "./process.ts";

const control = parentPort!;

function report(message: HostReport, transfer: Transferable[] = []): void {
  control.postMessage(message, transfer);
}

const calls = new WorkerCalls((id, request) => report({ type: "call", id, request }));

const link: SupervisorLink = {
  spawn(spec) {
    report({ type: "spawn", spec }, [spec.mailPort]);
  },
  discard(pid) {
    report({ type: "discard", pid });
  },
  signal(pid, signal) {
    report({ type: "signal", pid, signal });
  },
  adopt(handle) {
    report({ type: "adopt", handle: describe(handle) });
  },
  call: (id, request) => calls.call(id, request),
};

control.on("message", (command: HostCommand) => {
  switch (command.type) {
    case "init":
      void become(command.spec);
      return;
    case "halt":
      // From a macrotask: with resource limits set (see the root supervisor), Deno 2.9 can
      // swallow an exit requested from a message event while `setImmediate` callbacks are
      // queued (the pool's workers run on them), and the worker would live on, unreported.
      setImmediate(() => process.exit(0));
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
  let self: Process;
  try {
    self = await instantiate(spec);
  } catch (error) {
    report({ type: "startFailed", error: serializeError(error) });
    return;
  }
  report({ type: "started" });
  try {
    await inMacrotask(() => self.run());
  } catch (thrown) {
    return finish({ thrown });
  }
  return finish(null);
}

async function instantiate(spec: ActorSpec): Promise<Process> {
  runtime.bootstrapping = true;
  try {
    const processClass = spec.processClass === null ? Process : await loadRef(spec.processClass);
    if (processClass !== Process && !(processClass.prototype instanceof Process)) {
      throw new TargetNotFoundError(
        `Cannot start process "${spec.name}": ${processClass.name} is not a Process subclass`,
      );
    }
    const target = spec.target === null ? undefined : await loadRef(spec.target);
    const args = await reviveHandles(spec.args);
    const self = runtime.constructSelf(() =>
      Reflect.construct(Process, [{ target, args }], processClass) as Process
    );
    Object.assign(self, await reviveHandles(spec.fields));
    runtime.selfHandle = self;
    return self;
  } finally {
    runtime.bootstrapping = false;
  }
}

let finishing = false;

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
  await runtime.endChildren();
  runtime.endMail();
  report({ type: "exit", code, error });
}

function describeThrown(thrown: unknown): string {
  return thrown instanceof Error
    ? thrown.stack ?? `${thrown.name}: ${thrown.message}`
    : String(thrown);
}
