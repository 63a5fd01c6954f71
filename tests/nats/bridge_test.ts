/**
 * The bridge on one thread, without a server: two machines' bridges wired to each other.
 * Shared words cross by key (and come back as the originals), relayed ports carry mail and count
 * it in both sides' mailbox words, and user values refuse what cannot leave a machine.
 */
import assert from "node:assert/strict";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { Bridge, pack, unpack } from "../../actors/nats/_bridge/wire.ts";
import { codeMismatch, digestOf } from "../../actors/nats/_bridge/digests.ts";
import { encodeHandles } from "../../actors/_kernel/handles.ts";
import { newMailboxWords } from "../../actors/_kernel/mail.ts";
import { MAILBOX_DEPTH, type MailEnvelope } from "../../actors/_kernel/protocol.ts";
import { CloneError, Lock, Queue, self } from "../../mod.ts";

/** Two bridges, "a" and "b", each delivering the other's relayed mail a turn later. */
function pair(): { a: Bridge; b: Bridge } {
  const bridges: Record<string, Bridge> = {};
  const send = (from: string) => (node: string, key: string, envelope: Uint8Array) => {
    queueMicrotask(() => bridges[node].deliver(key, envelope, from));
  };
  bridges.a = new Bridge("a", send("a"));
  bridges.b = new Bridge("b", send("b"));
  return { a: bridges.a, b: bridges.b };
}

/** Kernel data from `from` to `to`, through the wire format. */
function cross(from: Bridge, to: Bridge, value: unknown, ports?: Parameters<Bridge["kernel"]>[3]) {
  const transfer: MessagePort[] = [];
  const wire = unpack(pack(from.kernel(value, to.node, 7, ports)));
  return { value: to.revive(wire, from.node, 7, transfer), transfer };
}

function nextMessage(port: MessagePort): Promise<MailEnvelope> {
  return new Promise((resolve) => {
    port.addEventListener("message", (event) => resolve((event as MessageEvent).data), {
      once: true,
    });
    port.start();
  });
}

Deno.test("shared words cross as a copy once, and come back as the originals", () => {
  const { a, b } = pair();
  const words = new SharedArrayBuffer(12);
  new Int32Array(words)[1] = 42;
  const there = cross(a, b, { status: words, again: words }).value as Record<string, unknown>;
  assert.notEqual(there.status, words);
  assert.equal(there.status, there.again, "one copy per key");
  assert.equal(new Int32Array(there.status as SharedArrayBuffer)[1], 42);
  const back = cross(b, a, { status: there.status }).value as Record<string, unknown>;
  assert.equal(back.status, words, "home again: the original");
  assert.equal(a.keyOf(words), b.keyOf(there.status as SharedArrayBuffer));
});

Deno.test("a relayed port carries mail both ways, counted in both sides' mailbox words", async () => {
  const { a, b } = pair();
  const consumerHere = newMailboxWords();
  const partnerHere = newMailboxWords();
  const { port1: parentEnd, port2: childEnd } = new MessageChannel();
  const ports = new Map([[childEnd, {
    consumer: consumerHere.buffer as SharedArrayBuffer,
    partner: partnerHere.buffer as SharedArrayBuffer,
  }]]);
  const crossed = cross(a, b, { port: childEnd }, ports);
  const remoteEnd = (crossed.value as { port: MessagePort }).port;
  assert.deepEqual(crossed.transfer, [remoteEnd]);
  // The parent sends: its send counted one in the child's words here (as sendWhenRoom does).
  Atomics.add(consumerHere, MAILBOX_DEPTH, 1);
  const arriving = nextMessage(remoteEnd);
  parentEnd.postMessage({ type: "mail", from: 1, body: { n: 1, at: new Date(0) } });
  const mail = await arriving;
  assert.deepEqual(mail, { type: "mail", from: 1, body: { n: 1, at: new Date(0) } });
  assert.equal(Atomics.load(consumerHere, MAILBOX_DEPTH), 0, "the relay freed the slot here");
  const consumerThere = new Int32Array(
    b.byKey(a.keyOf(consumerHere.buffer as SharedArrayBuffer)!)!,
  );
  assert.equal(Atomics.load(consumerThere, MAILBOX_DEPTH), 1, "and took one there");
  // The child answers: a reply counts nowhere; its own mail counts in the parent's words.
  const answered = nextMessage(parentEnd);
  remoteEnd.postMessage({ type: "mail", from: 2, body: "hi" });
  assert.deepEqual(await answered, { type: "mail", from: 2, body: "hi" });
  assert.equal(Atomics.load(partnerHere, MAILBOX_DEPTH), 1);
  a.close(7);
  b.close(7);
  assert.equal(a.relays + b.relays, 0);
  parentEnd.close();
});

Deno.test("a relay closed with its actor first carries the mail its port still holds", () => {
  // An agent closes an actor's relays when its Worker exits, then tells the program; the exit
  // can come before the events of the mail the actor posted just before. That mail must still
  // cross, and before the exit: Deno's close() dispatches what a port still holds (2548 of a
  // burst of 5000 were still queued at one exit, measured), which this guards.
  const carried: MailEnvelope[] = [];
  const bridge = new Bridge("here", (_node, _key, bytes) => carried.push(unpack(bytes)));
  const { port1, port2 } = new MessageChannel();
  const words = () => newMailboxWords().buffer as SharedArrayBuffer;
  bridge.kernel(
    { port: port1 },
    "there",
    7,
    new Map([[port1, { consumer: words(), partner: words() }]]),
  );
  for (let index = 0; index < 100; index++) {
    port2.postMessage({ type: "mail", from: 7, body: index } satisfies MailEnvelope);
  }
  bridge.close(7);
  port2.close();
  assert.equal(bridge.relays, 0);
  assert.deepEqual(
    carried.map((envelope) => envelope.type === "mail" && envelope.body),
    Array.from({ length: 100 }, (_, index) => index),
  );
});

Deno.test("user values: actor references cross; queues, locks, raw shared memory do not", () => {
  const { a } = pair();
  const reference = encodeHandles({ to: self() });
  assert.doesNotThrow(() => a.user(reference));
  const queue = new Queue<number>();
  const lock = new Lock();
  for (const value of [{ queue }, [lock]]) {
    assert.throws(() => a.user(encodeHandles(value)), CloneError);
  }
  assert.throws(() => a.user({ words: new SharedArrayBuffer(8) }), CloneError);
  assert.throws(() => a.user(new Int32Array(new SharedArrayBuffer(8))), CloneError);
  assert.throws(() => a.user({ port: new MessageChannel().port1 }), CloneError);
  assert.deepEqual(a.user({ plain: [1, "two", new Map([[3, 4]])] }), {
    plain: [1, "two", new Map([[3, 4]])],
  });
});

Deno.test("an ask that cannot cross fails at once with CloneError, on the asker's port", async () => {
  const { a, b } = pair();
  const words = newMailboxWords().buffer as SharedArrayBuffer;
  const { port1: askerEnd, port2: relayed } = new MessageChannel();
  cross(a, b, relayed, new Map([[relayed, { consumer: words, partner: words }]]));
  const reply = nextMessage(askerEnd);
  askerEnd.postMessage({
    type: "mail",
    from: 1,
    ask: 5,
    body: encodeHandles({ queue: new Queue() }),
    handles: true,
  });
  const answer = await reply;
  assert.equal(answer.type, "reply");
  assert.ok(answer.type === "reply" && !answer.ok && answer.error.name === "CloneError");
  a.closeAll();
  b.closeAll();
  askerEnd.close();
});

Deno.test("the code check: the same file matches, another version or a missing file does not", () => {
  const here = new URL(import.meta.url).href;
  const digest = digestOf(here);
  assert.match(digest ?? "", /^[0-9a-f]{64}$/);
  assert.equal(codeMismatch({ [here]: digest! }), null);
  assert.match(codeMismatch({ [here]: "0".repeat(64) }) ?? "", /differs/);
  assert.match(codeMismatch({ "file:///nowhere/x.ts": "0".repeat(64) }) ?? "", /missing/);
  assert.equal(digestOf("https://example.com/x.ts"), null);
});
