// RSVPs: going (with guests), maybe, can't go; capacity, waitlist and promotion. Every answer is one
// transaction: lock the member's row, move the event's counts with conditional updates, keep the campaign
// metrics in step, promote from the waitlist when seats free up, queue the DMs that follow.
//
// The invariant that keeps the waitlist fair: after every transaction, nobody on the waitlist fits in the
// free seats (whoever fits is promoted in the same transaction). So a newcomer who fits may take a seat
// without jumping anyone, and the waitlist moves by itself.
import { UserError } from "../errors.js";
import type { Db, DbOrTx, Tx } from "../db/client.js";
import type { Event } from "../generated/prisma/client.js";
import { recordAudit, type Actor } from "./audit.js";
import { requireEvent, requireOpenEvent } from "./events.js";
import { adjustMetric } from "./metrics.js";
import {
  adjustCounts,
  lockEvent,
  nextTicket,
  promoteWaitlist,
  takeSeats,
  TX_OPTIONS,
  type Promotion,
} from "./seats.js";
import { answerDisplayName, DISPLAY_NAME_MAX, submitAnswer, wantedAnswer } from "./rsvpBatch.js";

export type AnswerKind = "going" | "maybe" | "declined";
export type { Promotion };
export type RsvpStatus = "going" | "waitlisted" | "maybe" | "declined";

export { DISPLAY_NAME_MAX };

export interface AnswerInput {
  eventId: number;
  userId: string;
  displayName: string;
  answer: AnswerKind;
  /** Going only. Left out: keep the guests already given (0 for a first answer). */
  guests?: number | null;
  now: Date;
  maxGuests: number;
}

export interface AnswerResult {
  event: Event;
  status: RsvpStatus;
  guests: number;
  previous: RsvpStatus | null;
  /** 1-based place on the waitlist, when waitlisted. */
  position: number | null;
  promoted: Promotion[];
}

/** The member's RSVP row as locked at the start of the transaction ("none": just created). */
interface RsvpRow {
  id: number;
  status: string;
  guests: number;
  waitlistSeq: number | null;
}

/** What the member (or an organizer removing them) asks for. */
export type WantedAnswer = { status: "going"; guests: number } | { status: "maybe" | "declined" | "removed" };

/**
 * Answers for a member: the slash commands and the announcement's buttons both come here. Answers to one
 * event that arrive together are applied together, one transaction per batch (src/services/rsvpBatch.ts);
 * each caller still gets its own result or its own refusal.
 */
export async function answerRsvp(db: Db, input: AnswerInput): Promise<AnswerResult> {
  if (input.guests !== undefined && input.guests !== null) checkGuests(input.guests, input.maxGuests);
  return submitAnswer(db, input, answerInTx);
}

/**
 * One answer, statement by statement, inside the caller's transaction: what a batch falls back to for an
 * answer that frees seats (the waitlist's promotions follow it at once).
 */
export async function answerInTx(tx: Tx, input: AnswerInput): Promise<AnswerResult> {
  await lockEvent(tx, input.eventId);
  const event = await requireOpenEvent(tx, input.eventId, input.now, "answer");
  const row = await lockRsvp(tx, event.id, input.userId, answerDisplayName(input), input.now);
  const previous = isStatus(row.status) ? row.status : null;
  const moved = await transition(tx, event, row, wantedAnswer(input, row), input.now);
  const promoted = moved.freed ? await promoteWaitlist(tx, event.id, input.now) : [];
  const after = await tx.event.findUniqueOrThrow({ where: { id: event.id } });
  const position = moved.status === "waitlisted" ? await waitlistPosition(tx, event.id, moved.seq!) : null;
  return { event: after, status: moved.status as RsvpStatus, guests: moved.guests, previous, position, promoted };
}

/**
 * An organizer removes a member's answer (someone who left the server keeps theirs until then), recorded in the
 * audit trail; `actor` null is a forget (src/services/privacy.ts), whose one `member.forget` row, if any, says it.
 */
export async function removeRsvp(
  db: Db,
  input: { eventId: number; userId: string; now: Date },
  actor: Actor | null,
): Promise<{ event: Event; removed: RsvpStatus; promoted: Promotion[] }> {
  return db.$transaction(async (tx) => {
    await lockEvent(tx, input.eventId);
    const event = await requireEvent(tx, input.eventId);
    if (event.status === "cancelled")
      throw new UserError(`**${event.name}** is cancelled; its answers no longer count.`, "conflict");
    // Touching the row locks it (PostgreSQL), so the status returned is the latest.
    const rows = await tx.$queryRaw<RsvpRow[]>`
      UPDATE "Rsvp" SET "updatedAt" = ${input.now} WHERE "eventId" = ${event.id} AND "userId" = ${input.userId}
      RETURNING "id", "status", "guests", "waitlistSeq"`;
    const row = rows[0] && normalize(rows[0]);
    if (!row || !isStatus(row.status))
      throw new UserError("That member has no answer for this event: nothing to remove.", "not_found");
    const moved = await transition(tx, event, row, { status: "removed" }, input.now);
    const promoted = moved.freed ? await promoteWaitlist(tx, event.id, input.now) : [];
    const after = await tx.event.findUniqueOrThrow({ where: { id: event.id } });
    if (actor)
      await recordAudit(tx, actor, input.now, {
        kind: "rsvp.remove",
        subject: { type: "event", id: event.id, label: event.name },
        memberId: input.userId,
        before: { answer: row.status, guests: row.guests },
        after: { answer: "removed", promoted: promoted.length },
      });
    return { event: after, removed: row.status, promoted };
  }, TX_OPTIONS);
}

export function checkGuests(guests: number, maxGuests: number): number {
  if (!Number.isInteger(guests) || guests < 0 || guests > maxGuests) {
    throw new UserError(
      maxGuests === 0
        ? "This campaign's events take no guests: answer for yourself only."
        : `You can bring 0 to ${maxGuests} guests.`,
    );
  }
  return guests;
}

function isStatus(s: string): s is RsvpStatus {
  return s === "going" || s === "waitlisted" || s === "maybe" || s === "declined";
}

function normalize(row: RsvpRow): RsvpRow {
  return {
    id: Number(row.id),
    status: row.status,
    guests: Number(row.guests),
    waitlistSeq: row.waitlistSeq === null ? null : Number(row.waitlistSeq),
  };
}

/**
 * Creates the member's row if missing and locks it in one statement: concurrent answers from the same
 * member queue up behind each other instead of both reading the old state (and no unique violation can
 * abort the transaction).
 */
async function lockRsvp(tx: Tx, eventId: number, userId: string, displayName: string, now: Date): Promise<RsvpRow> {
  const rows = await tx.$queryRaw<RsvpRow[]>`
    INSERT INTO "Rsvp" ("eventId", "userId", "displayName", "status", "guests", "createdAt", "updatedAt")
    VALUES (${eventId}, ${userId}, ${displayName}, 'none', 0, ${now}, ${now})
    ON CONFLICT ("eventId", "userId") DO UPDATE SET "displayName" = excluded."displayName", "updatedAt" = excluded."updatedAt"
    RETURNING "id", "status", "guests", "waitlistSeq"`;
  return normalize(rows[0]!);
}

/**
 * Moves one member's row from its state to the wanted one, with every count that follows.
 *
 * States: none (a row just created) · going (holds 1 + guests seats) · waitlisted (holds a ticket, counts
 * 1 + guests on the waitlist) · maybe (counts 1 maybe) · declined (counts nothing) · removed (row deleted).
 * - Wanting going: one already going who asks for the same or fewer guests keeps the seats; otherwise it
 *   tries to take the seats it lacks in one conditional update. If they do not fit, one already going is
 *   refused and keeps the seats held (never pushed back to the waitlist); anyone else joins the waitlist,
 *   keeping their ticket if already on it (arrival order stands when the number of guests changes).
 * - Wanting maybe, declined or removed: whatever was held is released.
 * Then the event row's counts and the campaign metrics move by the difference between old and new
 * (less the seats takeSeats already added), and `freed` tells the caller to promote from the waitlist.
 */
async function transition(tx: Tx, event: Event, row: RsvpRow, target: WantedAnswer, now: Date) {
  const oldSeats = row.status === "going" ? 1 + row.guests : 0;
  const oldWait = row.status === "waitlisted" ? 1 + row.guests : 0;
  const oldMaybe = row.status === "maybe" ? 1 : 0;
  let status: RsvpStatus | "removed" = target.status === "going" ? "going" : target.status;
  let guests = 0;
  let seq: number | null = null;
  let applied = 0; // seats already added by takeSeats

  if (target.status === "going") {
    guests = target.guests;
    const want = 1 + guests;
    const extra = want - oldSeats;
    if (row.status === "going" && extra <= 0) {
      status = "going";
    } else if (await takeSeats(tx, event.id, row.status === "going" ? extra : want)) {
      status = "going";
      applied = row.status === "going" ? extra : want;
    } else if (row.status === "going") {
      const fresh = await tx.event.findUniqueOrThrow({ where: { id: event.id } });
      const free = Math.max(0, (fresh.capacity ?? 0) - fresh.seatsTaken);
      throw new UserError(
        `Only ${free} more ${free === 1 ? "seat is" : "seats are"} free, so ${guests} guests do not fit. You keep your seat with ${row.guests} ${row.guests === 1 ? "guest" : "guests"}; ask again with fewer guests.`,
        "full",
      );
    } else {
      status = "waitlisted";
      // Someone already waiting keeps their place when they change their number of guests.
      seq = row.status === "waitlisted" && row.waitlistSeq !== null ? row.waitlistSeq : await nextTicket(tx, event.id);
    }
  }

  const seats = status === "going" ? 1 + guests : 0;
  const wait = status === "waitlisted" ? 1 + guests : 0;
  const maybe = status === "maybe" ? 1 : 0;
  await adjustCounts(tx, event.id, seats - oldSeats - applied, maybe - oldMaybe, wait - oldWait);
  if (seats !== oldSeats) await adjustMetric(tx, "rsvps_going", seats - oldSeats, now);
  if (maybe !== oldMaybe) await adjustMetric(tx, "rsvps_maybe", maybe - oldMaybe, now);
  if (wait !== oldWait) await adjustMetric(tx, "rsvps_waitlisted", wait - oldWait, now);

  if (status === "removed") await tx.rsvp.delete({ where: { id: row.id } });
  else await tx.rsvp.update({ where: { id: row.id }, data: { status, guests, waitlistSeq: seq, updatedAt: now } });
  return { status, guests, seq, freed: seats < oldSeats };
}

/** 1-based place on the waitlist: those with an earlier ticket, plus one (an index range scan). */
export async function waitlistPosition(db: DbOrTx, eventId: number, seq: number): Promise<number> {
  return db.rsvp.count({ where: { eventId, status: "waitlisted", waitlistSeq: { lte: seq } } });
}

export async function setReminders(db: DbOrTx, userId: string, on: boolean, now: Date): Promise<void> {
  await db.rsvpSetting.upsert({
    where: { userId },
    create: { userId, remindersOff: !on, updatedAt: now },
    update: { remindersOff: !on, updatedAt: now },
  });
}

export async function remindersOn(db: DbOrTx, userId: string): Promise<boolean> {
  const setting = await db.rsvpSetting.findUnique({ where: { userId } });
  return !setting?.remindersOff;
}

export interface MyRsvp {
  event: Event;
  status: RsvpStatus;
  guests: number;
  position: number | null;
}

/** The member's answers to upcoming events, soonest first. */
export async function myRsvps(db: DbOrTx, userId: string, now: Date): Promise<MyRsvp[]> {
  const rows = await db.rsvp.findMany({
    where: {
      userId,
      status: { in: ["going", "waitlisted", "maybe", "declined"] },
      event: { status: "scheduled", startsAt: { gt: now } },
    },
    include: { event: true },
    orderBy: { event: { startsAt: "asc" } },
    take: 25,
  });
  const out: MyRsvp[] = [];
  for (const r of rows) {
    const position =
      r.status === "waitlisted" && r.waitlistSeq !== null ? await waitlistPosition(db, r.eventId, r.waitlistSeq) : null;
    out.push({ event: r.event, status: r.status as RsvpStatus, guests: r.guests, position });
  }
  return out;
}
