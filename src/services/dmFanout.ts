// One DM to every member who answered an event, without holding the organizer's transaction for it: the
// transaction writes one DmFanout row, and the DM job expands it into DirectMessage rows in short batches. Each
// member's DM has the key `<fan-out key>:<userId>`, so a batch retried after a crash queues nothing twice.
import type { Db, DbOrTx } from "../db/client.js";
import { DM_PRIORITY, queueDm, type DmPriority } from "./directMessages.js";

export interface QueuedFanout {
  /** E.g. `event-cancelled:<eventId>`; each member's DM key is `<dedupeKey>:<userId>`. */
  dedupeKey: string;
  eventId: number;
  /** Which answers are told. */
  statuses: string[];
  content: string;
  fallbackChannelId?: string | null;
  priority?: DmPriority;
}

/** Members told per transaction of the expansion: short enough that answers never wait long behind it. */
export const FANOUT_BATCH = 200;

/** Records a fan-out in the caller's transaction (once per key); returns whether it was new. */
export async function queueFanout(db: DbOrTx, fanout: QueuedFanout, now: Date): Promise<boolean> {
  const inserted = await db.$executeRaw`
    INSERT INTO "DmFanout" ("dedupeKey", "eventId", "statuses", "content", "fallbackChannelId", "priority", "cursor", "status", "createdAt")
    VALUES (${fanout.dedupeKey}, ${fanout.eventId}, ${fanout.statuses.join(",")}, ${fanout.content}, ${fanout.fallbackChannelId ?? null},
            ${DM_PRIORITY[fanout.priority ?? "normal"]}, 0, 'pending', ${now})
    ON CONFLICT ("dedupeKey") DO NOTHING`;
  return inserted === 1;
}

/**
 * Expands pending fan-outs into DMs, one batch of members per transaction, oldest fan-out first, until done or
 * `maxBatches` ran. The cursor moves with a conditional update, so two runs never expand the same batch twice
 * (and if they did, the DMs' keys would keep each one once). Returns how many DMs were queued.
 */
export async function expandFanouts(db: Db, now: Date, maxBatches = 20): Promise<number> {
  let queued = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const fanout = await db.dmFanout.findFirst({ where: { status: "pending" }, orderBy: { id: "asc" } });
    if (!fanout) break;
    queued += await db.$transaction(async (tx) => {
      const rsvps = await tx.rsvp.findMany({
        where: { eventId: fanout.eventId, status: { in: fanout.statuses.split(",") }, id: { gt: fanout.cursor } },
        orderBy: { id: "asc" },
        take: FANOUT_BATCH,
        select: { id: true, userId: true },
      });
      const last = rsvps.at(-1)?.id ?? fanout.cursor;
      const moved = await tx.dmFanout.updateMany({
        where: { id: fanout.id, cursor: fanout.cursor, status: "pending" },
        data: { cursor: last, ...(rsvps.length < FANOUT_BATCH ? { status: "done" } : {}) },
      });
      if (moved.count !== 1) return 0; // another run took this batch
      let n = 0;
      const priority =
        (Object.keys(DM_PRIORITY) as DmPriority[]).find((p) => DM_PRIORITY[p] === fanout.priority) ?? "normal";
      for (const r of rsvps) {
        const fresh = await queueDm(
          tx,
          {
            dedupeKey: `${fanout.dedupeKey}:${r.userId}`,
            userId: r.userId,
            content: fanout.content,
            fallbackChannelId: fanout.fallbackChannelId,
            priority,
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
