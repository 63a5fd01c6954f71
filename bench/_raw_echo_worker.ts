/** A bare node:worker_threads echo, the baseline for message round trips. */
import { parentPort } from "node:worker_threads";

parentPort!.on("message", (message: unknown) => parentPort!.postMessage(message));
