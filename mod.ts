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
export * from "./actors/active_children.ts";
export * from "./actors/behaviour.ts";
export * from "./actors/actor_ref.ts";
export * from "./actors/async_result.ts";
export * from "./actors/cpu_count.ts";
export * from "./actors/current_process.ts";
export * from "./actors/errors.ts";
export * from "./actors/exit.ts";
export * from "./actors/exit_reason.ts";
export * from "./actors/exit_signal.ts";
export * from "./actors/link.ts";
export * from "./actors/mailbox_options.ts";
export * from "./actors/monitor.ts";
export * from "./actors/parent_process.ts";
export * from "./actors/pool.ts";
export * from "./actors/process.ts";
export * from "./actors/receive.ts";
export * from "./actors/register.ts";
export * from "./actors/reply.ts";
export * from "./actors/self.ts";
export * from "./actors/spawn.ts";
export * from "./actors/start_server.ts";
export * from "./actors/supervisor.ts";
export * from "./actors/task.ts";
export * from "./actors/barrier.ts";
export * from "./actors/bounded_semaphore.ts";
export * from "./actors/condition.ts";
export * from "./actors/event.ts";
export * from "./actors/lock.ts";
export * from "./actors/rlock.ts";
export * from "./actors/semaphore.ts";
export * from "./actors/shared_array.ts";
export * from "./actors/value.ts";
export * from "./channels/buffer_options.ts";
export * from "./channels/connection.ts";
export * from "./channels/errors.ts";
export * from "./channels/joinable_queue.ts";
export * from "./channels/pipe.ts";
export * from "./channels/queue.ts";
export * from "./channels/simple_queue.ts";
export * from "./actors/manager.ts";
export * from "./actors/dict_proxy.ts";
export * from "./actors/list_proxy.ts";
export * from "./actors/namespace_proxy.ts";
export * from "./actors/queue_proxy.ts";
export * from "./actors/lock_proxy.ts";
export * from "./actors/semaphore_proxy.ts";
export * from "./actors/event_proxy.ts";
export * from "./actors/value_proxy.ts";
export * from "./actors/update_op.ts";
