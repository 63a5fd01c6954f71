/**
 * The protocol between manager proxies and the manager actor that owns the shared objects. It
 * runs over length-prefixed frames (`_shm/frames.ts`), carried by shared-memory rings between
 * the actors of one program (`session_ring.ts`) and by TCP connections authenticated in both
 * directions between programs (`hmac_auth.ts`). Each frame holds one message (`messages.ts`:
 * a compact layout for the frequent ones, V8's structured-clone serializer for the rest), which
 * rebuilds data and never code. One union per direction; both sides `switch` on `type` with a
 * `never` default.
 *
 * Every request carries an `id`. A `call` gets exactly one reply with that id (at once, or later
 * when it waits for a lock, an event or a queue); a `cast` gets none unless it fails, and then a
 * `castFailed` that the proxy reports on its next call or `flush()`. The manager handles the
 * requests of one connection in order, so a cast followed by a call from the same actor is
 * applied before the call.
 *
 * @module
 */
import type { SerializedError } from "../../_kernel/wire_errors.ts";

/** The kinds of objects a manager owns. */
export type ObjectKind =
  | "dict"
  | "list"
  | "namespace"
  | "queue"
  | "lock"
  | "event"
  | "semaphore"
  | "value";

/**
 * The key types of a managed dict: primitives, equal across actors by `===`, as Python's dict
 * keys must be hashable.
 */
export type DictKey = string | number | bigint | boolean;

/** Every kind, to validate what arrives from the network. */
export const OBJECT_KINDS: readonly ObjectKind[] = [
  "dict",
  "list",
  "namespace",
  "queue",
  "lock",
  "event",
  "semaphore",
  "value",
];

/**
 * The system request (see `MailEnvelope.system`) a client actor asks the manager's actor (of
 * the same program) to be served through shared memory, with `{ channel, client }`; answered
 * `true`.
 */
export const CONNECT_REQUEST = "manager.connect";

/**
 * The system request that makes a manager started for its own program listen on TCP too;
 * answered with the port.
 */
export const LISTEN_REQUEST = "manager.listen";

/** The key of the marker that stands for a proxy inside a stored value. */
export const PROXY_MARKER = "\u0000proxy";

/** How a stored value refers to another managed object: its id and kind, never code. */
export interface ProxyRef {
  object: number;
  kind: ObjectKind;
}

/** Requests, proxy -> manager. */
export type ManagerRequest =
  | { type: "create"; id: number; kind: ObjectKind; init: unknown }
  | { type: "call"; id: number; object: number; method: string; args: unknown[] }
  | { type: "cast"; id: number; object: number; method: string; args: unknown[] }
  | { type: "register"; id: number; name: string; object: number }
  | { type: "lookup"; id: number; name: string }
  | { type: "sync"; id: number }
  /** Answered with {@linkcode ManagerStats}, for an observer. */
  | { type: "stats"; id: number }
  | { type: "shutdown"; id: number };

/** Replies, manager -> proxy. */
export type ManagerReply =
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "castFailed"; id: number; object: number; error: SerializedError };

const REQUEST_TYPES: ReadonlySet<string> = new Set([
  "create",
  "call",
  "cast",
  "register",
  "lookup",
  "sync",
  "stats",
  "shutdown",
]);

/** What a manager holds now: its objects by kind, registered names and connected clients. */
export interface ManagerStats {
  objects: Record<string, number>;
  names: number;
  clients: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of a request that arrived from the network; a frame that fails this check
 * is malformed and closes its connection.
 */
export function isManagerRequest(value: unknown): value is ManagerRequest {
  if (!isRecord(value) || typeof value.type !== "string" || !REQUEST_TYPES.has(value.type)) {
    return false;
  }
  if (!Number.isSafeInteger(value.id)) return false;
  switch (value.type) {
    case "create":
      return OBJECT_KINDS.includes(value.kind as ObjectKind);
    case "call":
    case "cast":
      return Number.isSafeInteger(value.object) && typeof value.method === "string" &&
        Array.isArray(value.args);
    case "register":
      return typeof value.name === "string" && Number.isSafeInteger(value.object);
    case "lookup":
      return typeof value.name === "string";
    default:
      return true;
  }
}

/** Checks the shape of a reply that arrived from the network. */
export function isManagerReply(value: unknown): value is ManagerReply {
  if (!isRecord(value) || !Number.isSafeInteger(value.id)) return false;
  switch (value.type) {
    case "result":
      return "value" in value;
    case "error":
      return isRecord(value.error);
    case "castFailed":
      return isRecord(value.error) && Number.isSafeInteger(value.object);
    default:
      return false;
  }
}
