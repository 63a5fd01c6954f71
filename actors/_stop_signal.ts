/**
 * The two ways the supervisor ends an actor and the exit codes they leave, shared by the kernel
 * (which ends actors) and {@linkcode exitReason} (which names how they ended).
 *
 * @module
 */

/** How the supervisor ended an actor: Python's SIGTERM and SIGKILL. */
export type StopSignal = "terminate" | "kill";

/** Exit codes Python gives to processes ended by SIGTERM and SIGKILL. */
export const SIGNAL_EXITCODES: Readonly<Record<StopSignal, number>> = { terminate: -15, kill: -9 };
