// Posts the tweet outbox on a schedule, within limits and cost, exactly once.
//
// The sequence for one row: mark the attempt (a conditional update) -> render the card -> post -> record the
// id. A crash before the post leaves the row "posting": it is simply posted on the next run. A crash after X
// accepted it but before the id was recorded also leaves it "posting": the next attempt gets X's 403
// "duplicate content", which counts as posted. So a post is never lost and never shown twice.
//
// Limits: nothing while paused (by an organizer, or by X refusing the credentials), during quiet hours, or
// before a 429's reset; the daily and monthly caps count attempts (an attempt may have been paid for) and
// what waits is held, organizers told once. 5xx and time-outs retry with exponential backoff and jitter (at
// most an hour apart) until TWEET_RETRY_HOURS after the first attempt: X down for a day loses nothing. Then the
// post fails, the organizer is told, and /campaign retry can queue it again (exactly once still: X's duplicate
// answer settles an earlier attempt that landed).
import fs from "node:fs";
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { renderCard } from "../card/card.js";
import { getCampaign, pausePosting, type Campaign } from "../services/campaign.js";
import { queueDm } from "../services/directMessages.js";
import { classifyXError, describeXError } from "./client.js";
import type { Publisher } from "./publisher.js";
import { capWindows, inQuietHours } from "./schedule.js";
import {
  attemptsSince,
  HOLD_RECHECK_MS,
  markAttempt,
  markFailed,
  markPosted,
  milestoneShortfall,
  nextDueTweet,
  parseCard,
  retryTweetAt,
  type TweetRow,
} from "../services/tweetOutbox.js";
import { tweetProblem } from "../services/postText.js";

const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 60 * 60_000;

export interface AnnouncedPost {
  /** Unique per message: the same key twice shows one message (a Discord nonce). */
  key: string;
  text: string;
  png: Buffer;
  alt: string;
  headline?: string;
}

/** Shows posts in Discord's announce channel (src/x/discord.ts); kept as an interface so tests need no Discord. */
export interface Announcer {
  milestone(post: AnnouncedPost): Promise<void>;
  dryRun(post: AnnouncedPost): Promise<void>;
}

export type OutboxConfig = Pick<
  Config,
  | "CAMPAIGN_TIMEZONE"
  | "TWEET_QUIET_HOURS"
  | "TWEET_DAILY_CAP"
  | "TWEET_MONTHLY_CAP"
  | "TWEET_ALLOW_LINKS"
  | "DJ_REVIEW_CHANNEL_ID"
  | "TWEET_RETRY_HOURS"
>;

export interface OutboxDeps {
  db: Db;
  config: OutboxConfig;
  log: Logger;
  /** null without X credentials: every post is then a dry run. */
  publisher: Publisher | null;
  announcer: Announcer | null;
  /** Called after organizer notices were queued as DMs. */
  wakeDms?: () => void;
  /** For the backoff's jitter; Math.random by default. */
  random?: () => number;
  /** Posts per run at most: followers see a steady trickle, not a burst. */
  perTick?: number;
  /**
   * TEST HOOK (env KEEP_DANCING_CRASH_AT, honoured only when NODE_ENV=test: src/testHooks.ts): "before-post" or "after-post" kills the process
   * with SIGKILL at that point of a row's first attempt, so end-to-end tests prove exactly-once across crashes.
   */
  crashAt?: string;
}

export type HeldReason =
  "no_campaign" | "paused" | "auth" | "rate_limited" | "quiet_hours" | "daily_cap" | "monthly_cap";

export interface FlushResult {
  posted: number;
  dryRuns: number;
  retrying: number;
  failed: number;
  held?: HeldReason;
}

export async function flushTweets(deps: OutboxDeps, now: Date): Promise<FlushResult> {
  const result: FlushResult = { posted: 0, dryRuns: 0, retrying: 0, failed: 0 };
  const campaign = await getCampaign(deps.db);
  if (!campaign) return { ...result, held: "no_campaign" };
  if (campaign.pausedReason) return { ...result, held: campaign.pausedReason === "auth" ? "auth" : "paused" };
  if (campaign.xRetryAt && campaign.xRetryAt > now) return { ...result, held: "rate_limited" };
  if (inQuietHours(now, deps.config.TWEET_QUIET_HOURS, deps.config.CAMPAIGN_TIMEZONE))
    return { ...result, held: "quiet_hours" };

  for (let n = 0; n < (deps.perTick ?? 2); n++) {
    const row = await nextDueTweet(deps.db, now);
    if (!row) break;
    // A milestone whose metric fell back under waits until it is reached again. Only before the first
    // attempt: once an attempt started, X may have it, and the retry's duplicate check must settle that.
    if (row.attempts === 0) {
      const short = await milestoneShortfall(deps.db, row);
      if (short) {
        await retryTweetAt(
          deps.db,
          row.id,
          new Date(now.getTime() + HOLD_RECHECK_MS),
          `held: ${short.metric} is ${short.value}, back under ${short.threshold}; posted once it is reached again`,
          false,
        );
        deps.log.info({ tweet: row.id, ...short }, "milestone held: its metric fell back under the threshold");
        n--; // a held row is not a post: look at the next one
        continue;
      }
    }
    // A row already attempted was counted when it was first tried: retrying it spends nothing new on the cap.
    if (!row.firstAttemptAt) {
      const held = await capReached(deps, campaign, now);
      if (held) return { ...result, held };
    }
    if (!(await markAttempt(deps.db, row, now, deps.config.TWEET_RETRY_HOURS))) break; // another run took it
    crashHook(deps, row, "before-post");
    const outcome = await attempt(deps, campaign, row, now);
    if (outcome === "posted") result.posted++;
    else if (outcome === "dry-run") result.dryRuns++;
    else if (outcome === "failed") result.failed++;
    else {
      result.retrying += outcome === "retry" ? 1 : 0;
      // X is unwell, rate-limited or refusing us: stop this run.
      return outcome === "retry" ? result : { ...result, held: outcome };
    }
  }
  return result;
}

type Outcome = "posted" | "dry-run" | "failed" | "retry" | "rate_limited" | "auth";

async function attempt(deps: OutboxDeps, campaign: Campaign, row: TweetRow, now: Date): Promise<Outcome> {
  const { db, log } = deps;
  const problem = tweetProblem(row.text, deps.config.TWEET_ALLOW_LINKS);
  if (problem) return fail(deps, campaign, row, `cannot be posted: ${problem}`, now);
  const card = parseCard(row);
  const png = await renderCard(card);

  if (!deps.publisher) {
    try {
      await deps.announcer?.dryRun({
        key: `dry:${row.id}`,
        text: row.text,
        png,
        alt: row.altText,
        headline: card.headline,
      });
    } catch (err) {
      log.warn({ err, tweet: row.id }, "could not show a dry-run post in Discord; will retry");
      await retryTweetAt(
        db,
        row.id,
        backoff(deps, row.attempts + 1, now),
        "could not show the dry run in Discord",
        true,
      );
      return "retry";
    }
    await markPosted(db, row.id, now, { tweetId: null, dryRun: true, note: "dry run: no X credentials" });
    log.info({ tweet: row.id, kind: row.kind, text: row.text }, "dry run: would post to X");
    return "dry-run";
  }

  try {
    const { id } = await deps.publisher.post(row.text, { png, alt: row.altText });
    crashHook(deps, row, "after-post");
    await markPosted(db, row.id, now, { tweetId: id, dryRun: false });
    log.info({ tweet: row.id, tweetId: id, kind: row.kind }, "posted to X");
    return "posted";
  } catch (err) {
    const kind = classifyXError(err);
    const why = describeXError(err);
    switch (kind.kind) {
      case "duplicate":
        // X already has this exact text: an earlier attempt landed before we could record it.
        await markPosted(db, row.id, now, {
          tweetId: null,
          dryRun: false,
          note: "X already had this post (duplicate content): counted as posted",
        });
        log.info({ tweet: row.id }, "X says duplicate: counted as posted");
        return "posted";
      case "rate_limited":
        await db.campaign.update({ where: { id: campaign.id }, data: { xRetryAt: kind.resetAt } });
        await retryTweetAt(db, row.id, kind.resetAt, why, false);
        log.warn({ tweet: row.id, until: kind.resetAt }, "X rate limit: waiting until its reset");
        return "rate_limited";
      case "auth":
        await retryTweetAt(db, row.id, now, why, false);
        if (await pausePosting(db, "auth", now)) {
          await notify(
            deps,
            campaign,
            `auth:${now.toISOString()}`,
            `Posting to X is paused: X refused the bot's credentials (${why}). Check the four TWITTER_* settings, restart the bot, then run /campaign resume. Nothing is lost: posts wait in the queue.`,
            now,
          );
        }
        log.error({ tweet: row.id, why }, "X refused the credentials: posting paused");
        return "auth";
      case "transient": {
        // The deadline markAttempt set (TWEET_RETRY_HOURS after the first attempt, or after /campaign retry).
        const giveUpAt = row.giveUpAt ?? new Date(now.getTime() + deps.config.TWEET_RETRY_HOURS * 3_600_000);
        if (now >= giveUpAt)
          return fail(
            deps,
            campaign,
            row,
            `gave up after ${row.attempts + 1} attempts over ${deps.config.TWEET_RETRY_HOURS} h: ${why}`,
            now,
          );
        // Still "posting": a time-out may have landed, and the retry's duplicate answer would tell.
        await retryTweetAt(db, row.id, backoff(deps, row.attempts + 1, now), why, true);
        log.warn({ tweet: row.id, attempts: row.attempts + 1, why }, "X failed; will retry");
        return "retry";
      }
      case "rejected":
        return fail(deps, campaign, row, `X refused it: ${why}`, now);
    }
  }
}

async function fail(deps: OutboxDeps, campaign: Campaign, row: TweetRow, why: string, now: Date): Promise<"failed"> {
  await markFailed(deps.db, row.id, why);
  deps.log.error({ tweet: row.id, why }, "post failed");
  await notify(
    deps,
    campaign,
    `failed:${row.id}`,
    `A post to X failed and will not be retried (${why.slice(0, 300)}). Its text: "${row.text}". /campaign retry queues it again; /campaign history lists posts.`,
    now,
  );
  return "failed";
}

/** Exponential backoff with jitter (0.5x to 1.5x), so several bots never retry in step. */
export function backoff(deps: Pick<OutboxDeps, "random">, attempts: number, now: Date): Date {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  const jitter = 0.5 + (deps.random ?? Math.random)();
  return new Date(now.getTime() + Math.round(base * jitter));
}

async function capReached(deps: OutboxDeps, campaign: Campaign, now: Date): Promise<HeldReason | null> {
  const { config } = deps;
  const windows = capWindows(now, config.CAMPAIGN_TIMEZONE);
  const today = await attemptsSince(deps.db, windows.day);
  if (today >= config.TWEET_DAILY_CAP) {
    await notify(
      deps,
      campaign,
      `cap-day:${windows.dayKey}`,
      `Posting to X is held for today: the daily cap of ${config.TWEET_DAILY_CAP} posts (TWEET_DAILY_CAP) is reached. Waiting posts go out tomorrow; /campaign history lists them.`,
      now,
    );
    return "daily_cap";
  }
  const month = await attemptsSince(deps.db, windows.month);
  if (month >= config.TWEET_MONTHLY_CAP) {
    await notify(
      deps,
      campaign,
      `cap-month:${windows.monthKey}`,
      `Posting to X is held for this month: the monthly cap of ${config.TWEET_MONTHLY_CAP} posts (TWEET_MONTHLY_CAP) is reached. Waiting posts go out next month; /campaign history lists them.`,
      now,
    );
    return "monthly_cap";
  }
  return null;
}

/** Tells the organizer who set the campaign up, once per key (the DM outbox's dedupe key). */
async function notify(deps: OutboxDeps, campaign: Campaign, key: string, content: string, now: Date): Promise<void> {
  const queued = await queueDm(
    deps.db,
    {
      dedupeKey: `tweet-notice:${key}`,
      userId: campaign.createdBy,
      content,
      fallbackChannelId: deps.config.DJ_REVIEW_CHANNEL_ID ?? null,
    },
    now,
  );
  if (queued) {
    deps.log.warn({ notice: key }, content);
    deps.wakeDms?.();
  }
}

function crashHook(deps: OutboxDeps, row: TweetRow, point: "before-post" | "after-post"): void {
  if (deps.crashAt !== point || row.attempts !== 0) return;
  fs.writeSync(2, `KEEP_DANCING_CRASH_AT=${point}: killing the process (test hook)\n`);
  process.kill(process.pid, "SIGKILL");
}
