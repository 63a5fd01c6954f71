/**
 * The kernel's table of handle kinds, on one thread: a handle names its kind, the sender adds
 * the module that registered it, and a kind that cannot be revived is refused with a
 * CloneError that says why, never revived as something else.
 */
import assert from "node:assert/strict";
import {
  describeHandle,
  encodeHandles,
  type HandleDescription,
  type Portable,
  registerHandleKind,
  reviveHandles,
  reviveKind,
} from "../../actors/_kernel/handles.ts";
import { CloneError } from "../../actors/errors.ts";

/** A handle of a kind this module registers, revived as its id. */
class Badge implements Portable {
  constructor(readonly id: number, readonly kind = "handles_test.badge") {}
  [describeHandle](): HandleDescription {
    return { kind: this.kind, data: this.id };
  }
}
registerHandleKind(import.meta, "handles_test.badge", (data) => `badge ${data}`);

/** The description inside the one marker of `[handle]` encoded, to change as a sender might. */
function encodedWithDescription(handle: Badge): [unknown[], { module: string; kind: string }] {
  const encoded = encodeHandles([handle]);
  return [encoded, Object.values(encoded[0] as object)[0]];
}

Deno.test("a handle is sent with the module that registered its kind, and revived by it", async () => {
  const [encoded, description] = encodedWithDescription(new Badge(7));
  assert.equal(description.module, import.meta.url);
  assert.equal(description.kind, "handles_test.badge");
  assert.deepEqual(await reviveHandles(structuredClone(encoded)), ["badge 7"]);
  assert.equal(reviveKind("handles_test.badge", 8), "badge 8");
});

Deno.test("a handle of a kind no module registered is refused before it is sent", () => {
  assert.throws(
    () => encodeHandles({ nested: [new Badge(1, "handles_test.nowhere")] }),
    (error: Error) =>
      error instanceof CloneError &&
      /Cannot send a Badge to another actor: no module registered its kind "handles_test\.nowhere"/
        .test(error.message),
  );
});

Deno.test("a kind the described module does not register is refused, not revived", async () => {
  const [encoded, description] = encodedWithDescription(new Badge(2));
  description.kind = "handles_test.missing";
  await assert.rejects(
    reviveHandles(encoded),
    (error: Error) =>
      error instanceof CloneError &&
      error.message.includes(`"handles_test.missing": ${import.meta.url} did not register`),
  );
  assert.throws(
    () => reviveKind("handles_test.missing", null),
    (error: Error) =>
      error instanceof CloneError && /no module of this actor registered/.test(error.message),
  );
});

Deno.test("a kind registered here by another module than the described one is refused", async () => {
  const [encoded, description] = encodedWithDescription(new Badge(3));
  // A module that registers no kind: the sender and this actor disagree on who owns the kind.
  description.module = new URL("../../actors/_kernel/handles.ts", import.meta.url).href;
  await assert.rejects(
    reviveHandles(encoded),
    (error: Error) =>
      error instanceof CloneError &&
      /in this actor the kind is .*handles_test\.ts's/.test(error.message),
  );
});

Deno.test("a kind is registered by one module only", () => {
  const elsewhere = { url: "file:///elsewhere.ts" } as ImportMeta;
  assert.throws(
    () => registerHandleKind(elsewhere, "handles_test.badge", () => null),
    (error: Error) =>
      error instanceof CloneError && /handles_test\.ts registered it already/.test(error.message),
  );
  assert.equal(reviveKind("handles_test.badge", 4), "badge 4");
});
