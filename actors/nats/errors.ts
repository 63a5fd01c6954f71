/**
 * Named errors of the NATS connection. Each sets `name`, so callers can branch on
 * `instanceof`. {@linkcode NatsConnectionLostError} is an {@linkcode ActorExitedError}: an ask
 * whose connection went away fails as an ask whose actor went away does (Erlang's
 * `noconnection`), so one `catch` of that class covers both.
 *
 * @example Telling the errors apart
 * ```ts
 * import assert from "node:assert/strict";
 * import { ActorExitedError } from "../errors.ts";
 * import { NatsConnectionLostError, NatsUnavailableError } from "./errors.ts";
 *
 * const lost = new NatsConnectionLostError("Cannot ask actor 7: the connection was lost");
 * assert.ok(lost instanceof ActorExitedError);
 * assert.ok(!(new NatsUnavailableError("Cannot connect to NATS") instanceof ActorExitedError));
 * ```
 *
 * @module
 */
import { ActorExitedError } from "../errors.ts";

/**
 * No NATS server could be reached: every server in `servers` refused the connection, did not
 * complete the NATS handshake within the `timeout`, or refused this client. Nothing is left
 * running; `cause` is the client's own error.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { NatsUnavailableError } from "./errors.ts";
 *
 * const error = new NatsUnavailableError("Cannot connect to NATS at 127.0.0.1:4222: refused");
 * assert.equal(error.name, "NatsUnavailableError");
 * ```
 */
export class NatsUnavailableError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which servers were tried, why they failed, and what to check.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NatsUnavailableError";
  }
}

/**
 * The NATS server was reached but offers no JetStream to this client (it was started without
 * `-js`, or the account has none), and the connection asked for it. The connection is closed.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { JetStreamUnavailableError } from "./errors.ts";
 *
 * const error = new JetStreamUnavailableError("Cannot use NATS at 127.0.0.1:4222: no JetStream");
 * assert.equal(error.name, "JetStreamUnavailableError");
 * ```
 */
export class JetStreamUnavailableError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which server, what it answered, and how to enable JetStream.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "JetStreamUnavailableError";
  }
}

/**
 * A credentials file given to `connectNats` could not be read or is not a NATS `.creds` file
 * (a user JWT and an nkey seed, as `nsc generate creds` writes). The message names the path.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { NatsCredentialsError } from "./errors.ts";
 *
 * const error = new NatsCredentialsError("Cannot read /etc/mp/app.creds: no such file");
 * assert.equal(error.name, "NatsCredentialsError");
 * ```
 */
export class NatsCredentialsError extends Error {
  /**
   * Creates the error.
   *
   * @param message The path, what was wrong with it, and how to get a valid file.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NatsCredentialsError";
  }
}

/**
 * An operation in flight was failed because the connection to the NATS server was lost before
 * it completed. The connection reconnects by itself; whether the operation took effect on the
 * other side is unknown, so retry only what is safe to repeat. An {@linkcode ActorExitedError}.
 *
 * @example Recognising the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { NatsConnectionLostError } from "./errors.ts";
 *
 * const error = new NatsConnectionLostError("Cannot ask actor 7: the connection was lost");
 * assert.equal(error.name, "NatsConnectionLostError");
 * ```
 */
export class NatsConnectionLostError extends ActorExitedError {
  /**
   * Creates the error.
   *
   * @param message Which operation failed, on which server, and what happens next.
   * @param options The standard `cause` option.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NatsConnectionLostError";
  }
}
