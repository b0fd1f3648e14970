// Scheduled work for shifts: DM reminders before each shift (exactly once, across restarts) and the daily
// summary of shifts still short of people. Both take `now`, so tests run them with any clock.
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import { queueDm } from "./directMessages.js";
import { CHECKIN_OPENS_MS, inTx, shiftLine, slotsLeft, withRole } from "./shiftCore.js";
import { discordTime } from "./time.js";

const BATCH = 200;

/**
 * Queues the reminders that are due. For each holder only the nearest threshold already reached is sent
 * (a bot that was down for a day sends one "in 2 h", not a stale "in 24 h" too). `remindedHours` records
 * it in the same transaction as the queued DM, whose dedupe key also names the shift's start, so a retry
 * or a second process sends nothing twice, and a shift moved to a new time is reminded again.
 */
export async function sendDueShiftReminders(
  db: Db,
  config: Pick<Config, "SHIFT_REMINDER_HOURS">,
  now: Date,
): Promise<number> {
  const thresholds = [...new Set(config.SHIFT_REMINDER_HOURS)].filter((h) => h > 0).sort((a, b) => a - b);
  let queued = 0;
  for (const h of thresholds) {
    for (;;) {
      const due = await db.shiftAssignment.findMany({
        where: {
          shift: { startsAt: { gt: now, lte: new Date(now.getTime() + h * 3600_000) } },
          OR: [{ remindedHours: null }, { remindedHours: { gt: h } }],
        },
        include: { shift: { include: withRole } },
        orderBy: { id: "asc" },
        take: BATCH,
      });
      if (!due.length) break;
      await inTx(db, async (tx) => {
        for (const a of due) {
          const marked = await tx.shiftAssignment.updateMany({
            where: { id: a.id, OR: [{ remindedHours: null }, { remindedHours: { gt: h } }] },
            data: { remindedHours: h },
          });
          if (marked.count !== 1) continue;
          const opens = new Date(a.shift.startsAt.getTime() - CHECKIN_OPENS_MS);
          const isNew = await queueDm(
            tx,
            {
              dedupeKey: `shift-reminder:${a.id}:${h}:${a.shift.startsAt.getTime()}`,
              userId: a.userId,
              content:
                `Reminder: your ${shiftLine(a.shift)} shift starts ${discordTime(a.shift.startsAt, "R")}.` +
                `${a.shift.description ? `\n> ${a.shift.description}` : ""}\n` +
                `Check in with /volunteer checkin from ${discordTime(opens, "t")}. Can't make it? Hand it over with /volunteer offer.`,
              priority: "last",
              expiresAt: a.shift.startsAt,
            },
            now,
          );
          if (isNew) queued += 1;
        }
      });
      if (due.length < BATCH) break;
    }
  }
  return queued;
}

export const SUMMARY_WINDOW_HOURS = 48;

/** The daily summary: shifts in the next 48 h still short of people, or null when every one is full. */
export async function shortShiftsSummary(db: Db, now: Date): Promise<string | null> {
  const until = new Date(now.getTime() + SUMMARY_WINDOW_HOURS * 3600_000);
  const short = await db.shift.findMany({
    where: { startsAt: { gt: now, lte: until }, taken: { lt: db.shift.fields.capacity } },
    include: withRole,
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    take: 200,
  });
  if (!short.length) return null;
  const needed = short.reduce((n, s) => n + slotsLeft(s), 0);
  const header = `**Volunteers needed in the next ${SUMMARY_WINDOW_HOURS} hours: ${needed} ${needed === 1 ? "slot" : "slots"} on ${short.length} ${short.length === 1 ? "shift" : "shifts"}.**`;
  const footer = "Claim one with `/volunteer claim` or browse with `/volunteer shifts`.";
  const lines: string[] = [];
  let length = header.length + footer.length + 40;
  for (const s of short) {
    const line = `- ${shiftLine(s)}: ${slotsLeft(s)} of ${s.capacity} still open`;
    if (length + line.length + 1 > 1_900) {
      lines.push(`- …and ${short.length - lines.length} more`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return [header, ...lines, footer].join("\n");
}

/**
 * The daily summary job: posts to the announce channel through `post` (the caller's Discord client), so
 * this file stays free of discord.js. Returns whether anything was posted.
 */
export async function postShiftSummary(
  db: Db,
  config: Pick<Config, "ANNOUNCE_CHANNEL_ID">,
  now: Date,
  post: (channelId: string, content: string) => Promise<unknown>,
): Promise<boolean> {
  if (!config.ANNOUNCE_CHANNEL_ID) return false;
  const summary = await shortShiftsSummary(db, now);
  if (!summary) return false;
  await post(config.ANNOUNCE_CHANNEL_ID, summary);
  return true;
}
