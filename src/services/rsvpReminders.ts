// Reminders before an event (RSVP_REMINDER_HOURS, default 24 h and 1 h) for members going. A job calls
// this every minute with its clock. Each event claims a reminder with one conditional update of its
// `remindedHours` and queues the DMs in the same transaction; the DM dedupe key (event, start time,
// hours, member) makes each reminder exactly once even across crashes and several processes.
import type { Db } from "../db/client.js";
import { queueDm } from "./directMessages.js";
import { plainTime, discordWhen } from "./time.js";

export interface ReminderSettings {
  RSVP_REMINDER_HOURS: readonly number[];
  CAMPAIGN_TIMEZONE: string;
}

/** Queues the reminders that are due at `now`; returns how many DMs were queued. */
export async function sendDueRsvpReminders(db: Db, config: ReminderSettings, now: Date): Promise<number> {
  const hours = [...config.RSVP_REMINDER_HOURS].filter((h) => h > 0);
  if (!hours.length) return 0;
  const horizon = new Date(now.getTime() + Math.max(...hours) * 3_600_000);
  // Only events starting within the largest reminder window: an index range on (status, startsAt).
  const events = await db.event.findMany({
    where: { status: "scheduled", startsAt: { gt: now, lte: horizon } },
    orderBy: { startsAt: "asc" },
  });
  let queued = 0;
  for (const event of events) {
    // The reminder whose moment came most recently; an older one missed while the bot was down is skipped.
    const due = hours.filter((h) => event.startsAt.getTime() - h * 3_600_000 <= now.getTime());
    if (!due.length) continue;
    const h = Math.min(...due);
    if (event.remindedHours !== null && event.remindedHours <= h) continue;
    queued += await db.$transaction(async (tx) => {
      const claimed = await tx.$executeRaw`
        UPDATE "Event" SET "remindedHours" = ${h}
        WHERE "id" = ${event.id} AND "status" = 'scheduled' AND "startsAt" = ${event.startsAt} AND ("remindedHours" IS NULL OR "remindedHours" > ${h})`;
      if (claimed !== 1) return 0; // another process did it, or the event moved or was cancelled meanwhile
      const going = await tx.rsvp.findMany({
        where: { eventId: event.id, status: "going" },
        select: { userId: true, guests: true },
      });
      const optedOut = new Set(
        (
          await tx.rsvpSetting.findMany({
            where: { userId: { in: going.map((r) => r.userId) }, remindersOff: true },
            select: { userId: true },
          })
        ).map((s) => s.userId),
      );
      const stamp = Math.floor(event.startsAt.getTime() / 1000);
      const where = event.location ? ` at ${event.location}` : "";
      let n = 0;
      for (const r of going) {
        if (optedOut.has(r.userId)) continue;
        const plus = r.guests ? ` with ${r.guests} ${r.guests === 1 ? "guest" : "guests"}` : "";
        const fresh = await queueDm(
          tx,
          {
            dedupeKey: `rsvp-reminder:${event.id}:${stamp}:${h}:${r.userId}`,
            userId: r.userId,
            content: `Reminder: **${event.name}**${where} starts ${discordWhen(event.startsAt)} (${plainTime(event.startsAt, config.CAMPAIGN_TIMEZONE)}). You are going${plus}. Plans changed? /rsvp decline frees your seat for someone on the waitlist. (/rsvp reminders off stops these.)`,
            // A member whose DMs are closed simply misses the reminder; the others get theirs.
            fallbackChannelId: null,
            // Behind every other DM, and pointless once the event started: dropped then, not sent late.
            priority: "last",
            expiresAt: event.startsAt,
          },
          now,
        );
        if (fresh) n++;
      }
      return n;
    });
  }
  return queued;
}
