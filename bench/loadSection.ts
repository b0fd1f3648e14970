// Sections 1 and 2 of the benchmark: the full mix against the floor, at fixed rates and at the highest rate the
// machine takes (measured closed-loop first, then offered open-loop at 90 % of it), on one database; and what
// each kind of interaction costs the bot in CPU, with a CPU profile of the highest-rate stage.
import fs from "node:fs";
import path from "node:path";
import { closedLoop, openLoop, untilIdle } from "./load.js";
import { floorMix, fullMix, FULL_KINDS, mixState, type Mix } from "./mix.js";
import { summarizeProfile, type ProfileSummary } from "./profile.js";
import { seedScenario } from "./scenario.js";
import { startBenchStack } from "./stack.js";
import type { BenchConfig } from "./config.js";
import type { BenchDatabase } from "./db.js";
import type { StageStats } from "./stats.js";

export interface KindCost {
  kind: string;
  /** Bot CPU per interaction (all threads), idle use taken out, in ms. */
  cpuMs: number;
  p50: number;
  p99: number;
  okShare: number;
}

export interface LoadResult {
  database: string;
  members: number;
  /** Closed-loop capacity, acknowledgements per second. */
  capacity: { floor: number; full: number; ratio: number };
  stages: { floor: StageStats; full: StageStats; ratios: { throughput: number; p99: number } }[];
  probes: { floor: StageStats; full: StageStats };
  costs: KindCost[];
  botPeakRssMb: number;
  botReadyRssMb: number;
  /** Warnings and errors the bot logged during the run (distinct messages, with a count). */
  botWarnings: string[];
  profiles: { floor?: ProfileSummary; full?: ProfileSummary };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : NaN);

export async function runLoad(
  config: BenchConfig,
  database: BenchDatabase,
  log: (line: string) => void,
  profileDir?: string,
): Promise<LoadResult> {
  const stack = await startBenchStack({
    dbUrl: database.url,
    members: config.members,
    compiled: config.compiled,
    ...(profileDir ? { profileDir } : {}),
  });
  try {
    const pid = stack.bot.child.pid!;
    const scenario = await seedScenario(
      stack.db,
      stack.organizer.id,
      stack.members.map((m) => m.id),
    );
    const queue = await stack.discord.runCommand(stack.organizer, "dj", {}, { subcommand: "queue" });
    if (!queue.message) throw new Error(`/dj queue gave no message: ${queue.content}`);
    const state = mixState(stack.members);
    const mixes: Record<"floor" | "full", Mix> = {
      floor: floorMix(stack),
      full: fullMix(stack, scenario, queue.message, state),
    };
    let profiles = 0;
    /** Runs a stage under the bot's CPU profiler (SIGUSR2 starts and stops it) and reads the profile. */
    const profiled = async <T>(run: () => Promise<T>): Promise<[T, ProfileSummary | undefined]> => {
      if (!profileDir) return [await run(), undefined];
      process.kill(pid, "SIGUSR2");
      const result = await run();
      process.kill(pid, "SIGUSR2");
      const file = path.join(profileDir, `${++profiles}.cpuprofile`);
      for (let i = 0; i < 100 && !fs.existsSync(file); i++) await pause(100);
      return [result, fs.existsSync(file) ? summarizeProfile(file) : undefined];
    };

    for (const name of ["floor", "full"] as const)
      await openLoop(`warm-up ${name}`, mixes[name], 100, config.warmupSeconds, pid);
    const costs = await kindCosts(
      config,
      pid,
      {
        ping: floorMix(stack),
        ...Object.fromEntries(FULL_KINDS.map((k) => [k, fullMix(stack, scenario, queue.message!, state, [k])])),
      },
      log,
    );

    const stage = async (name: "floor" | "full", rate: number) => {
      await untilIdle(pid);
      const s = await openLoop(`${name} ${rate}/s`, mixes[name], rate, config.seconds, pid);
      log(
        `  ${database.kind} ${s.label}: ${s.throughput}/s acked, p50 ${s.p50} p99 ${s.p99} max ${s.max} ms, failed ${s.failed}, ok ${s.okShare}, bot cpu ${s.botCpu}%${s.errors.length ? `\n    ${s.errors.join("\n    ")}` : ""}`,
      );
      return s;
    };
    const pair = async (rate: number) => {
      const floor = await stage("floor", rate);
      const full = await stage("full", rate);
      return {
        floor,
        full,
        ratios: { throughput: ratio(full.throughput, floor.throughput), p99: ratio(full.p99, floor.p99) },
      };
    };
    const stages = [];
    for (const rate of config.rates) stages.push(await pair(rate));

    const probe = async (name: "floor" | "full") => {
      await untilIdle(pid);
      const label = `${name} closed loop (${config.probeConcurrency} in flight)`;
      const [s, profile] = await profiled(() =>
        closedLoop(label, mixes[name], config.probeConcurrency, config.seconds, pid),
      );
      log(`  ${database.kind} ${s.label}: ${s.throughput}/s, p99 ${s.p99} ms, bot cpu ${s.botCpu}%`);
      return { s, profile };
    };
    const floorProbe = await probe("floor");
    const fullProbe = await probe("full");
    // The highest rate both take: 90 % of the full path's capacity, offered open-loop to both.
    const top = Math.max(10, Math.floor(fullProbe.s.throughput * 0.9));
    if (!config.rates.includes(top)) stages.push(await pair(top));
    return {
      database: database.kind,
      members: config.members,
      capacity: {
        floor: floorProbe.s.throughput,
        full: fullProbe.s.throughput,
        ratio: ratio(fullProbe.s.throughput, floorProbe.s.throughput),
      },
      stages,
      probes: { floor: floorProbe.s, full: fullProbe.s },
      costs,
      botPeakRssMb: stack.peakRssMb(),
      botReadyRssMb: stack.readyRssMb,
      botWarnings: warnings(stack.bot.logs),
      profiles: {
        ...(floorProbe.profile ? { floor: floorProbe.profile } : {}),
        ...(fullProbe.profile ? { full: fullProbe.profile } : {}),
      },
    };
  } finally {
    await stack.close();
  }
}

function warnings(logs: { level?: number; msg?: string; err?: unknown }[]): string[] {
  const counts = new Map<string, number>();
  for (const l of logs) {
    if ((l.level ?? 0) < 40) continue;
    const err = l.err as { message?: string } | undefined;
    const key = `${l.msg ?? ""}${err?.message ? `: ${err.message.split("\n")[0]!.slice(0, 200)}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, n]) => `${n} × ${k}`);
}

/** Each kind alone at a low rate: the bot's CPU per interaction, its own idle use taken out. */
async function kindCosts(
  config: BenchConfig,
  pid: number,
  mixes: Record<string, Mix>,
  log: (line: string) => void,
): Promise<KindCost[]> {
  const rate = 50;
  const seconds = Math.max(2, Math.round(config.seconds / 2));
  const idle = await openLoop(
    "idle",
    () => ({ kind: "none", send: () => Promise.reject(new Error("idle")), ok: () => false }),
    0.001,
    1,
    pid,
  );
  const costs: KindCost[] = [];
  for (const [kind, mix] of Object.entries(mixes)) {
    await untilIdle(pid);
    const s = await openLoop(`${kind} alone`, mix, rate, seconds, pid);
    const cpuMs = Math.round((((s.botCpu - idle.botCpu) / 100) * 1000 * 100) / Math.max(1, s.throughput)) / 100;
    costs.push({ kind, cpuMs, p50: s.p50, p99: s.p99, okShare: s.okShare });
    log(
      `  ${kind} alone at ${rate}/s: bot cpu ${cpuMs} ms per interaction, p50 ${s.p50} p99 ${s.p99} ms, ok ${s.okShare}`,
    );
  }
  return costs;
}
