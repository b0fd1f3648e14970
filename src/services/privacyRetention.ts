// Retention (RETENTION_DAYS): what the bot stops keeping once it is old. A daily leased job runs it.
// - DMs already delivered (or given up on) more than RETENTION_DAYS ago: deleted.
// - Answers, shift assignments (and offers, waitlists) and track requests (and votes) of events, shifts and
//   sets that ended more than RETENTION_DAYS ago: the rows stay, so every count stays true (seats, slots,
//   minutes, votes), but no longer name anyone: each gets a pseudonym of its own ("former-a<row id>"),
//   and names become "a former member". Votes of old requests are deleted; the request keeps its total.
// Idempotent: a row renamed once is skipped; running it twice changes nothing the second time.
import type { Db } from "../db/client.js";
import { DEFAULT_LENGTH_HOURS } from "./events.js";
import { FORMER_MEMBER } from "./privacy.js";

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
    await db
      .$transaction([
        db.$executeRaw`
        UPDATE "TrackRequest" SET "requestedBy" = 'former-r' || CAST("id" AS TEXT), "closedBy" = NULL
        WHERE "setId" = ${set.id} AND "requestedBy" NOT LIKE 'former-%'`,
        db.trackVote.deleteMany({ where: { request: { setId: set.id } } }),
        db.trackRequesterSet.deleteMany({ where: { setId: set.id } }),
      ])
      .then(([requests]) => (result.requests += requests));
  }
  return result;
}
