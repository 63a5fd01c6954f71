/**
 * Named errors of the {@linkcode Manager} and its proxies. Each sets `name`, so callers can
 * branch on `instanceof`. Errors the manager raises on purpose (`RangeError`, `TypeError`,
 * `Empty`, `Full`, `ReleaseError`) arrive at a proxy as their own classes; any other as a
 * {@linkcode RemoteError}.
 *
 * @module
 */

/**
 * A manager proxy cannot reach its manager: the manager was shut down, its actor ended, or the
 * connection to it was lost. Calls pending at that moment reject with it instead of hanging,
 * and so does every later call of a proxy of that manager.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManagerClosedError } from "./errors.ts";
 *
 * const error = new ManagerClosedError("Cannot call dict.get: the manager was shut down");
 * assert.equal(error.name, "ManagerClosedError");
 * ```
 */
export class ManagerClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which call failed and why the manager is out of reach.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ManagerClosedError";
  }
}

/**
 * A manager connection failed its authentication: one side did not prove it knows the authkey.
 * The connection is closed before any request is read. Python's
 * `multiprocessing.AuthenticationError`.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthenticationError } from "./errors.ts";
 *
 * const error = new AuthenticationError("Cannot connect to the manager: it refused the authkey");
 * assert.equal(error.name, "AuthenticationError");
 * ```
 */
export class AuthenticationError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which connection failed and which side could not prove the key.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuthenticationError";
  }
}

/**
 * The manager raised an error this actor has no class for. `remoteName` keeps its name and the
 * message its text, as Python's `RemoteError` does. An error of a class this actor has (a
 * built-in one such as `RangeError` or `TypeError`, or the framework's, such as `Empty`, `Full`
 * or `ReleaseError`) arrives as its own class instead.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { RemoteError } from "./errors.ts";
 *
 * const error = new RemoteError("SomeError", "it failed in the manager");
 * assert.equal(error.name, "RemoteError");
 * assert.equal(error.remoteName, "SomeError");
 * ```
 */
export class RemoteError extends Error {
  /** The name of the error the manager raised. */
  readonly remoteName: string;

  /**
   * Creates the error.
   *
   * @param remoteName The name of the error in the manager.
   * @param message Its message.
   * @param options The standard `cause` option.
   */
  constructor(remoteName: string, message: string, options?: ErrorOptions) {
    super(`${remoteName} in the manager: ${message}`, options);
    this.name = "RemoteError";
    this.remoteName = remoteName;
  }
}
