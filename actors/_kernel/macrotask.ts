/**
 * Running code from a macrotask, where Deno 2.9 notices a full heap. Every worker has resource
 * limits (see the root supervisor), so V8 ends a worker whose heap is full, with an
 * out-of-memory exit, instead of aborting the program; but Deno sees that end only when the heap
 * fills in a macrotask (a timer, `setImmediate`, a module's top level). In a promise
 * continuation or a message event it drops the running code silently and the worker lives on,
 * its task or actor never settling.
 *
 * @module
 */

/**
 * Calls `fn` from a `setImmediate` callback and settles with what it returns or throws.
 *
 * @param fn The code to run; what it runs after its first `await` is a continuation again.
 * @returns Its result.
 */
export function inMacrotask<T>(fn: () => T): Promise<Awaited<T>> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(fn() as Awaited<T>);
      } catch (error) {
        reject(error);
      }
    })
  );
}
