/**
 * Named errors of the {@linkcode Supervisor}. Each sets `name`, so callers can branch on
 * `instanceof`, in the actor that threw and in one the error crossed to.
 *
 * @module
 */

/**
 * A {@linkcode Supervisor} restarted its children more than `maxRestarts` times within
 * `periodMs`: it stopped them all and gave up, as an OTP supervisor reaching its restart
 * intensity does. Its `join()` rejects with this error, so a supervisor above it sees it fail.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { SupervisorGaveUpError } from "./errors.ts";
 *
 * const error = new SupervisorGaveUpError('Supervisor "web" gave up: 4 restarts within 5000 ms');
 * assert.equal(error.name, "SupervisorGaveUpError");
 * ```
 */
export class SupervisorGaveUpError extends Error {
  /**
   * Creates the error.
   *
   * @param message The supervisor, the restarts counted and the period.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SupervisorGaveUpError";
  }
}
