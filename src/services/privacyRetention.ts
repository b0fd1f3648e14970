// Retention (RETENTION_DAYS): what the bot stops keeping once it is old. A daily leased job runs it.
// - DMs already delivered (or given up on) more than RETENTION_DAYS ago: deleted.
// - Answers, shift assignments (and offers, waitlists) and track requests (and votes) of events, shifts and
//   sets that ended more than RETENTION_DAYS ago: the rows stay, so every count stays true (seats, slots,
//   minutes, votes), but no longer name anyone: each gets a pseudonym of its own ("former-a<row id>"),
//   and names become "a former member"; votes on old requests too.
// Idempotent: a row renamed once is skipped; running it twice changes nothing the second time.
import type { Db } from "../db/client.js";
import { DEFAULT_LENGTH_HOURS } from "./events.js";
import { FORMER_MEMBER } from "./privacy.js";
import { TX_OPTIONS } from "./seats.js";

const DAY_MS = 86_400_000;
const DONE_DM = ["sent", "fallback", "failed", "dropped"];

export interface RetentionResult {
  dmsDeleted: number;
  answers: number;
  assignments: number;
  requests: number;
}

export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

export async function applyRetention(db: Db, days: number, now: Date): Promise<RetentionResult> {
  const cutoff = retentionCutoff(now, days);
  const result: RetentionResult = { dmsDeleted: 0, answers: 0, assignments: 0, requests: 0 };
  result.dmsDeleted = (
    await db.directMessage.deleteMany({ where: { status: { in: DONE_DM }, createdAt: { lt: cutoff } } })
  ).count;

  const events = await db.event.findMany({
    where: {
      OR: [
        { endsAt: { lt: cutoff } },
        { endsAt: null, startsAt: { lt: new Date(cutoff.getTime() - DEFAULT_LENGTH_HOURS * 3600_000) } },
      ],
    },
    select: { id: true },
  });
  for (const e of events) {
    result.answers += await db.$executeRaw`
      UPDATE "Rsvp" SET "userId" = 'former-a' || CAST("id" AS TEXT), "displayName" = ${FORMER_MEMBER}, "updatedAt" = ${now}
      WHERE "eventId" = ${e.id} AND "userId" NOT LIKE 'former-%'`;
  }

  const shifts = await db.shift.findMany({ where: { endsAt: { lt: cutoff } }, select: { id: true } });
  for (const s of shifts) {
    await db
      .$transaction([
        db.$executeRaw`
        UPDATE "ShiftAssignment" SET "userId" = 'former-s' || CAST("id" AS TEXT), "userName" = ${FORMER_MEMBER}, "checkedInBy" = NULL
        WHERE "shiftId" = ${s.id} AND "userId" NOT LIKE 'former-%'`,
        db.$executeRaw`
        UPDATE "ShiftOffer" SET "fromUserId" = 'former-o' || CAST("id" AS TEXT), "takenBy" = NULL
        WHERE "shiftId" = ${s.id} AND "fromUserId" NOT LIKE 'former-%'`,
        db.shiftWaitlist.deleteMany({ where: { shiftId: s.id } }),
      ])
      .then(([assignments]) => (result.assignments += assignments));
  }

  const sets = await db.djSet.findMany({ where: { endsAt: { lt: cutoff } }, select: { id: true } });
  for (const set of sets) {
    result.requests += await db.$transaction(async (tx) => {
      const requests = await tx.trackRequest.findMany({
        where: { setId: set.id, requestedBy: { not: { startsWith: "former-" } } },
        include: { voters: { select: { userId: true } } },
      });
      for (const r of requests) {
        const renamed = `former-r${r.id}`;
        // Votes keep counting (the request's total, the campaign's votes), each under a pseudonym of its
        // own; the requester's own vote under the request's, as before.
        let n = 0;
        for (const v of r.voters) {
          const to = v.userId === r.requestedBy ? renamed : `former-v${r.id}-${++n}`;
          await tx.trackVote.update({
            where: { requestId_userId: { requestId: r.id, userId: v.userId } },
            data: { userId: to },
          });
        }
        await tx.trackRequest.update({ where: { id: r.id }, data: { requestedBy: renamed, closedBy: null } });
      }
      await tx.trackRequesterSet.deleteMany({ where: { setId: set.id } });
      return requests.length;
    }, TX_OPTIONS);
  }
  return result;
}
