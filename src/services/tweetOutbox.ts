// The tweet outbox table: rows written in the same transaction as the change that causes them (a milestone
// crossed, a digest due), then posted by one scheduled job. See outbox.ts for the posting rules.
import type { Db, DbOrTx } from "../db/client.js";
import { recordAudit, type Actor } from "./audit.js";
import type { CardData } from "./cardData.js";

export interface QueuedTweet {
  /** What makes the post unique: `milestone:<id>` or `digest:<local date and time>`. */
  dedupeKey: string;
  kind: "milestone" | "digest";
  milestoneId?: number | null;
  text: string;
  altText: string;
  card: CardData;
  /** Also shown in the announce channel as soon as possible (milestones). */
  announce: boolean;
  notBefore?: Date;
}

/** Queues a post unless one with the same key exists; returns whether it was new. */
export async function queueTweet(db: DbOrTx, tweet: QueuedTweet, now: Date): Promise<boolean> {
  // ON CONFLICT DO NOTHING, not a caught unique violation: on PostgreSQL that would abort the caller's transaction.
  const inserted = await db.$executeRaw`
    INSERT INTO "TweetOutbox" ("dedupeKey", "kind", "milestoneId", "text", "altText", "card", "status", "attempts", "notBefore", "dryRun", "announce", "createdAt")
    VALUES (${tweet.dedupeKey}, ${tweet.kind}, ${tweet.milestoneId ?? null}, ${tweet.text}, ${tweet.altText}, ${JSON.stringify(tweet.card)},
            'pending', 0, ${tweet.notBefore ?? now}, false, ${tweet.announce ? "pending" : "none"}, ${now})
    ON CONFLICT ("dedupeKey") DO NOTHING`;
  return inserted === 1;
}

export type TweetRow = NonNullable<Awaited<ReturnType<typeof nextDueTweet>>>;

/** The next post due. "posting" rows are due again: their attempt was cut off (a crash), and X's duplicate check settles whether it landed. */
export function nextDueTweet(db: DbOrTx, now: Date) {
  return db.tweetOutbox.findFirst({
    where: { status: { in: ["pending", "posting"] }, notBefore: { lte: now } },
    orderBy: { id: "asc" },
  });
}

/** The next post waiting, due or not (for /campaign preview). */
export function nextWaitingTweet(db: DbOrTx) {
  return db.tweetOutbox.findFirst({ where: { status: { in: ["pending", "posting"] } }, orderBy: { id: "asc" } });
}

/**
 * Marks an attempt before calling X, in one conditional statement (the row must still be as we read it).
 * The attempt counts against the caps from then on: once X has the request, it may have been paid for.
 */
export async function markAttempt(db: DbOrTx, row: TweetRow, now: Date, retryHours: number): Promise<boolean> {
  const claimed = await db.tweetOutbox.updateMany({
    where: { id: row.id, attempts: row.attempts, status: { in: ["pending", "posting"] } },
    data: {
      status: "posting",
      attempts: row.attempts + 1,
      firstAttemptAt: row.firstAttemptAt ?? now,
      lastAttemptAt: now,
      // Transient failures are retried until then (the first attempt sets it; /campaign retry sets it anew).
      giveUpAt: row.giveUpAt ?? new Date(now.getTime() + retryHours * 3_600_000),
    },
  });
  if (claimed.count === 1) row.giveUpAt ??= new Date(now.getTime() + retryHours * 3_600_000);
  return claimed.count === 1;
}

/**
 * An organizer queues a failed post again (/campaign retry): one conditional update, so two organizers pressing
 * at once queue it once. It keeps its first attempt (the caps counted it) and gets a fresh TWEET_RETRY_HOURS;
 * "posting", not "pending", because an earlier attempt may have landed: X's duplicate answer then settles it.
 */
export async function requeueFailedTweet(
  db: Db,
  id: number,
  now: Date,
  retryHours: number,
  actor: Actor,
): Promise<TweetRow | null> {
  return db.$transaction(async (tx) => {
    const before = await tx.tweetOutbox.findUnique({ where: { id } });
    const done = await tx.tweetOutbox.updateMany({
      where: { id, status: "failed" },
      data: {
        status: "posting",
        notBefore: now,
        giveUpAt: new Date(now.getTime() + retryHours * 3_600_000),
        lastError: "queued again by an organizer",
      },
    });
    if (done.count !== 1) return null;
    const row = await tx.tweetOutbox.findUniqueOrThrow({ where: { id } });
    await recordAudit(tx, actor, now, {
      kind: "post.retry",
      subject: { type: "post", id: row.id, label: `${row.kind} post #${row.id}` },
      before: { status: "failed", lastError: before?.lastError ?? null },
      after: { status: "posting" },
    });
    return row;
  });
}

/** Failed posts, newest first (the choices of /campaign retry). */
export function failedTweets(db: DbOrTx, take = 25) {
  return db.tweetOutbox.findMany({ where: { status: "failed" }, orderBy: { id: "desc" }, take });
}

export async function markPosted(
  db: DbOrTx,
  id: number,
  now: Date,
  outcome: { tweetId: string | null; dryRun: boolean; note?: string },
): Promise<void> {
  await db.tweetOutbox.update({
    where: { id },
    data: {
      status: "posted",
      postedAt: now,
      tweetId: outcome.tweetId,
      dryRun: outcome.dryRun,
      lastError: outcome.note ?? null,
    },
  });
}

/** Back in the queue until `notBefore`; `uncertain` keeps it "posting" (the request may have reached X). */
export async function retryTweetAt(
  db: DbOrTx,
  id: number,
  notBefore: Date,
  error: string,
  uncertain: boolean,
): Promise<void> {
  await db.tweetOutbox.update({
    where: { id },
    data: { status: uncertain ? "posting" : "pending", notBefore, lastError: error },
  });
}

export async function markFailed(db: DbOrTx, id: number, error: string): Promise<void> {
  await db.tweetOutbox.update({ where: { id }, data: { status: "failed", lastError: error } });
}

/** Attempts started in [from, now]: what the daily and monthly caps count (an indexed count of a small table). */
export function attemptsSince(db: DbOrTx, from: Date): Promise<number> {
  return db.tweetOutbox.count({ where: { firstAttemptAt: { gte: from } } });
}

/**
 * Whether the milestone a row announces is still met by its metric right now. Counters go down as well as
 * up (a member going with guests declines, a refund lowers the total), and a crowd can push one over a
 * threshold and back on purpose; so "100 people are going" goes out only while at least 100 are. Returns
 * null when the row is not a milestone's (or it was removed): nothing to check.
 */
export async function milestoneShortfall(
  db: DbOrTx,
  row: { milestoneId: number | null },
): Promise<{ metric: string; threshold: number; value: number } | null> {
  if (row.milestoneId === null) return null;
  const milestone = await db.milestone.findUnique({
    where: { id: row.milestoneId },
    select: { metric: true, threshold: true },
  });
  if (!milestone) return null;
  const metric = await db.metric.findUnique({ where: { name: milestone.metric }, select: { value: true } });
  const value = metric?.value ?? 0;
  return value >= milestone.threshold ? null : { ...milestone, value };
}

/** How long a post whose milestone fell back under waits before it is looked at again. */
export const HOLD_RECHECK_MS = 60_000;

export function parseCard(row: { card: string }): CardData {
  return JSON.parse(row.card) as CardData;
}

/** The latest posts, newest first, for /campaign history. */
export function recentTweets(db: DbOrTx, take: number) {
  return db.tweetOutbox.findMany({ orderBy: { id: "desc" }, take });
}
