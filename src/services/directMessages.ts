// Direct messages are written to an outbox row in the same transaction as the change that causes them
// (a promotion, a cancellation, a reminder), then sent by one throttled job. The dedupe key makes each
// message exactly once: writing it again, from a retry or a second process, changes nothing.
//
// A row's life: pending -> sending (claimed before anything reaches Discord) -> sent | fallback | failed |
// dropped. Transient failures go back to pending with backoff until DM_RETRY_HOURS after the first attempt;
// a "sending" row whose outcome was never recorded (a crash, a database that refused the write) is due again
// after SENDING_TIMEOUT_MS, and the sender checks Discord before sending it a second time.
import type { DbOrTx } from "../db/client.js";

/** Sending order: what a member is waiting for first, reminders last (a burst of 2,000 never delays a promotion). */
export const DM_PRIORITY = { first: 0, normal: 1, last: 2 } as const;
export type DmPriority = keyof typeof DM_PRIORITY;

export interface QueuedDm {
  /** What makes this message unique, such as `rsvp-reminder:<eventId>:<userId>:24`. */
  dedupeKey: string;
  userId: string;
  content: string;
  /** A channel to post in instead when the member does not accept DMs; null to give up quietly. */
  fallbackChannelId?: string | null;
  notBefore?: Date;
  /** Default "normal". */
  priority?: DmPriority;
  /** Past this instant the message is dropped, not sent late (a reminder once the event started). */
  expiresAt?: Date | null;
}

/** Queues a DM unless one with the same key exists; returns whether it was new. */
export async function queueDm(db: DbOrTx, dm: QueuedDm, now: Date): Promise<boolean> {
  // ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed statement
  // would abort the caller's whole transaction.
  const inserted = await db.$executeRaw`
    INSERT INTO "DirectMessage" ("dedupeKey", "userId", "content", "fallbackChannelId", "notBefore", "status", "attempts", "createdAt", "priority", "expiresAt")
    VALUES (${dm.dedupeKey}, ${dm.userId}, ${dm.content}, ${dm.fallbackChannelId ?? null}, ${dm.notBefore ?? now}, 'pending', 0, ${now},
            ${DM_PRIORITY[dm.priority ?? "normal"]}, ${dm.expiresAt ?? null})
    ON CONFLICT ("dedupeKey") DO NOTHING`;
  return inserted === 1;
}

/** How long an attempt may stay "sending" before the row is due again. */
export const SENDING_TIMEOUT_MS = 60_000;
/** Longest wait between two attempts during an outage: Discord back after an hour means DMs within minutes. */
export const DM_BACKOFF_MAX_MS = 10 * 60_000;

/** The next messages due, most urgent first, then oldest. */
export function dueDms(db: DbOrTx, now: Date, limit: number) {
  return db.directMessage.findMany({
    where: { status: { in: ["pending", "sending"] }, notBefore: { lte: now } },
    orderBy: [{ priority: "asc" }, { id: "asc" }],
    take: limit,
  });
}

export type DmRow = Awaited<ReturnType<typeof dueDms>>[number];

/**
 * Claims a row for one attempt before anything reaches Discord: one conditional update (the row must be as
 * it was read), so two runs never send it at once, and a database that refuses writes makes the sender stop
 * before sending rather than after. The row is due again after SENDING_TIMEOUT_MS unless its outcome is recorded.
 */
export async function claimDm(db: DbOrTx, row: DmRow, now: Date): Promise<boolean> {
  const claimed = await db.directMessage.updateMany({
    where: { id: row.id, attempts: row.attempts, status: { in: ["pending", "sending"] } },
    data: {
      status: "sending",
      attempts: row.attempts + 1,
      firstAttemptAt: row.firstAttemptAt ?? now,
      lastAttemptAt: now,
      notBefore: new Date(now.getTime() + SENDING_TIMEOUT_MS),
    },
  });
  return claimed.count === 1;
}

export async function markDm(
  db: DbOrTx,
  id: number,
  outcome: "sent" | "fallback" | "failed" | "dropped",
  now: Date,
  detail: { error?: string; messageId?: string } = {},
): Promise<void> {
  // updateMany: the row may be gone meanwhile (its member asked to be forgotten, /privacy forget); nothing to record then.
  await db.directMessage.updateMany({
    where: { id },
    data: {
      status: outcome,
      sentAt: outcome === "sent" || outcome === "fallback" ? now : null,
      lastError: detail.error ?? null,
      messageId: detail.messageId ?? null,
    },
  });
}

/**
 * After a transient failure (Discord down, a time-out, a rate limit): pending again, with exponential backoff
 * (5 s, 10 s, ... at most 10 min) or at `retryAt` when Discord said when; failed once `retryHours` have passed
 * since the first attempt. Returns whether it will be retried.
 */
export async function retryDmLater(
  db: DbOrTx,
  row: Pick<DmRow, "id" | "attempts" | "firstAttemptAt">,
  now: Date,
  error: string,
  retryHours: number,
  retryAt?: Date,
): Promise<boolean> {
  const first = row.firstAttemptAt ?? now;
  const giveUpAt = first.getTime() + retryHours * 3_600_000;
  if (now.getTime() >= giveUpAt) {
    await markDm(db, row.id, "failed", now, {
      error: `gave up after ${retryHours} h of failures: ${error}`.slice(0, 500),
    });
    return false;
  }
  const backoff = Math.min(DM_BACKOFF_MAX_MS, 5_000 * 2 ** Math.max(0, row.attempts - 1));
  const next = Math.max(now.getTime() + backoff, retryAt?.getTime() ?? 0);
  await db.directMessage.updateMany({
    where: { id: row.id },
    data: { status: "pending", notBefore: new Date(Math.min(next, giveUpAt)), lastError: error.slice(0, 500) },
  });
  return true;
}
