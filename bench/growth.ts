// Section 3: how the cost of reading grows with the campaign. For each size, a fresh database is seeded
// (N RSVPs, shift claims and track requests), a fresh bot started on it, and these timed one at a time:
// a milestone check (the service, in this process), /campaign status, one page of /rsvp list, /rsvp export
// (until the file arrives) and /rsvp going by a new member; then the bot's peak resident memory.
import { performance } from "node:perf_hooks";
import { checkMilestones } from "../src/services/milestones.js";
import type { InteractionResult } from "../src/sandbox/discord/index.js";
import { seedSize } from "./bulk.js";
import { freshDatabase } from "./db.js";
import { seedScenario } from "./scenario.js";
import { startBenchStack } from "./stack.js";
import { median } from "./stats.js";
import type { BenchConfig } from "./config.js";

export interface GrowthRow {
  size: number;
  seedSeconds: number;
  /** Median milliseconds. */
  milestoneCheck: number;
  campaignStatus: number;
  rsvpList: number;
  rsvpExport: number;
  rsvpGoing: number;
  exportRows: number;
  exportBytes: number;
  botPeakRssMb: number;
  /** The bot's resident memory when it was ready, before any work. */
  botReadyRssMb: number;
}

const ackMs = (r: InteractionResult) => r.timing.ackedAt - r.timing.sentAt;
const answerMs = (r: InteractionResult) => r.timing.settledAt - r.timing.sentAt;

export async function runGrowth(config: BenchConfig, log: (line: string) => void): Promise<GrowthRow[]> {
  const rows: GrowthRow[] = [];
  for (const size of config.sizes) {
    const database = await freshDatabase("sqlite");
    const repeats = config.growthRepeats;
    const stack = await startBenchStack({ dbUrl: database.url, members: repeats, compiled: config.compiled });
    try {
      const t0 = performance.now();
      const scenario = await seedScenario(
        stack.db,
        stack.organizer.id,
        stack.members.map((m) => m.id),
      );
      await seedSize(stack.db, scenario, size);
      const seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
      const { discord, organizer, db } = stack;
      const event = String(scenario.eventId);

      const times = async (n: number, run: (i: number) => Promise<number>) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push(await run(i));
        return median(out);
      };
      const value = Number((await db.metric.findUniqueOrThrow({ where: { name: "rsvps_going" } })).value);
      const milestoneCheck = await times(repeats, async () => {
        const t = performance.now();
        await db.$transaction((tx) =>
          checkMilestones(tx, { name: "rsvps_going", before: value, after: value + 1 }, new Date()),
        );
        return performance.now() - t;
      });
      const campaignStatus = await times(repeats, async () =>
        ackMs(await discord.runCommand(organizer, "campaign", {}, { subcommand: "status" })),
      );
      const rsvpList = await times(repeats, async () =>
        answerMs(await discord.runCommand(organizer, "rsvp", { event }, { subcommand: "list" })),
      );
      let exportRows = 0;
      let exportBytes = 0;
      const rsvpExport = await times(Math.max(2, Math.ceil(repeats / 5)), async () => {
        const r = await discord.runCommand(organizer, "rsvp", { event }, { subcommand: "export", timeoutMs: 120_000 });
        const file = r.attachments[0]?.data ?? Buffer.alloc(0);
        exportBytes = file.length;
        exportRows = file.toString("utf8").split("\n").filter(Boolean).length - 1;
        return answerMs(r);
      });
      const rsvpGoing = await times(repeats, async (i) =>
        ackMs(await discord.runCommand(stack.members[i]!, "rsvp", { event }, { subcommand: "going" })),
      );
      const row: GrowthRow = {
        size,
        seedSeconds,
        milestoneCheck,
        campaignStatus,
        rsvpList,
        rsvpExport,
        rsvpGoing,
        exportRows,
        exportBytes,
        botPeakRssMb: stack.peakRssMb(),
        botReadyRssMb: stack.readyRssMb,
      };
      log(
        `  ${size} rows: seeded in ${seedSeconds} s; milestone check ${milestoneCheck} ms, status ${campaignStatus} ms, list ${rsvpList} ms, export ${rsvpExport} ms (${exportRows} rows), going ${rsvpGoing} ms, bot peak ${row.botPeakRssMb} MB (${row.botReadyRssMb} MB when ready)`,
      );
      rows.push(row);
    } finally {
      await stack.close();
      await database.drop();
    }
  }
  return rows;
}
