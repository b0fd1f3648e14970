// The seat and waitlist moves of an event, shared by RSVPs (answers) and events (a larger capacity, a
// cancellation): the event row's lock, seats taken by conditional update, the counts kept on the row, the
// waitlist's tickets and its promotions. Every function runs inside the caller's transaction.
import type { Tx } from "../db/client.js";
import { UserError } from "../errors.js";
import { queueDm } from "./directMessages.js";
import { adjustMetric } from "./metrics.js";
import { discordWhen } from "./time.js";
import { TX_MAX_WAIT_MS, TX_TIMEOUT_MS } from "../db/transaction.js";

export interface Promotion {
  userId: string;
  guests: number;
}

/**
 * Interactive transactions wait for a connection (PostgreSQL's pool) and for the event's row lock: a burst of
 * answers to one event queues up here, so allow longer than Prisma's defaults (2 s / 5 s), up to the bound every
 * transaction is held to (src/db/transaction.ts), which a shutdown waits for. The router defers the reply, so a
 * slow answer still lands.
 */
export const TX_OPTIONS = { maxWait: TX_MAX_WAIT_MS, timeout: TX_TIMEOUT_MS } as const;

/**
 * Locks the event row first, in every transaction that changes its answers: one lock order (event, then
 * RSVP rows, then metrics) everywhere, so two transactions never wait on each other in a cycle, and on
 * SQLite the write lock is taken at once rather than upgraded from a read (which fails as SQLITE_BUSY).
 */
export async function lockEvent(tx: Tx, eventId: number): Promise<void> {
  await tx.$executeRaw`UPDATE "Event" SET "waitlistSeq" = "waitlistSeq" WHERE "id" = ${eventId}`;
}

const CANCELLED_MEANWHILE =
  "This event was cancelled a moment ago, so answers are closed. See /event list for what is coming up.";

/** Takes `people` seats if they fit, in one conditional statement; false when they do not. */
export async function takeSeats(tx: Tx, eventId: number, people: number): Promise<boolean> {
  const taken = await tx.$executeRaw`
    UPDATE "Event" SET "seatsTaken" = "seatsTaken" + ${people}
    WHERE "id" = ${eventId} AND "status" = 'scheduled' AND ("capacity" IS NULL OR "seatsTaken" + ${people} <= "capacity")`;
  return taken === 1;
}

/** Moves the counts kept on the event row (seats, maybes, waitlist) by the given amounts. */
export async function adjustCounts(
  tx: Tx,
  eventId: number,
  seats: number,
  maybes: number,
  waitlisted: number,
): Promise<void> {
  if (!seats && !maybes && !waitlisted) return;
  const changed = await tx.$executeRaw`
    UPDATE "Event" SET "seatsTaken" = "seatsTaken" + ${seats}, "maybeCount" = "maybeCount" + ${maybes}, "waitlisted" = "waitlisted" + ${waitlisted}
    WHERE "id" = ${eventId} AND "status" = 'scheduled'`;
  if (changed !== 1) throw new UserError(CANCELLED_MEANWHILE);
}

/** The next waitlist ticket: arrival order, handed out by the event row itself. */
export async function nextTicket(tx: Tx, eventId: number): Promise<number> {
  const rows = await tx.$queryRaw<{ waitlistSeq: number | bigint }[]>`
    UPDATE "Event" SET "waitlistSeq" = "waitlistSeq" + 1 WHERE "id" = ${eventId} AND "status" = 'scheduled' RETURNING "waitlistSeq"`;
  if (!rows[0]) throw new UserError(CANCELLED_MEANWHILE);
  return Number(rows[0].waitlistSeq);
}

/**
 * Seats free: the first on the waitlist who fits (guests counted) is promoted, again and again, and told
 * by DM. Called in the transaction that freed the seats (a decline, fewer guests, a larger capacity).
 */
export async function promoteWaitlist(tx: Tx, eventId: number, now: Date): Promise<Promotion[]> {
  const promoted: Promotion[] = [];
  for (;;) {
    const event = await tx.event.findUniqueOrThrow({ where: { id: eventId } });
    if (event.status !== "scheduled") break;
    const free = event.capacity === null ? Number.MAX_SAFE_INTEGER : event.capacity - event.seatsTaken;
    if (free <= 0 || event.waitlisted === 0) break;
    const next = await tx.rsvp.findFirst({
      where: { eventId, status: "waitlisted", guests: { lte: Math.min(free - 1, 1_000_000) } },
      orderBy: { waitlistSeq: "asc" },
    });
    if (!next) break;
    const people = 1 + next.guests;
    if (!(await takeSeats(tx, eventId, people))) break;
    await adjustCounts(tx, eventId, 0, 0, -people);
    await adjustMetric(tx, "rsvps_going", people, now);
    await adjustMetric(tx, "rsvps_waitlisted", -people, now);
    await tx.rsvp.update({ where: { id: next.id }, data: { status: "going", waitlistSeq: null, updatedAt: now } });
    const plus = next.guests ? ` (you and ${next.guests} ${next.guests === 1 ? "guest" : "guests"})` : "";
    await queueDm(
      tx,
      {
        dedupeKey: `rsvp-promoted:${eventId}:${next.userId}:${next.waitlistSeq}`,
        userId: next.userId,
        content: `Good news: a seat opened up and you are now **going** to **${event.name}**${plus}, ${discordWhen(event.startsAt)}. Can't make it after all? Answer /rsvp decline so the next person gets the seat.`,
        priority: "first",
      },
      now,
    );
    promoted.push({ userId: next.userId, guests: next.guests });
  }
  return promoted;
}
