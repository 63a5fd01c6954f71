/**
 * The soak: runs the reliability suites again and again for a while, each round with a fresh
 * random seed and more work per test (`RELIABILITY_SCALE`), and prints what it ran. A failing
 * round prints its seed; replay it with `RELIABILITY_SEED=<seed> RELIABILITY_SCALE=<scale>
 * deno test --allow-all tests/reliability/`.
 *
 * Run: `deno task soak` (10 minutes), or `deno task soak -- --minutes 3 --scale 5`.
 */

interface Round {
  seed: number;
  ok: boolean;
  seconds: number;
  passed: number;
  failed: number;
}

function option(name: string, fallback: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(Deno.args[index + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`--${name} must be a positive number, got ${Deno.args[index + 1]}`);
  }
  return value;
}

const minutes = option("minutes", 10);
const scale = option("scale", 10);
const suite = new URL(".", import.meta.url).pathname;
const until = Date.now() + minutes * 60_000;
const rounds: Round[] = [];

console.log(`soak: ${minutes} min of tests/reliability/ at scale ${scale}, fresh seed per round`);
while (Date.now() < until) {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0];
  const started = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", "--no-check", suite],
    env: { RELIABILITY_SEED: String(seed), RELIABILITY_SCALE: String(scale), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  const summary = text.match(/(\d+) passed.*?\| (\d+) failed/);
  const round: Round = {
    seed,
    ok: code === 0,
    seconds: (performance.now() - started) / 1000,
    passed: Number(summary?.[1] ?? 0),
    failed: Number(summary?.[2] ?? 0),
  };
  rounds.push(round);
  console.log(
    `round ${rounds.length}: seed ${seed}: ${round.ok ? "ok" : "FAILED"}, ` +
      `${round.passed} passed, ${round.failed} failed, ${round.seconds.toFixed(0)} s`,
  );
  if (!round.ok) {
    console.log(text.split("\n").filter((line) => /FAILED|Error|seed/.test(line)).join("\n"));
    console.log(new TextDecoder().decode(stderr).slice(-4000));
  }
}

const failed = rounds.filter((round) => !round.ok);
console.log(
  `soak done: ${rounds.length} rounds, ${rounds.reduce((n, r) => n + r.passed, 0)} tests ` +
    `passed, ${failed.length} failed rounds` +
    (failed.length === 0 ? "" : ` (seeds ${failed.map((round) => round.seed).join(", ")})`),
);
Deno.exit(failed.length === 0 ? 0 : 1);
