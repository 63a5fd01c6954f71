import assert from "node:assert/strict";
import { MessageChannel } from "node:worker_threads";
import { assertCloneable } from "../../actors/_shm/clone.ts";
import { CloneError } from "../../mod.ts";

Deno.test("assertCloneable refuses a MessagePort, unless the send hands it over", () => {
  const { port1, port2 } = new MessageChannel();
  try {
    assert.throws(
      () => assertCloneable({ link: port1 }, "message", "send"),
      (error: unknown) => error instanceof CloneError && /message\.link/.test(error.message),
    );
    assertCloneable({ link: port1 }, "message", "send", { transfer: [port1] });
    // Only what is listed is accepted: another port under the same value is still refused.
    assert.throws(
      () => assertCloneable([port1, port2], "message", "send", { transfer: [port1] }),
      (error: unknown) => error instanceof CloneError && /message\[1\]/.test(error.message),
    );
  } finally {
    port1.close();
    port2.close();
  }
});
