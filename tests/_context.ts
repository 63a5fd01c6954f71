/**
 * Which backend the tests run on: the local one, or NATS when `MP_CONTEXT` names a cluster
 * (`deno task test:nats`, see `tests/nats/conformance.ts`). A test that is local by nature
 * runs on the local backend only, with the reason written next to it.
 */
import { defaultContext } from "../mod.ts";

/** The program's processes start on NATS agents. */
export const onNats: boolean = defaultContext().kind === "nats";

/**
 * Options for a test that only the local backend can run; `reason` says why (it passes a
 * queue to a process, say, and only actor references cross machines).
 */
export function localOnly(reason: string): { ignore: boolean } {
  if (reason.trim() === "") throw new TypeError("localOnly needs a reason: say why it is local");
  return { ignore: onNats };
}
