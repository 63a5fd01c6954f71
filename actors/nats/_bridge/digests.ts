/**
 * The code check of a remote start: the session sends the SHA-256 of each module the worker will
 * load (the worker host, the process class, the target), and the agent compares them with its
 * own files before it starts anything, so a machine with another version of the code refuses
 * the start instead of running something else.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ActorSpec } from "../../_kernel/protocol.ts";

const digests = new Map<string, string | null>();

/** The SHA-256 of a `file:` module, in hex; null for other URLs or a file that cannot be read. */
export function digestOf(url: string): string | null {
  let digest = digests.get(url);
  if (digest !== undefined) return digest;
  digest = null;
  if (url.startsWith("file:")) {
    try {
      digest = createHash("sha256").update(Deno.readFileSync(new URL(url))).digest("hex");
    } catch {
      digest = null;
    }
  }
  digests.set(url, digest);
  return digest;
}

/** The modules a worker for `spec` loads, by URL, with their digests where known. */
export function digestsOf(spec: ActorSpec): Record<string, string> {
  const modules = [
    spec.host,
    spec.baseClass.module,
    spec.processClass?.module,
    spec.target?.module,
  ];
  const result: Record<string, string> = {};
  for (const module of modules) {
    if (module === undefined) continue;
    const digest = digestOf(module);
    if (digest !== null) result[module] = digest;
  }
  return result;
}

/**
 * The first module whose digest here differs from the session's (or that is missing here), as
 * a sentence, or null when all match.
 */
export function codeMismatch(expected: Record<string, string>): string | null {
  for (const [module, digest] of Object.entries(expected)) {
    const here = digestOf(module);
    if (here === null) return `${module} is missing on this agent (or cannot be read)`;
    if (here !== digest) return `${module} differs on this agent (another version of the code)`;
  }
  return null;
}
