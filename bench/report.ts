// The Markdown report of a run: the interaction tables (full against floor), the cost of each kind, where the
// bot's time went, growth with its ratios to the smallest size, and each expectation of the issue checked.
import type { GrowthRow } from "./growth.js";
import type { HotEventResult } from "./hotEvent.js";
import type { LoadResult } from "./loadSection.js";

export interface BenchResults {
  date: string;
  quick: boolean;
  /** loadAverage: the 1-minute load average before and after the run (other work on the machine skews figures). */
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string; loadAverage: number[] };
  settings: { seconds: number; members: number; rates: number[]; sizes: number[]; compiled?: boolean };
  postgres: string;
  load: LoadResult[];
  /** The hot event (issue 15); absent in runs before it existed. */
  hotEvent?: HotEventResult[];
  growth: GrowthRow[];
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d).replace(/\.0+$/, "") : "–");
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
const table = (head: string[], rows: (string | number)[][]) =>
  [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");

function loadTables(load: LoadResult): string {
  const stages = table(
    [
      "offered/s",
      "floor acked/s",
      "full acked/s",
      "ratio",
      "floor p50 / p95 / p99 / max ms",
      "full p50 / p95 / p99 / max ms",
      "p99 ratio",
      "full unanswered in 3 s",
      "bot CPU full",
    ],
    load.stages.map((s) => [
      s.full.offered ?? "–",
      f(s.floor.throughput),
      f(s.full.throughput),
      f(s.ratios.throughput, 2),
      `${f(s.floor.p50)} / ${f(s.floor.p95)} / ${f(s.floor.p99)} / ${f(s.floor.max)}`,
      `${f(s.full.p50)} / ${f(s.full.p95)} / ${f(s.full.p99)} / ${f(s.full.max)}`,
      f(s.ratios.p99, 1),
      `${s.full.failed} of ${s.full.sent}`,
      `${f(s.full.botCpu, 0)} %`,
    ]),
  );
  const costs = table(
    ["interaction", "bot CPU ms each", "above the floor", "p50 ms", "p99 ms", "successful answers"],
    load.costs.map((c) => [
      c.kind,
      f(c.cpuMs, 2),
      f(c.cpuMs - (load.costs[0]?.cpuMs ?? 0), 2),
      f(c.p50),
      f(c.p99),
      `${f(c.okShare * 100, 0)} %`,
    ]),
  );
  const profile = (name: string, p: LoadResult["profiles"]["full"]) =>
    p
      ? `- ${name}: ${p.byPackage
          .slice(0, 8)
          .map((x) => `${x.name} ${x.share} %`)
          .join(", ")}`
      : "";
  const top = load.profiles.full?.topFunctions
    .slice(0, 10)
    .map((x) => `\`${x.name}\` ${x.share} %`)
    .join(", ");
  return [
    `### ${load.database === "sqlite" ? "SQLite" : "PostgreSQL"}`,
    "",
    `Latency percentiles are over the interactions acknowledged within Discord's 3 s; the others are counted as unanswered. Highest throughput, closed loop: floor **${f(load.capacity.floor, 0)}/s**, full mix **${f(load.capacity.full, 0)}/s** (ratio **${f(load.capacity.ratio, 3)}**). The last row is offered open-loop at 90 % of the full mix's capacity. Bot memory: ${f(load.botReadyRssMb)} MB when ready, ${f(load.botPeakRssMb)} MB at its peak.`,
    "",
    stages,
    "",
    "Each kind alone at 50/s (bot CPU of all its threads per interaction, its idle use taken out; the first row is the floor):",
    "",
    costs,
    "",
    load.profiles.full
      ? "Where the bot's CPU went at saturation (V8 profile of its main thread during the closed-loop stage, share of samples):"
      : "",
    "",
    profile("floor", load.profiles.floor),
    profile("full mix", load.profiles.full),
    top ? `- full mix, top functions (self time): ${top}` : "",
    load.botWarnings.length
      ? `\nWhat the bot logged at warn and above (count × message):\n\n${load.botWarnings.map((w) => `- ${w}`).join("\n")}`
      : "",
    "",
  ].join("\n");
}

function hotEventTable(results: HotEventResult[]): string {
  const rows = results.flatMap((r) =>
    [...r.stages, r.closedLoop].map((s) => [
      r.database,
      s.offered === null ? "closed loop" : `${s.offered}/s`,
      `${f(s.answeredWithin3s * 100, 2)} %`,
      f(s.p50),
      f(s.p99),
      f(s.throughput),
      f(s.floorThroughput),
      f(s.floorRatio, 2),
      f(s.botCpu),
      s.botCpuMsPerAnswer === undefined ? "" : `${f(s.botCpuMsPerAnswer, 2)} (${f(s.floorCpuMsPerPing, 2)})`,
    ]),
  );
  return table(
    [
      "database",
      "offered",
      "answered within 3 s",
      "p50 ms",
      "p99 ms",
      "answers/s",
      "floor /ping/s",
      "ratio",
      "bot cpu %",
      "bot cpu ms an answer (a /ping)",
    ],
    rows,
  );
}

function growthTable(rows: GrowthRow[]): string {
  const base = rows[0];
  const r = (x: number, b: number | undefined) => (b ? `${f(x, 2)} (${f(x / b, 2)}×)` : f(x, 2));
  return table(
    [
      "rows each",
      "milestone check ms",
      "/campaign status ms",
      "/rsvp list page ms",
      "/rsvp export ms",
      "/rsvp going ms",
      "export rows (bytes)",
      "bot peak MB (ready)",
    ],
    rows.map((g) => [
      g.size.toLocaleString("en-US"),
      r(g.milestoneCheck, base?.milestoneCheck),
      r(g.campaignStatus, base?.campaignStatus),
      r(g.rsvpList, base?.rsvpList),
      r(g.rsvpExport, base?.rsvpExport),
      r(g.rsvpGoing, base?.rsvpGoing),
      `${g.exportRows.toLocaleString("en-US")} (${(g.exportBytes / 1e6).toFixed(1)} MB)`,
      `${f(g.botPeakRssMb, 0)} (${f(g.botReadyRssMb, 0)})`,
    ]),
  );
}

function expectations(results: BenchResults): string[] {
  const lines: string[] = [];
  const sqlite = results.load.find((l) => l.database === "sqlite");
  const check = (ok: boolean, text: string) => lines.push(`- ${ok ? "met" : "**not met**"}: ${text}`);
  if (sqlite) {
    check(
      sqlite.capacity.ratio >= 0.7,
      `full path at ≥ 70 % of the floor's throughput: ${f(sqlite.capacity.ratio * 100, 1)} % (${f(sqlite.capacity.full, 0)}/s against ${f(sqlite.capacity.floor, 0)}/s)`,
    );
    const at300 = sqlite.stages.find((s) => s.full.offered === 300);
    if (at300)
      check(
        at300.full.p99 < 100 && at300.full.failed === 0,
        `p99 acknowledgement under 100 ms at 300/s on SQLite: ${f(at300.full.p99)} ms, ${at300.full.failed} unanswered`,
      );
  }
  const first = results.growth[0];
  const last = results.growth.at(-1);
  if (first && last && last !== first) {
    const span = `${first.size.toLocaleString("en-US")} to ${last.size.toLocaleString("en-US")}`;
    check(
      last.milestoneCheck / first.milestoneCheck <= 1.5,
      `milestone check flat from ${span} (≤ 1.5×): ${f(last.milestoneCheck / first.milestoneCheck, 2)}×`,
    );
    check(
      last.campaignStatus / first.campaignStatus <= 1.5,
      `/campaign status flat from ${span} (≤ 1.5×): ${f(last.campaignStatus / first.campaignStatus, 2)}×`,
    );
    check(
      last.botPeakRssMb < 200,
      `export of ${last.exportRows.toLocaleString("en-US")} rows with the bot under 200 MB: peak ${f(last.botPeakRssMb, 0)} MB, of which ${f(last.botReadyRssMb, 0)} MB before any work (the export added ${f(last.botPeakRssMb - last.botReadyRssMb, 0)} MB at most)`,
    );
  }
  return lines;
}

export function markdown(results: BenchResults): string {
  const m = results.machine;
  return [
    `## Benchmark results (${results.date}${results.quick ? ", quick run" : ""})`,
    "",
    `Machine: ${m.cpus} × ${m.cpuModel}, ${f(m.memoryGb)} GB, Node ${m.node} (${m.platform}); 1-minute load average ${m.loadAverage.join(" before, ")} after. The bot runs as its own process (${results.settings.compiled === false ? "`src/main.ts` through tsx" : "the compiled `dist/main.js`, as `npm start`, with the `/ping` fixture (plain JavaScript)"}); the Discord emulator and the load driver share the benchmark's process. ${results.settings.members} members; each stage lasts ${results.settings.seconds} s after a warm-up. Latency is the acknowledgement: INTERACTION_CREATE sent to the bot's first callback received. The floor is \`/ping\` (bench/fixtures/commands), which only replies; the full mix is RSVP going and decline, shift claim and drop, track request and upvote, and \`/campaign status\`, in equal parts.`,
    "",
    "### Expectations",
    "",
    ...expectations(results),
    "",
    "## Interactions: full mix against the floor",
    "",
    `PostgreSQL: ${results.postgres}.`,
    "",
    ...results.load.map(loadTables),
    "",
    "## Hot event: every answer to one event",
    "",
    "One event with capacity 100,000; every answer from a member who has not answered it yet; open loop for the stage's seconds, then closed loop. Latency and \"within 3 s\" are the member's final answer (the bot defers at once), not the acknowledgement. The floor is `/ping` at the same rate on the same bot, just before.",
    "",
    results.hotEvent?.length ? hotEventTable(results.hotEvent) : "(not run)",
    "",
    "## Growth",
    "",
    "A fresh database per size with that many RSVPs (one event), shift claims and track requests (one set) and their counters; a fresh bot on it; each action timed alone, the median kept (ratio to the smallest size in brackets). The milestone check is the service called in the benchmark's process; the others go through the bot (export: until the file arrives).",
    "",
    results.growth.length ? growthTable(results.growth) : "(not run)",
    "",
  ].join("\n");
}
