/**
 * OTP's restart intensity: a sliding window that tells a supervisor when it has restarted its
 * children too often and must give up.
 *
 * @module
 */

/**
 * Counts restarts within the last `periodMs` milliseconds and refuses the one that would make
 * them more than `maxRestarts`, as an OTP supervisor does with `intensity` and `period`.
 */
export class RestartIntensity {
  readonly #maxRestarts: number;
  readonly #periodMs: number;
  #times: number[] = [];

  /**
   * Creates an empty window.
   *
   * @param maxRestarts How many restarts the window may hold (a non-negative integer, or Infinity).
   * @param periodMs How long a restart stays in the window, in milliseconds (Infinity: for ever).
   */
  constructor(maxRestarts: number, periodMs: number) {
    this.#maxRestarts = maxRestarts;
    this.#periodMs = periodMs;
  }

  /** How many restarts the window held after the last {@linkcode RestartIntensity.record}. */
  get count(): number {
    return this.#times.length;
  }

  /**
   * Records a restart at time `now` and forgets the ones older than the period.
   *
   * @param now The current time in milliseconds, from a monotonic clock.
   * @returns False when the window now holds more than `maxRestarts` restarts: give up.
   */
  record(now: number): boolean {
    // Never giving up needs no window; a finite one holds at most maxRestarts + 1 restarts,
    // since the supervisor gives up at the next: memory stays bounded whatever the period.
    if (this.#maxRestarts === Infinity) return true;
    this.#times = this.#times.filter((time) => now - time < this.#periodMs);
    this.#times.push(now);
    return this.#times.length <= this.#maxRestarts;
  }
}
