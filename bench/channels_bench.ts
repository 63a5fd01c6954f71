/**
 * deno bench for channels: Queue throughput between two actors, Pipe round trip, and 64 KiB
 * binary messages against transferred ArrayBuffers over a bare Worker. Each times only the
 * messages (`b.start()`/`b.end()`), not the starts of the other threads.
 *
 * Run: deno task bench
 */
import {
  pipeBytesPerSecond,
  pipeRoundTripUs,
  queueItemsPerSecond,
  rawTransferPerSecond,
} from "./_channel_workloads.ts";

for (const kind of ["number", "string", "object"] as const) {
  Deno.bench({
    name: `Queue: 100k small items (${kind}), producer actor -> consumer actor`,
    group: "Queue",
    n: 5,
    warmup: 1,
    async fn(b) {
      await queueItemsPerSecond(100_000, kind, b);
    },
  });
}

Deno.bench({
  name: "Pipe: 1000 round trips parent -> child -> parent",
  n: 10,
  warmup: 2,
  async fn(b) {
    await pipeRoundTripUs(1000, b);
  },
});

Deno.bench({
  name: "raw postMessage of 2000 transferred 64 KiB ArrayBuffers",
  group: "64 KiB messages",
  baseline: true,
  n: 10,
  warmup: 2,
  async fn(b) {
    await rawTransferPerSecond(2000, b);
  },
});

Deno.bench({
  name: "Pipe.sendBytes of 2000 64 KiB messages",
  group: "64 KiB messages",
  n: 10,
  warmup: 2,
  async fn(b) {
    await pipeBytesPerSecond(2000, b);
  },
});
