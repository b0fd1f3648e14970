// Posts the outbox on a schedule to every destination (X, Bluesky, Mastodon), within limits and cost, exactly
// once per network.
//
// Each outbox row gets one delivery per destination (src/x/deliveries.ts); each network works through its own
// deliveries, so X being rate-limited or down never holds Bluesky back. The sequence for one delivery: mark the
// attempt (a conditional update) -> render the card -> post -> record the id. A crash before the post leaves it
// "posting": it is simply posted on the next run. A crash after the network accepted it but before the id was
// recorded also leaves it "posting", and the next attempt finds out it landed, each network its own way: X
// answers "duplicate content"; Bluesky answers "Record already exists" for the record key chosen before the first
// attempt; Mastodon returns the same status for the same Idempotency-Key within the hour it keeps keys, and past
// that hour the publisher looks for the text among the account's latest statuses. So a post is never lost and
// never shown twice on any network.
//
// Limits: nothing while paused by an organizer or during quiet hours (all networks); a network's 429 holds that
// network until its reset, and refused credentials pause that network only (organizers told once, /campaign
// resume lifts it). The daily and monthly caps count X attempts only, where posts cost. 5xx and time-outs retry
// with exponential backoff and jitter (at most an hour apart) until TWEET_RETRY_HOURS after the delivery's first
// attempt: a network down for a day loses nothing. Then the delivery fails, the organizer is told, and /campaign
// retry can queue the post again (exactly once still: each network's check above settles an earlier attempt
// that landed).
import fs from "node:fs";
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { renderCard } from "../card/card.js";
import { getCampaign, type Campaign } from "../services/campaign.js";
import { queueDm } from "../services/directMessages.js";
import { capWindows, inQuietHours } from "./schedule.js";
import {
  fanOut,
  holdNetworkUntil,
  markDeliveryAttempt,
  markDeliveryFailed,
  markDeliveryPosted,
  networkHold,
  nextDueDelivery,
  pauseNetworkForAuth,
  retryDeliveryAt,
  settleOutboxRow,
  settleStaleRows,
  xAttemptsSince,
  type DeliveryRow,
} from "./deliveries.js";
import { lengthOn } from "../services/networkText.js";
import { BLUESKY_MAX_GRAPHEMES } from "../services/networkText.js";
import { NETWORK_NAMES, type Network, type NetworkPublisher } from "./networks.js";
import { HOLD_RECHECK_MS, milestoneShortfall, parseCard } from "../services/tweetOutbox.js";
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
  /** The configured destinations' publishers. Without X's, posts to X are dry runs (shown in Discord). */
  publishers: Partial<Record<Network, NetworkPublisher>>;
  announcer: Announcer | null;
  /** Called after organizer notices were queued as DMs. */
  wakeDms?: () => void;
  /** For the backoff's jitter and record keys; Math.random by default. */
  random?: () => number;
  /** Posts per network per run at most: followers see a steady trickle, not a burst. */
  perTick?: number;
  /**
   * TEST HOOK, read only here (env KEEP_DANCING_CRASH_AT): "before-post" or "after-post" kills the process with
   * SIGKILL at that point of a delivery's first attempt, on any network; "after-post:bluesky" (or x, mastodon)
   * only on that network. End-to-end tests prove exactly-once across crashes with it.
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
  /** The first destination's hold (X's when X is one): what /campaign preview and the X-only tests read. */
  held?: HeldReason;
  /** Each held destination and why. */
  heldBy?: Partial<Record<Network, HeldReason>>;
}

/** Where posts go: X always (a dry run, shown in Discord, without its credentials), Bluesky and Mastodon when configured. */
export function destinationsOf(publishers: OutboxDeps["publishers"]): Network[] {
  return (["x", "bluesky", "mastodon"] as const).filter((n) => n === "x" || publishers[n]);
}

export async function flushTweets(deps: OutboxDeps, now: Date): Promise<FlushResult> {
  const result: FlushResult = { posted: 0, dryRuns: 0, retrying: 0, failed: 0 };
  const campaign = await getCampaign(deps.db);
  if (!campaign) return { ...result, held: "no_campaign" };
  if (campaign.pausedReason) return { ...result, held: "paused" };
  if (inQuietHours(now, deps.config.TWEET_QUIET_HOURS, deps.config.CAMPAIGN_TIMEZONE))
    return { ...result, held: "quiet_hours" };

  const destinations = destinationsOf(deps.publishers);
  await fanOut(deps.db, destinations, now, deps.random);
  await settleStaleRows(deps.db, now);
  for (const network of destinations) {
    const held = await flushNetwork(deps, campaign, network, now, result);
    if (held) {
      result.heldBy = { ...result.heldBy, [network]: held };
      result.held ??= held;
    }
  }
  return result;
}

/** One network's due deliveries, oldest first; returns why the network is held, if it is. */
async function flushNetwork(
  deps: OutboxDeps,
  campaign: Campaign,
  network: Network,
  now: Date,
  result: FlushResult,
): Promise<HeldReason | null> {
  const hold = await networkHold(deps.db, network, now);
  if (hold) return hold.reason;
  const publisher = deps.publishers[network] ?? null;
  for (let n = 0; n < (deps.perTick ?? 2); n++) {
    const delivery = await nextDueDelivery(deps.db, network, now);
    if (!delivery) break;
    // A milestone whose metric fell back under waits, on every network, until it is reached again. Only before
    // this delivery's first attempt: once one started, the network may have it, and the retry settles that.
    if (delivery.attempts === 0) {
      const short = await milestoneShortfall(deps.db, delivery.outbox);
      if (short) {
        const why = `held: ${short.metric} is ${short.value}, back under ${short.threshold}; posted once it is reached again`;
        await retryDeliveryAt(deps.db, delivery.id, new Date(now.getTime() + HOLD_RECHECK_MS), why, false);
        deps.log.info(
          { tweet: delivery.outboxId, network, ...short },
          "milestone held: its metric fell back under the threshold",
        );
        n--; // a held delivery is not a post: look at the next one
        continue;
      }
    }
    // X posts cost: its caps count first attempts (a retry spends nothing new on the cap).
    if (network === "x" && !delivery.firstAttemptAt) {
      const held = await capReached(deps, campaign, now);
      if (held) return held;
    }
    if (
      !(await markDeliveryAttempt(
        deps.db,
        delivery,
        now,
        new Date(now.getTime() + deps.config.TWEET_RETRY_HOURS * 3_600_000),
      ))
    )
      break; // another run took it
    await settleOutboxRow(deps.db, delivery.outboxId, now); // the row shows the attempt before the call
    crashHook(deps, delivery, "before-post");
    const outcome = await attempt(deps, campaign, delivery, publisher, now);
    await settleOutboxRow(deps.db, delivery.outboxId, now);
    if (outcome === "posted") result.posted++;
    else if (outcome === "dry-run") result.dryRuns++;
    else if (outcome === "failed") result.failed++;
    else if (outcome === "retry") {
      result.retrying++;
      return null; // the network is unwell: its next delivery waits for the next run
    } else return outcome;
  }
  return null;
}

type Outcome = "posted" | "dry-run" | "failed" | "retry" | "rate_limited" | "auth";

/** Why a text cannot go to a network, checked before spending a call. */
function textProblem(network: Network, text: string, allowLinks: boolean): string | null {
  if (network === "x") return tweetProblem(text, allowLinks);
  if (network === "bluesky" && lengthOn("bluesky", text) > BLUESKY_MAX_GRAPHEMES)
    return `the post is ${lengthOn("bluesky", text)} graphemes; Bluesky allows ${BLUESKY_MAX_GRAPHEMES}`;
  return null; // Mastodon's limit is the instance's: it answers 422 when over it
}

async function attempt(
  deps: OutboxDeps,
  campaign: Campaign,
  d: DeliveryRow,
  publisher: NetworkPublisher | null,
  now: Date,
): Promise<Outcome> {
  const { db, log } = deps;
  const row = d.outbox;
  const name = NETWORK_NAMES[d.network as Network];
  const problem = textProblem(d.network as Network, row.text, deps.config.TWEET_ALLOW_LINKS);
  if (problem) return fail(deps, campaign, d, `cannot be posted: ${problem}`, now);
  const card = parseCard(row);
  const png = await renderCard(card);

  if (!publisher) {
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
      await retryDeliveryAt(
        db,
        d.id,
        backoff(deps, d.attempts + 1, now),
        "could not show the dry run in Discord",
        true,
      );
      return "retry";
    }
    await markDeliveryPosted(db, d.id, now, {
      postId: null,
      postUrl: null,
      dryRun: true,
      note: "dry run: no X credentials",
    });
    log.info({ tweet: row.id, kind: row.kind, text: row.text }, "dry run: would post");
    return "dry-run";
  }

  try {
    const posted = await publisher.post(
      row.text,
      { png, alt: row.altText },
      { id: d.id, dedupeKey: row.dedupeKey, recordKey: d.recordKey, firstAttemptAt: d.firstAttemptAt },
      now,
    );
    crashHook(deps, d, "after-post");
    await markDeliveryPosted(db, d.id, now, {
      postId: posted.id,
      postUrl: posted.url,
      dryRun: false,
      note: posted.note,
    });
    log.info(
      { tweet: row.id, network: d.network, postId: posted.id, kind: row.kind, note: posted.note },
      `posted to ${name}`,
    );
    return "posted";
  } catch (err) {
    const kind = publisher.classify(err, now);
    const why = publisher.describe(err);
    switch (kind.kind) {
      case "duplicate":
        // X already has this exact text: an earlier attempt landed before we could record it.
        await markDeliveryPosted(db, d.id, now, {
          postId: null,
          postUrl: null,
          dryRun: false,
          note: `${name} already had this post (duplicate content): counted as posted`,
        });
        log.info({ tweet: row.id, network: d.network }, "duplicate: counted as posted");
        return "posted";
      case "rate_limited":
        await holdNetworkUntil(db, d.network as Network, kind.resetAt);
        await retryDeliveryAt(db, d.id, kind.resetAt, why, false);
        log.warn(
          { tweet: row.id, network: d.network, until: kind.resetAt },
          `${name} rate limit: waiting until its reset`,
        );
        return "rate_limited";
      case "auth":
        await retryDeliveryAt(db, d.id, now, why, false);
        if (await pauseNetworkForAuth(db, d.network as Network, why, now)) {
          await notify(
            deps,
            campaign,
            `auth:${d.network}:${now.toISOString()}`,
            `Posting to ${name} is paused: ${name} refused the bot's credentials (${why}). ${credentialHint(d.network as Network)}, restart the bot, then run /campaign resume. Nothing is lost: posts wait in the queue, and the other networks keep posting.`,
            now,
          );
        }
        log.error({ tweet: row.id, network: d.network, why }, `${name} refused the credentials: posting there paused`);
        return "auth";
      case "transient": {
        // The deadline markDeliveryAttempt set (TWEET_RETRY_HOURS after the first attempt, or after /campaign retry).
        const giveUpAt = d.giveUpAt ?? new Date(now.getTime() + deps.config.TWEET_RETRY_HOURS * 3_600_000);
        if (now >= giveUpAt)
          return fail(
            deps,
            campaign,
            d,
            `gave up after ${d.attempts + 1} attempts over ${deps.config.TWEET_RETRY_HOURS} h: ${why}`,
            now,
          );
        // Still "posting": a time-out may have landed, and the retry settles it (see the top of this file).
        await retryDeliveryAt(db, d.id, backoff(deps, d.attempts + 1, now), why, true);
        log.warn({ tweet: row.id, network: d.network, attempts: d.attempts + 1, why }, `${name} failed; will retry`);
        return "retry";
      }
      case "rejected":
        return fail(deps, campaign, d, `${name} refused it: ${why}`, now);
    }
  }
}

function credentialHint(network: Network): string {
  if (network === "x") return "Check the four TWITTER_* settings";
  if (network === "bluesky")
    return "Check BLUESKY_IDENTIFIER and BLUESKY_APP_PASSWORD (an app password may have been revoked)";
  return "Check MASTODON_URL and MASTODON_ACCESS_TOKEN (the application may have been removed)";
}

async function fail(deps: OutboxDeps, campaign: Campaign, d: DeliveryRow, why: string, now: Date): Promise<"failed"> {
  await markDeliveryFailed(deps.db, d.id, why);
  deps.log.error({ tweet: d.outboxId, network: d.network, why }, "post failed");
  const key = d.network === "x" ? `failed:${d.outboxId}` : `failed:${d.network}:${d.outboxId}`;
  await notify(
    deps,
    campaign,
    key,
    `A post to ${NETWORK_NAMES[d.network as Network]} failed and will not be retried (${why.slice(0, 300)}). Its text: "${d.outbox.text}". /campaign retry queues it again; /campaign history lists posts.`,
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
  const today = await xAttemptsSince(deps.db, windows.day);
  if (today >= config.TWEET_DAILY_CAP) {
    await notify(
      deps,
      campaign,
      `cap-day:${windows.dayKey}`,
      `Posting to X is held for today: the daily cap of ${config.TWEET_DAILY_CAP} posts (TWEET_DAILY_CAP) is reached. Waiting posts go out tomorrow; /campaign history lists them. Bluesky and Mastodon, which cost nothing per post, keep posting.`,
      now,
    );
    return "daily_cap";
  }
  const month = await xAttemptsSince(deps.db, windows.month);
  if (month >= config.TWEET_MONTHLY_CAP) {
    await notify(
      deps,
      campaign,
      `cap-month:${windows.monthKey}`,
      `Posting to X is held for this month: the monthly cap of ${config.TWEET_MONTHLY_CAP} posts (TWEET_MONTHLY_CAP) is reached. Waiting posts go out next month; /campaign history lists them. Bluesky and Mastodon keep posting.`,
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

function crashHook(deps: OutboxDeps, d: DeliveryRow, point: "before-post" | "after-post"): void {
  if ((deps.crashAt !== point && deps.crashAt !== `${point}:${d.network}`) || d.attempts !== 0) return;
  fs.writeSync(2, `KEEP_DANCING_CRASH_AT=${deps.crashAt}: killing the process (test hook)\n`);
  process.kill(process.pid, "SIGKILL");
}
