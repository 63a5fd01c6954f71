/**
 * Python's `multiprocessing`, rebuilt for Deno on the actor model. Every process is an actor
 * running in its own Worker, with a mailbox; a supervisor on the main thread reaps every exit,
 * so there are no zombies and no orphans. Queues and pipes are typed channels on shared memory;
 * locks, semaphores, events and shared values are released when their holder dies; a `Pool`
 * survives worker crashes; a `Manager` shares dicts and lists, locally or over TCP; and any
 * actor can `ask`, `monitor`, `link` or find by name any other, with gen_server behaviours and
 * OTP-style `Supervisor`s.
 *
 * @example Start ten processes, then join them all
 * ```ts
 * import { Process } from "./mod.ts";
 * import { sendMail } from "./examples/doc_targets.ts";
 *
 * const processes = Array.from({ length: 10 }, (_, i) => new Process({ target: sendMail, args: [i] }));
 * for (const p of processes) p.start();
 * for (const p of processes) await p.join();
 * console.log("all 10 mails sent");
 * ```
 *
 * @module
 */
export * from "./actors/mod.ts";
export * from "./actors/gen_server/mod.ts";
export * from "./actors/supervisor/mod.ts";
export * from "./actors/observer/mod.ts";
export * from "./actors/context/mod.ts";
export * from "./actors/sync/mod.ts";
export * from "./actors/pool/mod.ts";
export * from "./actors/manager/mod.ts";
export * from "./channels/mod.ts";
