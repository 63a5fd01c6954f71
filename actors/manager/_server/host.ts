/**
 * What a session of the manager, local or TCP, sees of the actor that serves it, and how it
 * frames its replies: so the local hub and the TCP sessions depend on this small interface,
 * and not on the server that owns them.
 *
 * @module
 */
import { encodeFrame, encodeFrameView } from "../_wire/messages.ts";
import type { ManagerReply } from "../_wire/protocol.ts";
import { serializeError } from "../../_kernel/wire_errors.ts";
import type { ManagerEngine } from "./engine.ts";

/** The manager actor, as its sessions see it. */
export interface ManagerServer {
  /** The objects, and the requests on them. */
  readonly engine: ManagerEngine;
  /** The largest frame a session accepts or sends. */
  readonly maxFrameBytes: number;
  /** A new session id, unique among local and TCP sessions. */
  nextSessionId(): number;
  /** Ends every session once its answers are written, and the serving; for `shutdown`. */
  stop(): Promise<void>;
}

/**
 * Frames `reply`; a reply too large to send becomes the error saying so. With `view`, the frame
 * is a view of a shared buffer, valid until the next encoding: copy what you keep.
 */
export function encodeReply(reply: ManagerReply, maxFrameBytes: number, view = false): Uint8Array {
  const encode = view ? encodeFrameView : encodeFrame;
  try {
    return encode(reply, maxFrameBytes, "send a manager reply");
  } catch (error) {
    if (reply.type === "castFailed") throw error;
    return encode(
      { type: "error", id: reply.id, error: serializeError(error) },
      maxFrameBytes,
      "send a manager reply",
    );
  }
}
