// What a benchmark run does, from the environment: BENCH_QUICK=1 for a run of about a minute, the full run
// (about ten minutes on two cores) otherwise. Every size and rate can be set on its own.
export interface BenchConfig {
  quick: boolean;
  /** Fixed offered rates, interactions per second. */
  rates: number[];
  /** How long each measured stage lasts (after its warm-up). */
  seconds: number;
  warmupSeconds: number;
  /** Members taking part in the load (each acts in turn). */
  members: number;
  /** Interactions in flight while probing the highest throughput (closed loop). */
  probeConcurrency: number;
  /** Rows per table for the growth section. */
  sizes: number[];
  /** Repetitions of each timed growth action (the median is kept). */
  growthRepeats: number;
  /** Sections to run: load, hot (the hot event), growth. */
  sections: string[];
  /** Write a CPU profile of the bot during the highest-rate stage. */
  profile: boolean;
  /** Run the compiled bot (dist/, as `npm start`), built at the start of the run; BENCH_COMPILED=0: tsx. */
  compiled: boolean;
  /** A PostgreSQL URL to repeat the load on (TEST_DATABASE_URL). */
  postgresUrl: string | undefined;
}

const list = (text: string | undefined, fallback: number[]) =>
  text?.trim()
    ? text
        .split(",")
        .map((s) => Number(s.trim()))
        .filter((n) => Number.isFinite(n) && n > 0)
    : fallback;
const num = (text: string | undefined, fallback: number) =>
  text?.trim() && Number.isFinite(Number(text)) ? Number(text) : fallback;

export function benchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === "1" || env.BENCH_QUICK === "true";
  return {
    quick,
    rates: list(env.BENCH_RATES, [100, 300, 1000]),
    seconds: num(env.BENCH_SECONDS, quick ? 2 : 10),
    warmupSeconds: num(env.BENCH_WARMUP_SECONDS, quick ? 1 : 2),
    members: num(env.BENCH_MEMBERS, quick ? 300 : 1000),
    probeConcurrency: num(env.BENCH_CONCURRENCY, 32),
    sizes: list(env.BENCH_SIZES, quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]),
    growthRepeats: num(env.BENCH_REPEATS, quick ? 5 : 15),
    sections: (env.BENCH_SECTIONS ?? "load,hot,growth").split(",").map((s) => s.trim()),
    profile: env.BENCH_PROFILE !== "0",
    compiled: env.BENCH_COMPILED !== "0",
    postgresUrl: env.TEST_DATABASE_URL?.trim() || undefined,
  };
}
