// Direct messages are written to an outbox row in the same transaction as the change that causes them
// (a promotion, a cancellation, a reminder), then sent by one throttled job. The dedupe key makes each
// message exactly once: writing it again, from a retry or a second process, changes nothing.
import type { DbOrTx } from "../db/client.js";

export interface QueuedDm {
  /** What makes this message unique, such as `rsvp-reminder:<eventId>:<userId>:24`. */
  dedupeKey: string;
  userId: string;
  content: string;
  /** A channel to post in instead when the member does not accept DMs; null to give up quietly. */
  fallbackChannelId?: string | null;
  notBefore?: Date;
}

/** Queues a DM unless one with the same key exists; returns whether it was new. */
export async function queueDm(db: DbOrTx, dm: QueuedDm, now: Date): Promise<boolean> {
  // ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed statement
  // would abort the caller's whole transaction.
  const inserted = await db.$executeRaw`
    INSERT INTO "DirectMessage" ("dedupeKey", "userId", "content", "fallbackChannelId", "notBefore", "status", "attempts", "createdAt")
    VALUES (${dm.dedupeKey}, ${dm.userId}, ${dm.content}, ${dm.fallbackChannelId ?? null}, ${dm.notBefore ?? now}, 'pending', 0, ${now})
    ON CONFLICT ("dedupeKey") DO NOTHING`;
  return inserted === 1;
}

/** The next messages due, oldest first. */
export function dueDms(db: DbOrTx, now: Date, limit: number) {
  return db.directMessage.findMany({ where: { status: "pending", notBefore: { lte: now } }, orderBy: { id: "asc" }, take: limit });
}

export async function markDm(db: DbOrTx, id: number, outcome: "sent" | "fallback" | "failed", now: Date, error?: string): Promise<void> {
  await db.directMessage.update({ where: { id }, data: { status: outcome, sentAt: outcome === "failed" ? null : now, lastError: error ?? null, attempts: { increment: 1 } } });
}

/** After a passing failure: try again later, with exponential backoff; give up after `maxAttempts`. */
export async function retryDmLater(db: DbOrTx, id: number, attempts: number, now: Date, error: string, maxAttempts = 5): Promise<void> {
  if (attempts + 1 >= maxAttempts) return markDm(db, id, "failed", now, error);
  const delayMs = Math.min(30 * 60_000, 5_000 * 2 ** attempts);
  await db.directMessage.update({ where: { id }, data: { attempts: { increment: 1 }, notBefore: new Date(now.getTime() + delayMs), lastError: error } });
}
