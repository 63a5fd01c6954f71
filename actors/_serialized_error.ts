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

/** Rebuilds an `Error` whose `name`, `message`, `stack` and `cause` are the remote ones. */
export function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
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
