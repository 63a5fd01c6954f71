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

const errorClasses = new Map<string, ErrorClass>(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map(
    (errorClass) => [errorClass.name, errorClass],
  ),
);

/**
 * Registers the framework's error classes, so an error that crossed from another actor is an
 * instance of its class again (`error instanceof TimeoutError`), not only named like it.
 */
export function registerErrorClasses(...classes: ErrorClass[]): void {
  for (const errorClass of classes) errorClasses.set(errorClass.name, errorClass);
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
