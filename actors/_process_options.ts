/**
 * The checks of {@linkcode Process}'s options: unknown keys (with the nearest known one), the
 * name and daemon flag, and the mailbox options, turned into the mailbox's shared words.
 *
 * @module
 */
import { newMailboxWords } from "./_kernel/mail.ts";
import { MAILBOX_CAPACITY, MAILBOX_OVERFLOW, OVERFLOW_POLICIES } from "./_kernel/protocol.ts";
import { checkInteger, describeValue } from "./_shm/time.ts";
import type { MailboxOptions } from "./mailbox_options.ts";

const OPTIONS: readonly string[] = [
  "target",
  "args",
  "name",
  "daemon",
  "mailbox",
  "maxMemoryMb",
  "initAck",
  "placement",
];

/** Refuses what is not an options object, and unknown keys (Python's unexpected keyword). */
export function checkOptions(options: unknown): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot create process: options must be an object, got ${describeValue(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (OPTIONS.includes(key)) continue;
    const hint = key === "kwargs" || key === "kwds"
      ? "; a process has no keyword arguments: pass an object in args (`args: [{ retries: 5 }]`)"
      : closestOption(key);
    throw new TypeError(
      `Cannot create process: unknown option ${JSON.stringify(key)}; the options are ` +
        `${OPTIONS.join(", ")}${hint}`,
    );
  }
}

/** " (did you mean "daemon"?)" for a misspelt option, else nothing. */
function closestOption(key: string): string {
  const near = OPTIONS.find((option) => editDistance(option, key.toLowerCase()) <= 2);
  return near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

export function checkName(name: unknown, action: string): string {
  if (typeof name !== "string") {
    throw new TypeError(`Cannot ${action}: name must be a string, got ${describeValue(name)}`);
  }
  return name;
}

export function checkDaemon(daemon: unknown, action: string): boolean {
  if (typeof daemon !== "boolean") {
    throw new TypeError(`Cannot ${action}: daemon must be a boolean, got ${describeValue(daemon)}`);
  }
  return daemon;
}

/** The largest mailbox capacity: the depth word counts in flight and received messages too. */
const MAX_CAPACITY = 2 ** 30;

export function mailboxWords(options: MailboxOptions | undefined): Int32Array {
  const words = newMailboxWords();
  if (options === undefined) return words;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      "Cannot create process: mailbox must be an object such as { capacity: 100 }, got " +
        describeValue(options),
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== "capacity" && key !== "overflow") {
      throw new TypeError(
        `Cannot create process: unknown mailbox option ${JSON.stringify(key)}; the options ` +
          "are capacity and overflow",
      );
    }
  }
  const { capacity, overflow = "block" } = options;
  checkInteger(capacity, "create process", "mailbox capacity", { min: 1, max: MAX_CAPACITY });
  const policy = OVERFLOW_POLICIES.indexOf(overflow);
  if (policy < 0) {
    throw new RangeError(
      `Cannot create process: mailbox overflow must be one of ${OVERFLOW_POLICIES.join(", ")}, ` +
        `got ${JSON.stringify(overflow)}`,
    );
  }
  words[MAILBOX_CAPACITY] = capacity;
  words[MAILBOX_OVERFLOW] = policy;
  return words;
}
