// The load driver: fires a mix's interactions open-loop at a fixed rate (sends on schedule, whatever the bot's
// answers do), or closed-loop with a fixed number in flight (the highest throughput the machine takes).
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import type { Mix } from "./mix.js";
import { summarize, type Sample, type StageStats } from "./stats.js";

interface Recorder {
  samples: Sample[];
  errors: string[];
  sent: number;
  pending: Set<Promise<void>>;
  fire(mix: Mix): Promise<void>;
}

function recorder(): Recorder {
  const r: Recorder = {
    samples: [],
    errors: [],
    sent: 0,
    pending: new Set(),
    fire(mix) {
      const op = mix();
      r.sent++;
      const done: Promise<void> = op
        .send()
        .then(
          (result) =>
            void r.samples.push({
              kind: op.kind,
              sentAt: result.timing.sentAt,
              ackedAt: result.timing.ackedAt,
              ok: op.ok(result),
            }),
          (err: unknown) => void r.errors.push(`${op.kind}: ${String((err as Error)?.message ?? err).slice(0, 160)}`),
        )
        .finally(() => r.pending.delete(done));
      r.pending.add(done);
      return done;
    },
  };
  return r;
}

/** CPU time (user + system) of a process so far, in ms, from /proc. */
function procCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 a second)
  } catch {
    return NaN;
  }
}

function cpuMeter(botPid: number) {
  const t0 = performance.now();
  const bot0 = procCpuMs(botPid);
  const self0 = process.cpuUsage();
  return () => {
    const wall = performance.now() - t0;
    const self = process.cpuUsage(self0);
    return { bot: ((procCpuMs(botPid) - bot0) / wall) * 100, driver: ((self.user + self.system) / 1000 / wall) * 100 };
  };
}

/** Waits until the bot is idle again (an overloaded stage leaves a backlog it works through for a while). */
export async function untilIdle(botPid: number, maxSeconds = 90): Promise<void> {
  const end = performance.now() + maxSeconds * 1000;
  while (performance.now() < end) {
    const before = procCpuMs(botPid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (!((procCpuMs(botPid) - before) / 500 > 0.25)) return;
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

export async function openLoop(
  label: string,
  mix: Mix,
  rate: number,
  seconds: number,
  botPid: number,
): Promise<StageStats> {
  const r = recorder();
  const cpu = cpuMeter(botPid);
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= seconds * 1000) break;
    const due = Math.floor((elapsed * rate) / 1000);
    while (r.sent < due) void r.fire(mix);
    await tick();
  }
  await Promise.allSettled([...r.pending]);
  return summarize(label, rate, r.samples, r.sent, r.errors, cpu());
}

export async function closedLoop(
  label: string,
  mix: Mix,
  concurrency: number,
  seconds: number,
  botPid: number,
): Promise<StageStats> {
  const r = recorder();
  const cpu = cpuMeter(botPid);
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) await r.fire(mix);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(label, null, r.samples, r.sent, r.errors, cpu());
}
