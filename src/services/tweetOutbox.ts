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

export type TweetRow = NonNullable<Awaited<ReturnType<typeof nextWaitingTweet>>>;

/** The next post waiting, due or not (for /campaign preview). */
export function nextWaitingTweet(db: DbOrTx) {
  return db.tweetOutbox.findFirst({ where: { status: { in: ["pending", "posting"] } }, orderBy: { id: "asc" } });
}

/**
 * An organizer queues a failed post again (/campaign retry): one conditional update, so two organizers pressing
 * at once queue it once. It keeps its first attempt (the caps counted it) and gets a fresh TWEET_RETRY_HOURS;
 * "posting", not "pending", because an earlier attempt may have landed: each network's check then settles it.
 * Its failed deliveries (src/x/deliveries.ts) go back to "posting" with the same new deadline, in the same
 * transaction; delivered ones stay delivered. The caller settles the row from its deliveries at once
 * (src/x/deliveries.ts requeueFailedPost): a row with nothing left to send is posted straight away.
 */
export async function requeueFailedTweet(
  db: Db,
  id: number,
  now: Date,
  retryHours: number,
  actor: Actor,
): Promise<TweetRow | null> {
  const giveUpAt = new Date(now.getTime() + retryHours * 3_600_000);
  const lastError = "queued again by an organizer";
  return db.$transaction(async (tx) => {
    const before = await tx.tweetOutbox.findUnique({ where: { id } });
    const done = await tx.tweetOutbox.updateMany({
      where: { id, status: "failed" },
      data: { status: "posting", notBefore: now, giveUpAt, lastError },
    });
    if (done.count !== 1) return null;
    await tx.tweetDelivery.updateMany({
      where: { outboxId: id, status: "failed" },
      data: { status: "posting", notBefore: now, giveUpAt, lastError },
    });
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
