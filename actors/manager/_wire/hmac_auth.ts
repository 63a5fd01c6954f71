/**
 * Mutual authentication of a manager connection by HMAC-SHA256 challenge-response, in both
 * directions, as Python's `multiprocessing.connection` does with its authkey: each side sends a
 * fresh random nonce and the other proves it knows the key by answering with the HMAC of that
 * nonce, bound to its role so an answer cannot be reflected back. Answers are checked with
 * `crypto.subtle.verify`, a constant-time comparison. The handshake frames are fixed-size raw
 * bytes: nothing is deserialized before both sides are authenticated.
 *
 * @module
 */
import { concatBytes, frame, type FrameReader, writeAll } from "../../_shm/frames.ts";
import { AuthenticationError } from "../errors.ts";

const NONCE_BYTES = 32;
const DIGEST_BYTES = 32;
/** The largest handshake frame: a digest and a nonce. */
export const HANDSHAKE_MAX_BYTES: number = DIGEST_BYTES + NONCE_BYTES;
const MAGIC = new TextEncoder().encode("mpmgr/1:");
const ACCEPTED = 1;
const REFUSED = 0;
const CLIENT_ROLE = new TextEncoder().encode("client:");
const SERVER_ROLE = new TextEncoder().encode("server:");

/** Imports `authkey` as an HMAC-SHA256 key. */
export function importAuthkey(authkey: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    authkey as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

async function answer(key: CryptoKey, role: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, concatBytes([role, nonce])));
}

function verify(
  key: CryptoKey,
  role: Uint8Array,
  nonce: Uint8Array,
  digest: Uint8Array,
): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, concatBytes([digest]), concatBytes([role, nonce]));
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}

/**
 * The manager's side: challenge the client, check its answer, then answer its challenge.
 * Resolves to true once both are proven; false (after telling the client) when the client's
 * answer is wrong or malformed.
 */
export async function authenticateClient(
  conn: Deno.Conn,
  reader: FrameReader,
  key: CryptoKey,
): Promise<boolean> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  await writeAll(conn, frame(concatBytes([MAGIC, nonce])));
  const response = await reader.next();
  const proven = response !== null && response.length === DIGEST_BYTES + NONCE_BYTES &&
    await verify(key, CLIENT_ROLE, nonce, response.subarray(0, DIGEST_BYTES));
  if (!proven) {
    await writeAll(conn, frame(Uint8Array.of(REFUSED))).catch(() => {});
    return false;
  }
  const proof = await answer(key, SERVER_ROLE, response.subarray(DIGEST_BYTES));
  await writeAll(conn, frame(concatBytes([Uint8Array.of(ACCEPTED), proof])));
  return true;
}

/**
 * The proxy's side: answer the manager's challenge, challenge it back, and check its answer.
 *
 * @throws {AuthenticationError} If the manager refuses our answer or cannot prove the key.
 */
export async function authenticateServer(
  conn: Deno.Conn,
  reader: FrameReader,
  key: CryptoKey,
  where: string,
): Promise<void> {
  const challenge = await reader.next();
  if (challenge === null || challenge.length !== MAGIC.length + NONCE_BYTES) {
    throw new AuthenticationError(
      `Cannot connect to the manager at ${where}: it did not send a manager challenge`,
    );
  }
  if (!startsWith(challenge, MAGIC)) {
    throw new AuthenticationError(
      `Cannot connect to the manager at ${where}: the peer does not speak the manager protocol`,
    );
  }
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const proof = await answer(key, CLIENT_ROLE, challenge.subarray(MAGIC.length));
  await writeAll(conn, frame(concatBytes([proof, nonce])));
  const verdict = await reader.next();
  if (verdict === null || verdict[0] !== ACCEPTED) {
    throw new AuthenticationError(
      `Cannot connect to the manager at ${where}: it refused the authkey; use the key the ` +
        "manager was created with",
    );
  }
  const digest = verdict.subarray(1);
  if (
    digest.length !== DIGEST_BYTES || !await verify(key, SERVER_ROLE, nonce, digest)
  ) {
    throw new AuthenticationError(
      `Cannot connect to the manager at ${where}: it could not prove it knows the authkey`,
    );
  }
}
