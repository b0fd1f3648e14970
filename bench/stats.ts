// Percentiles and the per-stage summary. Latency is the acknowledgement: from INTERACTION_CREATE sent to the
// bot's first callback received, as the emulator timed them.
export interface Sample {
  kind: string;
  sentAt: number;
  ackedAt: number;
  ok: boolean;
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface StageStats extends Latency {
  label: string;
  /** Offered interactions per second (null: closed loop). */
  offered: number | null;
  seconds: number;
  sent: number;
  acked: number;
  /** Interactions that got no acknowledgement (a timeout, or an answer after Discord's 3 s). */
  failed: number;
  /** Acknowledgements per second over the stage. */
  throughput: number;
  /** Share of answers that were the successful path (not a refusal). */
  okShare: number;
  /** CPU used over the stage, in percent of one core. */
  botCpu: number;
  driverCpu: number;
  byKind: Record<string, Latency & { okShare: number }>;
  errors: string[];
}

const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : NaN);

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? NaN),
  };
}

export function median(values: number[]): number {
  return round(
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ),
    2,
  );
}

export function summarize(
  label: string,
  offered: number | null,
  samples: Sample[],
  sent: number,
  errors: string[],
  cpu: { bot: number; driver: number },
): StageStats {
  const first = Math.min(...samples.map((s) => s.sentAt));
  const last = Math.max(...samples.map((s) => s.ackedAt));
  const seconds = samples.length ? (last - first) / 1000 : 0;
  const kinds = [...new Set(samples.map((s) => s.kind))].sort();
  const byKind = Object.fromEntries(
    kinds.map((k) => {
      const of = samples.filter((s) => s.kind === k);
      return [
        k,
        {
          ...latency(of.map((s) => s.ackedAt - s.sentAt)),
          okShare: round(of.filter((s) => s.ok).length / of.length, 3),
        },
      ];
    }),
  );
  return {
    label,
    offered,
    seconds: round(seconds, 2),
    sent,
    acked: samples.length,
    failed: sent - samples.length,
    throughput: round(seconds > 0 ? samples.length / seconds : 0),
    okShare: round(samples.filter((s) => s.ok).length / Math.max(1, samples.length), 3),
    ...latency(samples.map((s) => s.ackedAt - s.sentAt)),
    botCpu: round(cpu.bot),
    driverCpu: round(cpu.driver),
    byKind,
    errors: [...new Set(errors)].slice(0, 5),
  };
}
