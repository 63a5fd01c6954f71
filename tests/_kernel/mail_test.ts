/**
 * The mail links' order, on one thread: envelopes are numbered per link, and a receiver that
 * takes some by polling the port and some from message events hands them on in their order.
 */
import assert from "node:assert/strict";
import { MessageChannel } from "node:worker_threads";
import { arrive, type LinkState, Mail, newLink } from "../../actors/_kernel/mail.ts";
import type { MailEnvelope } from "../../actors/_kernel/protocol.ts";

function mailNumbered(seq: number | undefined, body: unknown): MailEnvelope {
  return { type: "mail", from: 2, body, seq };
}

function recordingLink(): { link: LinkState; handed: unknown[] } {
  const handed: unknown[] = [];
  const link = newLink((envelope) =>
    void handed.push(envelope.type === "mail" ? envelope.body : envelope.type)
  );
  return { link, handed };
}

Deno.test("numbered envelopes that arrive out of order are handed on in their order", () => {
  const { link, handed } = recordingLink();
  arrive(link, mailNumbered(2, "c"));
  arrive(link, mailNumbered(1, "b"));
  assert.deepEqual(handed, [], "nothing is handed on before envelope 0");
  arrive(link, mailNumbered(0, "a"));
  assert.deepEqual(handed, ["a", "b", "c"]);
  arrive(link, mailNumbered(3, "d"));
  assert.deepEqual(handed, ["a", "b", "c", "d"]);
  assert.equal(link.order.waiting, false);
  assert.equal(link.numbered, true);
});

Deno.test("unnumbered envelopes (the NATS bridge's) are handed on at once and leave a link unpolled", () => {
  const { link, handed } = recordingLink();
  arrive(link, mailNumbered(undefined, "x"));
  arrive(link, { type: "end" });
  assert.deepEqual(handed, ["x", "end"]);
  assert.equal(link.numbered, false);
});

Deno.test("poll() takes numbered mail off a link before its message events run", async () => {
  const mail = new Mail();
  const { port1, port2 } = new MessageChannel();
  try {
    mail.linkChild(2, port1, () => {});
    port2.postMessage(mailNumbered(0, "first"));
    // The first envelope comes as an event, and marks the link as numbered.
    const first = await mail.takeLetter(undefined, { timeout: 5000 });
    assert.equal(first.body, "first");
    port2.postMessage(mailNumbered(1, "second"));
    port2.postMessage(mailNumbered(2, "third"));
    assert.equal(mail.mailbox.size, 0, "no event has run yet");
    assert.equal(mail.poll(), true);
    assert.equal(mail.mailbox.size, 2, "both envelopes were polled");
    assert.equal(mail.poll(), false, "nothing more to poll");
    assert.equal((await mail.takeLetter()).body, "second");
    assert.equal((await mail.takeLetter()).body, "third");
  } finally {
    mail.unlinkChild(2);
    port2.close();
  }
});
