import type { TargetRef } from "./_protocol.ts";
import { TargetNotFoundError } from "./errors.ts";

// deno-lint-ignore ban-types
type Callable = Function;

const registered = new Map<string, Callable>();
const knownRefs = new WeakMap<Callable, TargetRef>();

const key = (module: string, name: string) => `${module}#${name}`;

/** Records `value` under its name in `module`, so any worker that imports the module finds it. */
export function registerTarget(module: string, value: Callable): void {
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot register task: expected a function or a Process subclass, got ${typeof value}`,
    );
  }
  if (value.name === "") {
    throw new TypeError(
      `Cannot register task from ${module}: the function has no name; declare it as ` +
        "`function work() {}` or `const work = () => {}` so workers can find it by name",
    );
  }
  if (new URL(module).hash !== "") {
    throw new TypeError(
      `Cannot register task "${value.name}": its module ${module} is not a file a worker can ` +
        "import (a documentation example or evaluated code); define the target in a module file",
    );
  }
  const existing = registered.get(key(module, value.name));
  if (existing !== undefined && existing !== value) {
    throw new TypeError(
      `Cannot register task "${value.name}" from ${module}: another task of that name is ` +
        "registered by the same module; give each task a distinct name",
    );
  }
  registered.set(key(module, value.name), value);
  knownRefs.set(value, { module, name: value.name, via: "task" });
}

/**
 * Names how a worker can reach `value`: a registered task, or else the export of the main
 * module that bears the function's name (Python's rule that targets live in `__main__` or an
 * importable module). The parent cannot check the export itself: the main module may still be
 * evaluating its top-level `await`, so the worker checks it and a miss fails the start.
 */
export function refFor(value: Callable, mainModule: string, describe: string): TargetRef {
  const known = knownRefs.get(value);
  if (known !== undefined) return known;
  if (value.name === "") {
    throw new TargetNotFoundError(
      `Cannot start ${describe}: its target is an anonymous function, which a worker cannot ` +
        "find; declare it with a name and export it from the main module, or register it with " +
        "`task(import.meta, fn)`",
    );
  }
  return { module: mainModule, name: value.name, via: "export" };
}

/** Imports the module of `ref` and returns the function or class it names. */
export async function loadRef(ref: TargetRef): Promise<Callable> {
  const namespace: Record<string, unknown> = await import(ref.module);
  const value = ref.via === "task"
    ? registered.get(key(ref.module, ref.name))
    : namespace[ref.name];
  if (typeof value !== "function") {
    throw new TargetNotFoundError(
      ref.via === "task"
        ? `Cannot find task "${ref.name}" in ${ref.module} inside the worker: register it ` +
          "unconditionally at the module's top level, not inside `if (import.meta.main)`"
        : `Cannot find "${ref.name}" among the exports of the main module ${ref.module}: a ` +
          `worker can only run what it can import. Write \`export function ${ref.name}\` (or ` +
          `export the class) at the top level of the main module, or call ` +
          `\`task(import.meta, ${ref.name})\` in the module that defines it.`,
    );
  }
  return value;
}
