// Deliveries: one row per destination of each outbox row (TweetDelivery), and each destination's own hold
// (PostingNetwork). The outbox row stays one per milestone or digest; its status sums up its deliveries.
import type { Db, DbOrTx } from "../db/client.js";
import type { Network } from "./networks.js";
import { tidFor } from "./tid.js";
import type { Actor } from "../services/audit.js";
import { requeueFailedTweet, type TweetRow } from "../services/tweetOutbox.js";

const FAN_OUT_BATCH = 50;

/**
 * Gives each waiting outbox row without deliveries one per destination, Bluesky's record key chosen here, before
 * any attempt. A row's destinations are fixed at that moment; ON CONFLICT makes two processes doing it at once
 * harmless. A row attempted before deliveries existed (an upgrade mid-post, or a failed one queued again by
 * /campaign retry) hands its X attempt and its TWEET_RETRY_HOURS deadline to its X delivery.
 */
export async function fanOut(db: DbOrTx, destinations: Network[], now: Date, random?: () => number): Promise<number> {
  const rows = await db.tweetOutbox.findMany({
    where: { status: { in: ["pending", "posting"] }, deliveries: { none: {} } },
    orderBy: { id: "asc" },
    take: FAN_OUT_BATCH,
  });
  for (const row of rows) {
    for (const network of destinations) {
      const inherited = network === "x" && row.attempts > 0;
      const recordKey = network === "bluesky" ? tidFor(now, random) : null;
      await db.$executeRaw`
        INSERT INTO "TweetDelivery" ("outboxId", "network", "status", "attempts", "notBefore", "firstAttemptAt", "lastAttemptAt", "giveUpAt", "recordKey", "dryRun", "createdAt")
        VALUES (${row.id}, ${network}, ${inherited ? row.status : "pending"}, ${inherited ? row.attempts : 0}, ${row.notBefore},
                ${inherited ? row.firstAttemptAt : null}, ${inherited ? row.lastAttemptAt : null}, ${inherited ? row.giveUpAt : null}, ${recordKey}, false, ${now})
        ON CONFLICT ("outboxId", "network") DO NOTHING`;
    }
  }
  return rows.length;
}

export type DeliveryRow = NonNullable<Awaited<ReturnType<typeof nextDueDelivery>>>;

/** The next delivery due on a network. "posting" ones are due again: their attempt was cut off (a crash). */
export function nextDueDelivery(db: DbOrTx, network: Network, now: Date) {
  return db.tweetDelivery.findFirst({
    where: { network, status: { in: ["pending", "posting"] }, notBefore: { lte: now } },
    orderBy: { id: "asc" },
    include: { outbox: true },
  });
}

/** Marks an attempt before calling the network, in one conditional statement (the row must still be as read). */
export async function markDeliveryAttempt(db: DbOrTx, d: DeliveryRow, now: Date, giveUpAt: Date): Promise<boolean> {
  const claimed = await db.tweetDelivery.updateMany({
    where: { id: d.id, attempts: d.attempts, status: { in: ["pending", "posting"] } },
    data: {
      status: "posting",
      attempts: d.attempts + 1,
      firstAttemptAt: d.firstAttemptAt ?? now,
      lastAttemptAt: now,
      giveUpAt: d.giveUpAt ?? giveUpAt,
    },
  });
  return claimed.count === 1;
}

export async function markDeliveryPosted(
  db: DbOrTx,
  id: number,
  now: Date,
  outcome: { postId: string | null; postUrl: string | null; dryRun: boolean; note?: string },
): Promise<void> {
  await db.tweetDelivery.update({
    where: { id },
    data: {
      status: "posted",
      postedAt: now,
      postId: outcome.postId,
      postUrl: outcome.postUrl,
      dryRun: outcome.dryRun,
      lastError: outcome.note ?? null,
    },
  });
}

/** Back in the queue until `notBefore`; `uncertain` keeps it "posting" (the request may have reached the network). */
export async function retryDeliveryAt(
  db: DbOrTx,
  id: number,
  notBefore: Date,
  error: string,
  uncertain: boolean,
): Promise<void> {
  await db.tweetDelivery.update({
    where: { id },
    data: { status: uncertain ? "posting" : "pending", notBefore, lastError: error },
  });
}

export async function markDeliveryFailed(db: DbOrTx, id: number, error: string): Promise<void> {
  await db.tweetDelivery.update({ where: { id }, data: { status: "failed", lastError: error } });
}

/**
 * The outbox row sums up its deliveries: posted when all are, failed when none waits and one failed, posting while
 * one may have reached its network. tweetId and dryRun are X's (as before deliveries), attempts the most of any.
 */
export async function settleOutboxRow(db: DbOrTx, outboxId: number, now: Date): Promise<void> {
  const all = await db.tweetDelivery.findMany({ where: { outboxId }, orderBy: { id: "asc" } });
  if (!all.length) return;
  const waiting = all.some((d) => d.status === "pending" || d.status === "posting");
  const failed = all.filter((d) => d.status === "failed");
  const status = waiting
    ? all.some((d) => d.status === "posting")
      ? "posting"
      : "pending"
    : failed.length
      ? "failed"
      : "posted";
  const x = all.find((d) => d.network === "x");
  const firsts = all.map((d) => d.firstAttemptAt?.getTime()).filter((t): t is number => t !== undefined);
  const lasts = all.map((d) => d.lastAttemptAt?.getTime()).filter((t): t is number => t !== undefined);
  const errors = all
    .filter((d) => d.lastError)
    .map((d) => (all.length > 1 ? `${d.network}: ${d.lastError}` : d.lastError!));
  await db.tweetOutbox.update({
    where: { id: outboxId },
    data: {
      status,
      attempts: Math.max(...all.map((d) => d.attempts)),
      firstAttemptAt: firsts.length ? new Date(Math.min(...firsts)) : null,
      lastAttemptAt: lasts.length ? new Date(Math.max(...lasts)) : null,
      postedAt: status === "posted" ? now : null,
      tweetId: x?.postId ?? null,
      dryRun: x?.dryRun ?? false,
      lastError: errors.length ? errors.join("; ").slice(0, 2000) : null,
      notBefore: new Date(Math.min(...all.map((d) => d.notBefore.getTime()))),
    },
  });
}

/**
 * Rows whose deliveries are all settled but which still read as waiting: two processes settling one row at once
 * (X's delivery here, Bluesky's there) can leave the earlier picture; the next run puts it right.
 */
export async function settleStaleRows(db: DbOrTx, now: Date): Promise<void> {
  const stale = await db.tweetOutbox.findMany({
    where: {
      status: { in: ["pending", "posting"] },
      deliveries: { some: {}, none: { status: { in: ["pending", "posting"] } } },
    },
    select: { id: true },
    take: FAN_OUT_BATCH,
  });
  for (const row of stale) await settleOutboxRow(db, row.id, now);
}

/**
 * /campaign retry: the failed post and its failed deliveries queued again (services/tweetOutbox.ts
 * requeueFailedTweet: once, even when two organizers press at once), then the row settled from its deliveries at
 * once, so a row whose deliveries had all landed (only the row was marked failed) is posted without a new attempt.
 */
export async function requeueFailedPost(
  db: Db,
  id: number,
  now: Date,
  retryHours: number,
  actor: Actor,
): Promise<TweetRow | null> {
  const row = await requeueFailedTweet(db, id, now, retryHours, actor);
  if (!row) return null;
  await settleOutboxRow(db, id, now);
  return row;
}

/** X attempts started in [from, now]: what the daily and monthly caps count (posts cost on X only). */
export function xAttemptsSince(db: DbOrTx, from: Date): Promise<number> {
  return db.tweetDelivery.count({ where: { network: "x", firstAttemptAt: { gte: from } } });
}

export type NetworkHold = { reason: "rate_limited"; until: Date } | { reason: "auth"; why: string | null } | null;

export async function networkHold(db: DbOrTx, network: Network, now: Date): Promise<NetworkHold> {
  const state = await db.postingNetwork.findUnique({ where: { network } });
  if (state?.authFailedAt) return { reason: "auth", why: state.authError };
  if (state?.retryAt && state.retryAt > now) return { reason: "rate_limited", until: state.retryAt };
  return null;
}

export async function holdNetworkUntil(db: DbOrTx, network: Network, retryAt: Date): Promise<void> {
  await db.postingNetwork.upsert({ where: { network }, create: { network, retryAt }, update: { retryAt } });
}

/** Pauses one destination for refused credentials; true when it was not paused already (tell the organizer once). */
export async function pauseNetworkForAuth(db: DbOrTx, network: Network, why: string, now: Date): Promise<boolean> {
  await db.postingNetwork.upsert({ where: { network }, create: { network }, update: {} });
  const paused = await db.postingNetwork.updateMany({
    where: { network, authFailedAt: null },
    data: { authFailedAt: now, authError: why.slice(0, 500) },
  });
  return paused.count === 1;
}

/** /campaign resume: every destination's hold lifted. */
export async function clearNetworkHolds(db: DbOrTx): Promise<void> {
  await db.postingNetwork.deleteMany();
}

export function deliveriesOf(db: DbOrTx, outboxIds: number[]) {
  return db.tweetDelivery.findMany({ where: { outboxId: { in: outboxIds } }, orderBy: { id: "asc" } });
}

export function networkStates(db: DbOrTx) {
  return db.postingNetwork.findMany();
}
