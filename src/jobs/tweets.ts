// The scheduled jobs of posting to X, wired from the bot's context: src/jobs/index.ts registers them.
import type { BotContext } from "../discord/types.js";
import { createDiscordAnnouncer } from "../discord/notices.js";
import { announceMilestones } from "../x/announce.js";
import { queueDigest } from "../x/digest.js";
import { flushTweets, type OutboxDeps } from "../x/outbox.js";
import { testHook } from "../testHooks.js";

export function createTweetJobs(ctx: BotContext) {
  const announcer = createDiscordAnnouncer(ctx.client, ctx.config.ANNOUNCE_CHANNEL_ID, ctx.log);
  const deps: OutboxDeps = {
    db: ctx.db,
    config: ctx.config,
    log: ctx.log,
    publishers: ctx.publishers.byNetwork,
    announcer,
    wakeDms: () => ctx.wakeDmQueue(),
    crashAt: testHook("KEEP_DANCING_CRASH_AT"), // test hook (tests only: src/testHooks.ts); see OutboxDeps.crashAt
  };
  if (!deps.publishers.x) ctx.log.info("no X credentials: posts to X are dry runs, shown in the announce channel");
  ctx.log.info({ destinations: ctx.publishers.destinations }, "posting to");
  return {
    /** TWEET_CRON: what is pending, within quiet hours, caps and backoff. */
    flush: (now: Date) => flushTweets(deps, now),
    /** DIGEST_CRON: a status post when the numbers moved. */
    digest: (now: Date) => queueDigest(ctx.db, ctx.config.CAMPAIGN_TIMEZONE, now),
    /** Every few seconds: milestones to the announce channel, independent of the X schedule. */
    announce: () => announceMilestones({ db: ctx.db, log: ctx.log, announcer }),
  };
}
