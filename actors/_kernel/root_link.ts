/**
 * How an actor reaches the root supervisor: on the main thread by direct calls on the root,
 * loaded on first use; in a worker by messages through its host ({@linkcode WorkerCalls}
 * matches the answers to the calls).
 *
 * @module
 */
import type { HoldingsLink, SharedPrimitive } from "./holdings.ts";
import {
  type ActorSpec,
  type KernelValue,
  MAIN_PID,
  type RootAnswer,
  type RootRequest,
  type StopSignal,
} from "./protocol.ts";
import type { MainActor, RootSupervisor } from "./root/root.ts";
import { deserializeError } from "./wire_errors.ts";

/** How this thread reaches the root supervisor: a direct call on the main thread, a message in a worker. */
export interface SupervisorLink extends HoldingsLink {
  spawn(spec: ActorSpec): void;
  /** `pid` was handed out but will never be spawned. */
  discard(pid: number): void;
  signal(pid: number, signal: StopSignal): void;
  /** Sends request `id` to the root; resolves to its answer, rejects with its error. */
  call(id: number, request: RootRequest): Promise<unknown>;
}

/** A worker's link, which can also acknowledge the actor's start (see `Runtime.acknowledgeStart`). */
export interface WorkerLink extends SupervisorLink {
  acknowledge(ack: KernelValue): void;
}

/** The main thread's link: the root supervisor is loaded on first use, in order. */
export class RootLink implements SupervisorLink {
  #root: Promise<RootSupervisor>;

  constructor(main: MainActor) {
    this.#root = import("./root/root.ts").then((module) => new module.RootSupervisor(main));
  }

  spawn(spec: ActorSpec): void {
    void this.#root.then((root) => root.spawn(spec));
  }

  discard(pid: number): void {
    void this.#root.then((root) => root.discard(pid));
  }

  signal(pid: number, signal: StopSignal): void {
    void this.#root.then((root) => root.signal(pid, signal));
  }

  /**
   * The main program's holdings are read by the root directly (see `heldPrimitives`): only a
   * revived primitive needs a word, a repair, since its description may have been in flight
   * while an actor holding it died.
   */
  hold(_id: string, handle: SharedPrimitive, created: boolean): void {
    if (!created) void this.#root.then((root) => root.repairOnce(handle));
  }

  release(_id: string): void {}

  async call(id: number, request: RootRequest): Promise<unknown> {
    const root = await this.#root;
    return (await root.answer(MAIN_PID, id, request)).value;
  }
}

/**
 * A worker's calls to the root: requests go out as `call` reports, answers come back as
 * `answer` commands, matched by id.
 */
export class WorkerCalls {
  readonly #pending = new Map<number, PromiseWithResolvers<unknown>>();
  readonly #post: (id: number, request: RootRequest) => void;

  constructor(post: (id: number, request: RootRequest) => void) {
    this.#post = post;
  }

  call(id: number, request: RootRequest): Promise<unknown> {
    const answer = Promise.withResolvers<unknown>();
    this.#pending.set(id, answer);
    this.#post(id, request);
    return answer.promise;
  }

  settle(command: RootAnswer): void {
    const answer = this.#pending.get(command.id);
    this.#pending.delete(command.id);
    if (command.ok) answer?.resolve(command.value);
    else answer?.reject(deserializeError(command.error));
  }
}
