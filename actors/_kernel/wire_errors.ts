import * as actorErrors from "../errors.ts";
import { SystemExit } from "../errors.ts";
import * as syncErrors from "../sync/errors.ts";
import * as poolErrors from "../pool/errors.ts";
import * as managerErrors from "../manager/errors.ts";
import { RemoteError } from "../manager/errors.ts";
import * as supervisorErrors from "../supervisor/errors.ts";
import * as channelErrors from "../../channels/errors.ts";

/** An error as it crosses between actors: plain data that keeps the name, stack and cause. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  cause?: SerializedError | { value: unknown };
}

/** Turns anything thrown into plain data that structured clone carries without loss. */
export function serializeError(thrown: unknown): SerializedError {
  if (!(thrown instanceof Error)) {
    return { name: "Error", message: `Non-error value thrown: ${describeThrown(thrown)}` };
  }
  const serialized: SerializedError = {
    name: thrown.name,
    message: thrown.message,
    stack: thrown.stack,
  };
  if (thrown.cause !== undefined) {
    serialized.cause = thrown.cause instanceof Error
      ? serializeError(thrown.cause)
      : { value: cloneableOrText(thrown.cause) };
  }
  return serialized;
}

/** An error class whose instances can be rebuilt from their message. */
type ErrorClass = new (message: string) => Error;

function isRebuiltClass(value: unknown): value is ErrorClass {
  return typeof value === "function" && (value === Error || value.prototype instanceof Error) &&
    value !== SystemExit && value !== RemoteError;
}

/**
 * Every class an error that crossed from another actor is rebuilt as (`error instanceof
 * TimeoutError` holds in the actor it crossed to), by name: the built-in ones and the
 * framework's. The error files are contracts at the bottom of the layers, so the registry
 * imports them, not they it, and every actor knows every class whichever modules it loaded.
 * `SystemExit` (built from a code) ends an actor and never crosses; a manager's `RemoteError`
 * is built by the client from the server's reply.
 */
const errorClasses = new Map<string, ErrorClass>(
  ([
    Error,
    EvalError,
    RangeError,
    ReferenceError,
    SyntaxError,
    TypeError,
    URIError,
    ...Object.values(actorErrors),
    ...Object.values(syncErrors),
    ...Object.values(poolErrors),
    ...Object.values(managerErrors),
    ...Object.values(supervisorErrors),
    ...Object.values(channelErrors),
  ] as unknown[]).filter(isRebuiltClass).map((errorClass) => [errorClass.name, errorClass]),
);

/**
 * The class an error named `name` is rebuilt as, if it is a built-in error class or the
 * framework's (plain `Error` included); undefined for a name of the program's own.
 */
export function errorClassNamed(name: string): ErrorClass | undefined {
  return errorClasses.get(name);
}

/**
 * Rebuilds an `Error` whose `name`, `message`, `stack` and `cause` are the remote ones, of the
 * same class when it is a built-in or registered one.
 */
export function deserializeError(serialized: SerializedError): Error {
  const ErrorClass = errorClasses.get(serialized.name) ?? Error;
  const error = new ErrorClass(serialized.message);
  error.name = serialized.name;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  const cause = serialized.cause;
  if (cause !== undefined) {
    error.cause = "value" in cause ? cause.value : deserializeError(cause);
  }
  return error;
}

function describeThrown(thrown: unknown): string {
  try {
    return typeof thrown === "string" ? JSON.stringify(thrown) : String(thrown);
  } catch {
    return typeof thrown;
  }
}

function cloneableOrText(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return describeThrown(value);
  }
}
