/**
 * The smallest worker there is, the raw Deno limit for spawn rows: it says it runs, and ends
 * when told. It works as a web Worker and as a `node:worker_threads` Worker.
 */
import { parentPort } from "node:worker_threads";

if (parentPort !== null) {
  parentPort.postMessage("running");
  parentPort.once("message", () => Deno.exit(0));
} else {
  const scope = globalThis as unknown as {
    postMessage(message: unknown): void;
    onmessage: (() => void) | null;
    close(): void;
  };
  scope.postMessage("running");
  scope.onmessage = () => scope.close();
}
