// The "hot event" section (issue 15, the viral minute): every answer goes to ONE event (capacity 100,000), each
// from a member who has not answered it before, open-loop at fixed rates and closed-loop, with the /ping floor
// measured in the same run on the same bot. What counts here is the member's answer, not Discord's
// acknowledgement (the bot defers at once): latency runs from the interaction to its final reply, and an
// answer counts as "within 3 s" when that reply says going (or waitlisted) no later than 3 s after it was sent.
import fs from "node:fs";
import path from "node:path";
import { closedLoop, openLoop, untilIdle } from "./load.js";
import { summarizeProfile, type ProfileSummary } from "./profile.js";
import { floorMix, type Mix } from "./mix.js";
import { startBenchStack } from "./stack.js";
import { createEvent } from "../src/services/events.js";
import type { BenchConfig } from "./config.js";
import type { BenchDatabase } from "./db.js";
import type { StageStats } from "./stats.js";
import type { Member } from "../src/sandbox/discord/index.js";

export interface HotEventStage {
  /** Offered answers per second (null: closed loop, `concurrency` in flight). */
  offered: number | null;
  sent: number;
  /** Share of the answers sent that got their own final answer within 3 s. */
  answeredWithin3s: number;
  /** Sent to final answer, ms. */
  p50: number;
  p99: number;
  /** Final answers per second over the stage. */
  throughput: number;
  /** /ping at the same rate (or closed loop), on the same bot, just before. */
  floorThroughput: number;
  floorRatio: number;
  botCpu: number;
  /** The bot's CPU time per final answer (ms): its CPU share over the stage divided by the answers given. */
  botCpuMsPerAnswer: number;
  /** The same for the floor's /ping in its stage: what any interaction costs the bot at the least. */
  floorCpuMsPerPing: number;
}

export interface HotEventResult {
  database: string;
  capacity: number;
  stages: HotEventStage[];
  /** Closed loop: the most answers a second the bot gives to one event. */
  closedLoop: HotEventStage;
  botPeakRssMb: number;
  /** Resident memory once ready, before any load. */
  botReadyRssMb: number;
  /** Where the bot's CPU went in an extra closed-loop run after the measured ones (BENCH_PROFILE=0: none). */
  profile?: ProfileSummary;
}

const HOT_CAPACITY = 100_000;
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : NaN);
const DAY = 86_400_000;

/** Answers Going to `eventId`, each from the next member who has not answered it yet. */
function hotMix(stack: Awaited<ReturnType<typeof startBenchStack>>, members: Member[], eventId: number): Mix {
  let n = 0;
  const event = String(eventId);
  return () => {
    // The pool grows as a stage needs it: a closed loop can send more answers than any open-loop stage.
    const m = (members[n] ??= stack.discord.addMember({ username: `fan${n}` }));
    n++;
    return {
      kind: "hot-going",
      // The latency that matters is the final reply's: take it as the "ack" for the statistics.
      send: () =>
        stack.discord
          .runCommand(m, "rsvp", { event }, { subcommand: "going" })
          .then((r) => ({ ...r, timing: { ...r.timing, ackedAt: r.timing.settledAt } })),
      ok: (r) =>
        /You are \*\*going\*\*|\*\*waitlist\*\*/.test(r.content ?? "") && r.timing.ackedAt - r.timing.sentAt <= 3000,
    };
  };
}

/** botCpu is the share of one core (%), so CPU ms per second is botCpu × 10. */
const cpuMsPer = (s: StageStats) => (s.throughput > 0 ? Math.round(((s.botCpu * 10) / s.throughput) * 100) / 100 : NaN);

function stageOf(s: StageStats, floor: StageStats): HotEventStage {
  const within = s.sent ? Math.round(((s.okShare * s.acked) / s.sent) * 10_000) / 10_000 : 0;
  return {
    offered: s.offered,
    sent: s.sent,
    answeredWithin3s: within,
    p50: s.p50,
    p99: s.p99,
    throughput: s.throughput,
    floorThroughput: floor.throughput,
    floorRatio: ratio(s.throughput, floor.throughput),
    botCpu: s.botCpu,
    botCpuMsPerAnswer: cpuMsPer(s),
    floorCpuMsPerPing: cpuMsPer(floor),
  };
}

export async function runHotEvent(
  config: BenchConfig,
  database: BenchDatabase,
  log: (line: string) => void,
  rates = [300, 1000],
  profileDir?: string,
): Promise<HotEventResult> {
  const stack = await startBenchStack({
    dbUrl: database.url,
    members: config.members,
    compiled: config.compiled,
    ...(profileDir ? { profileDir } : {}),
  });
  try {
    const pid = stack.bot.child.pid!;
    const now = new Date();
    const newEvent = async (name: string) =>
      (
        await createEvent(
          stack.db,
          {
            name,
            starts: new Date(Math.floor((now.getTime() + 30 * DAY) / 60_000) * 60_000).toISOString(),
            capacity: HOT_CAPACITY,
            createdBy: stack.organizer.id,
            now,
          },
          { timeZone: "UTC", reminderHours: [24, 1] },
          { id: stack.organizer.id, name: "Bench organizer" },
        )
      ).id;
    // Distinct members per stage (each stage answers a new event), made before the stages as far as the
    // largest open-loop stage needs, so making them is not measured; hotMix adds more if a stage needs them.
    const most = Math.max(...rates) * config.seconds;
    const hotMembers: Member[] = Array.from({ length: Math.max(most, 5_000) }, (_, i) =>
      stack.discord.addMember({ username: `fan${i}` }),
    );
    const floor = floorMix(stack);
    await openLoop("warm-up floor", floor, 100, config.warmupSeconds, pid);
    await openLoop("warm-up hot", hotMix(stack, hotMembers, await newEvent("Warm-up")), 100, config.warmupSeconds, pid);

    const stages: HotEventStage[] = [];
    for (const rate of rates) {
      await untilIdle(pid);
      const f = await openLoop(`floor ${rate}/s`, floor, rate, config.seconds, pid);
      await untilIdle(pid);
      const h = await openLoop(
        `hot event ${rate}/s`,
        hotMix(stack, hotMembers, await newEvent(`Hot ${rate}`)),
        rate,
        config.seconds,
        pid,
      );
      const stage = stageOf(h, f);
      stages.push(stage);
      log(
        `  ${database.kind} hot event ${rate}/s: ${stage.throughput}/s answered (floor ${f.throughput}/s), within 3 s ${(stage.answeredWithin3s * 100).toFixed(2)} %, p50 ${stage.p50} p99 ${stage.p99} ms, bot cpu ${h.botCpu}%, ${stage.botCpuMsPerAnswer} ms cpu an answer (floor ${stage.floorCpuMsPerPing} a ping)${h.errors.length ? `\n    ${h.errors.join("\n    ")}` : ""}`,
      );
    }
    await untilIdle(pid);
    const label = `closed loop (${config.probeConcurrency} in flight)`;
    const f = await closedLoop(`floor ${label}`, floor, config.probeConcurrency, config.seconds, pid);
    await untilIdle(pid);
    const h = await closedLoop(
      `hot event ${label}`,
      hotMix(stack, hotMembers, await newEvent("Hot closed loop")),
      config.probeConcurrency,
      config.seconds,
      pid,
    );
    const closed = stageOf(h, f);
    log(
      `  ${database.kind} hot event ${label}: ${closed.throughput}/s against the floor's ${f.throughput}/s (${closed.floorRatio}), p99 ${closed.p99} ms, ${closed.botCpuMsPerAnswer} ms cpu an answer (floor ${closed.floorCpuMsPerPing} a ping)`,
    );
    // The profile comes from a run of its own, so the profiler's cost stays out of the figures above.
    let profile: ProfileSummary | undefined;
    if (profileDir) {
      await untilIdle(pid);
      const before = new Set(fs.readdirSync(profileDir));
      process.kill(pid, "SIGUSR2");
      await closedLoop(
        `profiled ${label}`,
        hotMix(stack, hotMembers, await newEvent("Hot profiled")),
        config.probeConcurrency,
        config.seconds,
        pid,
      );
      process.kill(pid, "SIGUSR2");
      for (let i = 0; i < 100; i++) {
        const file = fs.readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile") && !before.has(f));
        if (file) {
          await new Promise((r) => setTimeout(r, 200));
          profile = summarizeProfile(path.join(profileDir, file));
          log(
            `  ${database.kind} hot event profile: ${profile.byPackage
              .slice(0, 8)
              .map((p) => `${p.name} ${p.share} %`)
              .join(", ")}`,
          );
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return {
      ...(profile ? { profile } : {}),
      database: database.kind,
      capacity: HOT_CAPACITY,
      stages,
      closedLoop: closed,
      botPeakRssMb: stack.peakRssMb(),
      botReadyRssMb: stack.readyRssMb,
    };
  } finally {
    await stack.close();
  }
}
