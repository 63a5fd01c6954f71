import { registerTarget } from "./_kernel/targets.ts";

/**
 * Registers a function or a {@linkcode Process} subclass as something a worker may run, and
 * returns it unchanged. Call it at the top level of the module that defines the target: the
 * worker imports that module (`import.meta.url`) and finds the target by its name.
 *
 * Targets exported from the program's main module need no registration, as in Python where a
 * target must be importable from `__main__`.
 *
 * A function without a name works too (`export const work = task(import.meta, async (x) =>
 * ...)`: an arrow passed to a call gets no name): it is found by the order in which the module
 * registers its nameless tasks, so register every task unconditionally at the top level.
 *
 * @typeParam T The function or class type, kept as is so arguments stay typed.
 * @param meta The defining module's `import.meta`.
 * @param target A function (sync or async) or a `Process` subclass.
 * @returns `target` itself.
 * @throws {TypeError} If `target` is not a function, or its name is taken by another task of
 * the same module.
 *
 * @example Run a target registered in another module
 * ```ts
 * import { Process } from "../mod.ts";
 * // examples/doc_targets.ts defines it as:
 * //   export const square = task(import.meta, function square(x: number) { ... });
 * import { square } from "../examples/doc_targets.ts";
 *
 * const p = new Process({ target: square, args: [12] });
 * await p.start();
 * await p.join();
 * ```
 */
// deno-lint-ignore ban-types
export function task<T extends Function>(meta: ImportMeta, target: T): T {
  registerTarget(meta.url, target);
  return target;
}
