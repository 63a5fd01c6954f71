/**
 * Seeded randomness for the reliability suites: every randomized test draws from a generator
 * built from a seed, and says the seed when it fails, so a failure can be replayed exactly.
 *
 * The seed comes from `RELIABILITY_SEED` when set (to replay), else from the test's own fixed
 * seed (CI), and `deno task soak` sets fresh ones.
 */

/** A small, fast generator (mulberry32): the same seed gives the same sequence. */
export class Random {
  #state: number;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#state = this.seed;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/** The seed a test uses: `RELIABILITY_SEED` if set, else `fallback`. */
export function seedFor(fallback: number): number {
  const fromEnv = Deno.env.get("RELIABILITY_SEED");
  return fromEnv === undefined ? fallback : Number(fromEnv) >>> 0;
}

/** How much work a randomized test does: `RELIABILITY_SCALE` (the soak raises it), default 1. */
export function scale(): number {
  const fromEnv = Number(Deno.env.get("RELIABILITY_SCALE") ?? "1");
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 1;
}

/**
 * Runs `body` with a generator seeded from `fallback` (or `RELIABILITY_SEED`); if it throws,
 * the error says the seed and how to replay it.
 */
export async function withSeed<T>(
  fallback: number,
  body: (random: Random) => Promise<T> | T,
): Promise<T> {
  const seed = seedFor(fallback);
  try {
    return await body(new Random(seed));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Failed with seed ${seed} (replay: RELIABILITY_SEED=${seed} deno task test): ${message}`,
      { cause: error },
    );
  }
}
