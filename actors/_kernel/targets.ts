import type { TargetRef } from "./protocol.ts";
import { TargetNotFoundError } from "../errors.ts";

// deno-lint-ignore ban-types
type Callable = Function;

const registered = new Map<string, Callable>();
/** The nameless tasks of each module, in the order the module registers them. */
const nameless = new Map<string, Callable[]>();
const knownRefs = new WeakMap<Callable, TargetRef>();

const key = (module: string, name: string) => `${module}#${name}`;

/**
 * Records `value` under its name in `module`, so any worker that imports the module finds it. A
 * function without a name (`task(import.meta, async (x) => ...)`: an arrow passed straight to a
 * call gets none) is recorded by its position among the module's nameless tasks, which every
 * actor importing the module registers in the same order.
 */
export function registerTarget(module: string, value: Callable): void {
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot register task: expected a function or a Process subclass, got ${typeof value}`,
    );
  }
  const label = value.name === "" ? "an anonymous task" : `task "${value.name}"`;
  if (new URL(module).hash !== "") {
    throw new TypeError(
      `Cannot register ${label}: its module ${module} is not a file a worker can import (a ` +
        "documentation example or evaluated code); define the target in a module file",
    );
  }
  if (knownRefs.has(value)) return;
  if (value.name === "") {
    const tasks = nameless.get(module) ?? [];
    nameless.set(module, tasks);
    tasks.push(value);
    knownRefs.set(value, {
      module,
      name: String(tasks.length),
      via: "anonymous",
      fingerprint: fingerprint(value),
    });
    return;
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
 *
 * @param option The option that holds `value` (`target`): a function written inline there
 * takes that name, and a miss is then explained as a closure.
 */
export function refFor(
  value: Callable,
  mainModule: string,
  describe: string,
  option = "target",
): TargetRef {
  const known = knownRefs.get(value);
  if (known !== undefined) return known;
  if (value.name === "") {
    throw new TargetNotFoundError(
      `Cannot start ${describe}: its target is an anonymous function, which a worker cannot ` +
        "find; declare it with a name and export it from the main module, or register it with " +
        "`task(import.meta, fn)`",
    );
  }
  const ref: TargetRef = { module: mainModule, name: value.name, via: "export" };
  if (value.name === option && !declaresOwnName(value)) ref.inline = true;
  return ref;
}

/**
 * Whether the source of `value` declares its name (`function work`, `class Work`): false for an
 * arrow function, a method or a function expression, whose name came from where it was written.
 */
function declaresOwnName(value: Callable): boolean {
  const source = Function.prototype.toString.call(value);
  const name = value.name.replace(/[$]/g, "\\$");
  return new RegExp(`^(?:async\\s+)?(?:function\\s*\\*?|class)\\s+${name}(?![\\w$])`).test(source);
}

/** Imports the module of `ref` and returns the function or class it names. */
export async function loadRef(ref: TargetRef): Promise<Callable> {
  const namespace: Record<string, unknown> = await import(ref.module);
  const value = ref.via === "task"
    ? registered.get(key(ref.module, ref.name))
    : ref.via === "anonymous"
    ? findNameless(ref)
    : namespace[ref.name];
  if (typeof value !== "function") throw new TargetNotFoundError(notFound(ref));
  return value;
}

/**
 * The nameless task at `ref`'s position, checked by its source; or, if the module registered
 * its nameless tasks in another order here, the one task with the same source.
 */
function findNameless(ref: TargetRef): Callable | undefined {
  const tasks = nameless.get(ref.module) ?? [];
  const atPosition = tasks[Number(ref.name) - 1];
  if (atPosition !== undefined && fingerprint(atPosition) === ref.fingerprint) return atPosition;
  const same = tasks.filter((task) => fingerprint(task) === ref.fingerprint);
  return same.length === 1 ? same[0] : undefined;
}

function notFound(ref: TargetRef): string {
  switch (ref.via) {
    case "task":
      return `Cannot find task "${ref.name}" in ${ref.module} inside the worker: register it ` +
        "unconditionally at the module's top level, not inside `if (import.meta.main)`";
    case "anonymous":
      return `Cannot find anonymous task #${ref.name} of ${ref.module} inside the worker: a ` +
        "task without a name is found by the order in which its module registers such tasks, " +
        "so register every task unconditionally at the module's top level (not inside `if " +
        "(import.meta.main)`), or give it a name: `task(import.meta, function work() {})`";
    case "export":
      if (ref.inline) {
        return `Cannot run the target "${ref.name}": it is a function written inline (an ` +
          `arrow function or a method, which took the name "${ref.name}" from the option that ` +
          "holds it), and a worker cannot run a closure: it can only import a function. " +
          "Declare it at the top level of the main module (`export function work(...) {}`, " +
          "passing what it used from around it in `args`), or register it with " +
          "`task(import.meta, work)` in the module that defines it.";
      }
      return `Cannot find "${ref.name}" among the exports of the main module ${ref.module}: a ` +
        `worker can only run what it can import. Write \`export function ${ref.name}\` (or ` +
        `export the class) at the top level of the main module, or call ` +
        `\`task(import.meta, ${ref.name})\` in the module that defines it.`;
  }
}

/** A 32-bit FNV-1a hash of the function's source: the same function in every actor. */
function fingerprint(value: Callable): number {
  const source = Function.prototype.toString.call(value);
  let hash = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) {
    hash ^= source.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
