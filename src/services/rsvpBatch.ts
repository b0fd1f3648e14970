// Group commit for answers to one event (the viral minute). Every answer moves the event's row (its seats,
// waitlist and counts), so a burst of answers taking turns on it serializes on that row's lock, each holding it
// across a dozen round trips. Instead, answers to the same event that arrive while a batch is being written
// wait here (cheap, in memory) and go in the next transaction, together, with set-based statements:
//
//   lock and read the event row (one statement) · read the members' rows (one query) · decide every answer in
//   arrival order, in memory, with the rules of rsvps.ts · write every row (one INSERT … ON CONFLICT) ·
//   move the event's counts and tickets (one UPDATE) · the campaign metrics (applied at commit) ·
//   the waitlist places (one count).
//
// Each member gets their own result, or their own refusal. The batch holds the event's lock from its first
// statement, so batches of several processes serialize, and the rules hold as they did answer by answer:
// exact capacity, tickets in arrival order, one row per member, counts in step. An answer that frees seats
// (a member going who declines or brings fewer guests) while members wait is applied statement by statement
// (rsvps.ts: answerInTx) with its promotions, after the answers before it are written, so the waitlist's
// invariant (nobody waiting fits in the free seats) holds at every step; with nobody waiting it is decided in
// the batch like any other. A database error fails only its batch, like the transaction each
// answer had before.
import type { Db, Tx } from "../db/client.js";
import { Prisma, type Event } from "../generated/prisma/client.js";
import { UserError } from "../errors.js";
import { assertEventOpen, requireEvent } from "./events.js";
import { adjustMetric } from "./metrics.js";
import type { AnswerInput, AnswerResult, RsvpStatus, WantedAnswer } from "./rsvps.js";
import { TX_OPTIONS } from "./seats.js";
import { groupCommit, type Outcome as GroupOutcome } from "./groupCommit.js";

/** Answers written in one transaction at most (8 parameters a row: far below either database's limit). */
export const RSVP_BATCH_MAX = 250;

type Outcome = GroupOutcome<AnswerResult>;

/** One answer applied statement by statement inside the batch's transaction (rsvps.ts: answerInTx). */
export type AnswerOne = (tx: Tx, input: AnswerInput) => Promise<AnswerResult>;

/** The longest display name kept on a member's row (rsvps.ts re-exports it). */
export const DISPLAY_NAME_MAX = 100;

/** The name kept on the member's row. */
export function answerDisplayName(input: AnswerInput): string {
  return (input.displayName.trim() || input.userId).slice(0, DISPLAY_NAME_MAX);
}

/** What the member asks for, given the row as it stands (a going answer without guests keeps those given). */
export function wantedAnswer(input: AnswerInput, row: { status: string; guests: number }): WantedAnswer {
  const kept = row.status === "going" || row.status === "waitlisted" ? Math.min(row.guests, input.maxGuests) : 0;
  return input.answer === "going" ? { status: "going", guests: input.guests ?? kept } : { status: input.answer };
}

/**
 * Per database client, per event: the answers that arrive while a batch is being written wait and go into the
 * next one (groupCommit.ts). Every answer carries the same `one` (rsvps.ts: answerInTx).
 */
const answers = groupCommit<{ input: AnswerInput; one: AnswerOne }, AnswerResult>(
  (db, eventId, items) =>
    applyAnswerBatch(
      db,
      eventId,
      items.map((i) => i.input),
      items[0]!.one,
    ),
  RSVP_BATCH_MAX,
);

/** Queues the answer behind the event's batch in flight (if any) and resolves with this member's result. */
export function submitAnswer(db: Db, input: AnswerInput, one: AnswerOne): Promise<AnswerResult> {
  return answers.submit(db, input.eventId, { input, one });
}

/** A member's row as the batch sees it (id null: not written yet). */
interface RowState {
  id: number | null;
  status: string;
  guests: number;
  seq: number | null;
  displayName: string;
  now: Date;
}

interface Decided {
  index: number;
  userId: string;
  status: RsvpStatus;
  guests: number;
  seq: number | null;
  previous: RsvpStatus | null;
}

/**
 * Applies answers to one event, in the order given, in one transaction; returns one outcome per answer.
 * Exported for tests; callers go through answerRsvp.
 */
export async function applyAnswerBatch(
  db: Db,
  eventId: number,
  inputs: AnswerInput[],
  one: AnswerOne,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(inputs.length);
  const latest = new Date(Math.max(...inputs.map((i) => i.now.getTime())));
  await db.$transaction(async (tx) => {
    let event: Event;
    try {
      event = (await lockAndReadEvent(tx, eventId)) ?? (await requireEvent(tx, eventId));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      inputs.forEach((_, i) => (outcomes[i] = { err }));
      return;
    }
    const userIds = [...new Set(inputs.map((i) => i.userId))];
    let rows = await readRows(tx, eventId, userIds, latest);

    // What the batch has decided and not yet written.
    let dirty = new Set<string>();
    let decided: Decided[] = [];
    let startSeq = event.waitlistSeq;
    const delta = { seats: 0, maybes: 0, waitlisted: 0 };

    const fits = (people: number) =>
      event.status === "scheduled" && (event.capacity === null || event.seatsTaken + people <= event.capacity);

    async function flush(): Promise<void> {
      if (!dirty.size) return;
      await writeRows(
        tx,
        eventId,
        [...dirty].map((u) => [u, rows.get(u)!] as const),
      );
      const tickets = event.waitlistSeq - startSeq;
      if (delta.seats || delta.maybes || delta.waitlisted || tickets) {
        await tx.$executeRaw`
          UPDATE "Event" SET "seatsTaken" = "seatsTaken" + ${delta.seats}, "maybeCount" = "maybeCount" + ${delta.maybes},
            "waitlisted" = "waitlisted" + ${delta.waitlisted}, "waitlistSeq" = "waitlistSeq" + ${tickets}
          WHERE "id" = ${eventId}`;
      }
      await adjustMetric(tx, "rsvps_going", delta.seats, latest);
      await adjustMetric(tx, "rsvps_maybe", delta.maybes, latest);
      await adjustMetric(tx, "rsvps_waitlisted", delta.waitlisted, latest);
      // Waitlist places. Tickets handed out by this batch are the newest, so a place is those waiting from
      // before (one count) plus this batch's tickets ahead of it; a ticket kept from before is counted alone.
      const fresh = [...rows.values()].filter((r) => r.status === "waitlisted" && r.seq !== null && r.seq > startSeq);
      let before: number | null = null;
      const snapshot = { ...event };
      for (const d of decided) {
        let position: number | null = null;
        if (d.status === "waitlisted") {
          if (d.seq! > startSeq) {
            before ??= await countWaiting(tx, eventId, startSeq + 1);
            position = before + fresh.filter((r) => r.seq! < d.seq!).length + 1;
          } else {
            position = (await countWaiting(tx, eventId, d.seq!)) + 1;
          }
        }
        outcomes[d.index] = {
          ok: { event: snapshot, status: d.status, guests: d.guests, previous: d.previous, position, promoted: [] },
        };
      }
      dirty = new Set();
      decided = [];
      startSeq = event.waitlistSeq;
      delta.seats = delta.maybes = delta.waitlisted = 0;
    }

    for (const [index, input] of inputs.entries()) {
      try {
        assertEventOpen(event, input.now, "answer");
      } catch (err) {
        outcomes[index] = { err };
        continue;
      }
      const displayName = answerDisplayName(input);
      const row: RowState = rows.get(input.userId) ?? {
        id: null,
        status: "none",
        guests: 0,
        seq: null,
        displayName,
        now: input.now,
      };
      const target = wantedAnswer(input, row);
      const oldSeats = row.status === "going" ? 1 + row.guests : 0;
      const oldWait = row.status === "waitlisted" ? 1 + row.guests : 0;
      const oldMaybe = row.status === "maybe" ? 1 : 0;

      const freesSeats = row.status === "going" && (target.status !== "going" || target.guests < row.guests);
      if (freesSeats && event.waitlisted > 0) {
        // Seats are freed while members wait: write what came before, then this answer and its promotions, one by
        // one. With nobody waiting there is nobody to promote (seats.ts: promoteWaitlist stops at once), so the
        // answer is decided here like the others and the seats it frees go to the answers after it.
        await flush();
        outcomes[index] = { ok: await one(tx, input) };
        event = await requireEvent(tx, eventId);
        rows = await readRows(tx, eventId, userIds, latest);
        startSeq = event.waitlistSeq;
        continue;
      }

      let status: RsvpStatus;
      let guests = 0;
      let seq: number | null = null;
      if (target.status === "going") {
        guests = target.guests;
        const lacking = 1 + guests - oldSeats;
        if (row.status === "going" && lacking === 0) {
          status = "going";
        } else if (fits(lacking)) {
          status = "going";
        } else if (row.status === "going") {
          const free = Math.max(0, (event.capacity ?? 0) - event.seatsTaken);
          outcomes[index] = {
            err: new UserError(
              `Only ${free} more ${free === 1 ? "seat is" : "seats are"} free, so ${guests} guests do not fit. You keep your seat with ${row.guests} ${row.guests === 1 ? "guest" : "guests"}; ask again with fewer guests.`,
              "full",
            ),
          };
          continue;
        } else {
          status = "waitlisted";
          // Someone already waiting keeps their place when they change their number of guests.
          seq = row.status === "waitlisted" && row.seq !== null ? row.seq : ++event.waitlistSeq;
        }
      } else {
        status = target.status as "maybe" | "declined";
      }

      const seats = status === "going" ? 1 + guests : 0;
      const wait = status === "waitlisted" ? 1 + guests : 0;
      const maybe = status === "maybe" ? 1 : 0;
      event.seatsTaken += seats - oldSeats;
      event.waitlisted += wait - oldWait;
      event.maybeCount += maybe - oldMaybe;
      delta.seats += seats - oldSeats;
      delta.waitlisted += wait - oldWait;
      delta.maybes += maybe - oldMaybe;
      rows.set(input.userId, { id: row.id, status, guests, seq, displayName, now: input.now });
      dirty.add(input.userId);
      const previous = row.status === "none" ? null : (row.status as RsvpStatus);
      decided.push({ index, userId: input.userId, status, guests, seq, previous });
    }
    await flush();
  }, TX_OPTIONS);
  return outcomes;
}

/**
 * Locks the event row (as seats.ts's lockEvent: the first statement of every change of its answers) and reads
 * it in the same statement; null when there is no such event.
 */
async function lockAndReadEvent(tx: Tx, eventId: number): Promise<Event | null> {
  const rows = await tx.$queryRaw<Event[]>`
    UPDATE "Event" SET "waitlistSeq" = "waitlistSeq" WHERE "id" = ${eventId} RETURNING *`;
  return rows[0] ?? null;
}

/**
 * The members' rows, in one plain statement (no ORM query to build per batch). Only what the decisions need:
 * a row is written back only after an answer replaced its name and time, so those are not read.
 */
async function readRows(tx: Tx, eventId: number, userIds: string[], now: Date): Promise<Map<string, RowState>> {
  const found = await tx.$queryRaw<
    {
      id: number | bigint;
      userId: string;
      status: string;
      guests: number | bigint;
      waitlistSeq: number | bigint | null;
    }[]
  >`
    SELECT "id", "userId", "status", "guests", "waitlistSeq" FROM "Rsvp"
    WHERE "eventId" = ${eventId} AND "userId" IN (${Prisma.join(userIds)})`;
  return new Map(
    found.map((r) => [
      r.userId,
      {
        id: Number(r.id),
        status: r.status,
        guests: Number(r.guests),
        seq: r.waitlistSeq === null ? null : Number(r.waitlistSeq),
        displayName: "",
        now,
      },
    ]),
  );
}

/**
 * Writes the members' rows in one statement, new ones in arrival order (so their ids follow it too). The
 * event's lock is held, and every change of this event's answers takes it first, so nothing moved them since
 * they were read.
 */
async function writeRows(tx: Tx, eventId: number, rows: (readonly [string, RowState])[]): Promise<void> {
  const values = rows.map(
    ([userId, r]) =>
      Prisma.sql`(${eventId}, ${userId}, ${r.displayName}, ${r.status}, ${r.guests}, ${r.seq}, ${r.now}, ${r.now})`,
  );
  await tx.$executeRaw`
    INSERT INTO "Rsvp" ("eventId", "userId", "displayName", "status", "guests", "waitlistSeq", "createdAt", "updatedAt")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("eventId", "userId") DO UPDATE SET "displayName" = excluded."displayName", "status" = excluded."status",
      "guests" = excluded."guests", "waitlistSeq" = excluded."waitlistSeq", "updatedAt" = excluded."updatedAt"`;
}

/** Members waiting with a ticket below `below`. */
function countWaiting(tx: Tx, eventId: number, below: number): Promise<number> {
  return tx.rsvp.count({ where: { eventId, status: "waitlisted", waitlistSeq: { lt: below } } });
}
