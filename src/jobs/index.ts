// Every scheduled job of the bot, in one list. Each feature adds its line here; the scheduler takes the
// job's lease before each tick, so with several processes each tick runs once.
import { pruneClaims } from "../discord/claims.js";
import type { BotContext } from "../discord/types.js";
import type { Scheduler } from "./scheduler.js";
import { sendDueRsvpReminders } from "../services/rsvpReminders.js";
import { postShiftSummary, sendDueShiftReminders } from "../services/shiftReminders.js";
import { createTweetJobs } from "./tweets.js";
import { createThanksJob } from "../discord/donationThanks.js";
import { applyRetention } from "../services/privacyRetention.js";

export interface Jobs {
  /** Sends the DM outbox now (called when rows were written, besides the schedule). */
  flushDms(now: Date): Promise<number>;
}

/** The DM outbox job: run on its schedule, and at once when rows were written (ctx.wakeDmQueue). */
export const DM_QUEUE_JOB = { name: "dm-queue", leaseMs: 30_000 } as const;

export function startJobs(scheduler: Scheduler, ctx: BotContext, jobs: Jobs): void {
  // The DM outbox: every few seconds, throttled inside.
  scheduler.schedule(DM_QUEUE_JOB.name, "*/5 * * * * *", (now) => jobs.flushDms(now), DM_QUEUE_JOB);
  // Event reminders (RSVP_REMINDER_HOURS before the start) for members going: exactly once by their outbox keys.
  scheduler.schedule("rsvp-reminders", "0 * * * * *", (now) =>
    sendDueRsvpReminders(ctx.db, ctx.config, now).then(() => ctx.wakeDmQueue()),
  );
  // Volunteer shifts: DM reminders every minute (exactly once by their outbox keys); the summary of shifts still short of people.
  scheduler.schedule("shift-reminders", "0 * * * * *", (now) =>
    sendDueShiftReminders(ctx.db, ctx.config, now).then(() => ctx.wakeDmQueue()),
  );
  scheduler.schedule("shift-summary", ctx.config.SHIFT_SUMMARY_CRON, (now) =>
    postShiftSummary(ctx.db, ctx.config, now, async (channelId, content) => {
      const channel = await ctx.client.channels.fetch(channelId);
      if (channel?.isSendable()) await channel.send({ content, allowedMentions: { parse: [] } });
    }),
  );
  // Posts to X (src/x): the outbox on TWEET_CRON, the digest on DIGEST_CRON, milestones to the announce channel at once.
  const tweets = createTweetJobs(ctx);
  scheduler.schedule("tweet-outbox", ctx.config.TWEET_CRON, (now) => tweets.flush(now), { leaseMs: 120_000 });
  scheduler.schedule("tweet-digest", ctx.config.DIGEST_CRON, (now) => tweets.digest(now));
  scheduler.schedule("milestone-announce", "*/5 * * * * *", () => tweets.announce(), { leaseMs: 60_000 });
  // Claims on interaction ids (src/discord/claims.ts) are needed for minutes; forget those older than an hour.
  scheduler.schedule("interaction-claims-prune", "*/10 * * * *", (now) => pruneClaims(ctx.db, now));
  // Privacy (README, "Privacy"): once a day, sent DMs and names on old answers, shifts and requests past RETENTION_DAYS.
  scheduler.schedule(
    "privacy-retention",
    "0 17 4 * * *",
    (now) => applyRetention(ctx.db, ctx.config.RETENTION_DAYS, now),
    {
      leaseMs: 10 * 60_000,
    },
  );
  // Donations: thank-you lines in DONATION_CHANNEL_ID, coalesced every few seconds.
  const thanks = createThanksJob({
    db: ctx.db,
    client: ctx.client,
    log: ctx.log,
    channelId: ctx.config.DONATION_CHANNEL_ID,
  });
  if (ctx.config.DONATION_CHANNEL_ID)
    scheduler.schedule("donation-thanks", "*/5 * * * * *", () => thanks(), { leaseMs: 60_000 });
}
