/** Lock and Event workloads shared by the deno bench file and the comparison with Python. */
import { Event, Lock, Process, type RLock, task } from "../mod.ts";
import { afterStart, type Clock, noClock } from "./_clock.ts";

/** Acquires and releases `lock` `times` times, blocking, after `go` is set. */
export const churn = task(import.meta, async function churn(lock: Lock, times: number, go: Event) {
  await go.wait();
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    lock.release();
  }
});

/** Answers every ping (set `ping`) with a pong (set `pong`), `rounds` times. */
export const ponger = task(
  import.meta,
  function ponger(ping: Event, pong: Event, rounds: number) {
    for (let round = 0; round < rounds; round++) {
      ping.waitSync();
      ping.clear();
      pong.set();
    }
  },
);

/**
 * Nanoseconds per uncontended acquireSync + release on this thread: the loop python_bench.py
 * times with `lock.acquire(); lock.release()` (Python's blocking acquire is synchronous too).
 */
export function uncontendedLockNs(times = 1_000_000, lock: Lock | RLock = new Lock()): number {
  const started = performance.now();
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    lock.release();
  }
  return (performance.now() - started) / times * 1e6;
}

/** Nanoseconds per uncontended `await acquire()` + release on this thread. */
export async function uncontendedAwaitedLockNs(times = 300_000): Promise<number> {
  const lock = new Lock();
  const started = performance.now();
  for (let i = 0; i < times; i++) {
    await lock.acquire();
    lock.release();
  }
  return (performance.now() - started) / times * 1e6;
}

/** Nanoseconds per acquire + release with two actors contending for one lock, all counted. */
export async function contendedLockNs(perActor = 500_000, clock: Clock = noClock): Promise<number> {
  const lock = new Lock();
  const go = new Event();
  const actors = [0, 1].map(() => new Process({ target: churn, args: [lock, perActor, go] }));
  for (const p of actors) await p.start();
  await afterStart();
  clock.start();
  const started = performance.now();
  go.set();
  for (const p of actors) await p.join();
  const ns = (performance.now() - started) / (2 * perActor) * 1e6;
  clock.end();
  return ns;
}

/** Microseconds per Event round trip: set here, woken there, set there, woken here. */
export async function eventRoundTripUs(rounds = 2000): Promise<number> {
  const ping = new Event();
  const pong = new Event();
  const p = new Process({ target: ponger, args: [ping, pong, rounds] });
  await p.start();
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    ping.set();
    await pong.wait();
    pong.clear();
  }
  const elapsed = performance.now() - started;
  await p.join();
  return elapsed / rounds * 1000;
}
