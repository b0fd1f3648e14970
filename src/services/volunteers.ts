// Shifts as volunteers use them: the open list, claiming (with the waitlist when full), dropping (with
// promotion), offering a shift to the channel, and what I hold. The rules sit in shiftCore.ts.
import type { Db, DbOrTx } from "../db/client.js";
import { UserError } from "../errors.js";
import { queueDm } from "./directMessages.js";
import { submitShiftOp } from "./shiftBatch.js";
import {
  assignInTx,
  inTx,
  loadShift,
  lockVolunteer,
  releaseInTx,
  requireFuture,
  requireRole,
  shiftLine,
  slotsLeft,
  withRole,
  CHECKED_IN_REFUSAL,
  type DropResult,
  type Member,
  type ShiftConfig,
  type ShiftView,
} from "./shiftCore.js";

export type { Member } from "./shiftCore.js";
export type { DropResult } from "./shiftCore.js";

export const PAGE_SIZE = 10;

export type ClaimResult =
  { status: "claimed"; shift: ShiftView } | { status: "full"; shift: ShiftView; onWaitlist: boolean };

/**
 * Claims a slot. A full shift is not an error: the answer offers its waitlist. Claims and drops on one shift
 * that arrive together are written together (shiftBatch.ts).
 */
export async function claimShift(
  db: Db,
  config: ShiftConfig,
  shiftId: number,
  member: Member,
  now: Date,
): Promise<ClaimResult> {
  return (await submitShiftOp(db, shiftId, { kind: "claim", member, now, config })) as ClaimResult;
}

export type WaitlistResult =
  { status: "claimed"; shift: ShiftView } | { status: "waiting"; shift: ShiftView; position: number };

/** Joins a full shift's waitlist, in arrival order; claims a slot instead if one is free. */
export async function joinWaitlist(
  db: Db,
  config: ShiftConfig,
  shiftId: number,
  member: Member,
  now: Date,
): Promise<WaitlistResult> {
  return (await submitShiftOp(db, shiftId, { kind: "join", member, now, config })) as WaitlistResult;
}

/** Gives a shift back (refused within the cutoff), or leaves its waitlist; the first waiting is promoted. */
export async function dropShift(
  db: Db,
  config: ShiftConfig,
  shiftId: number,
  userId: string,
  now: Date,
): Promise<DropResult> {
  return (await submitShiftOp(db, shiftId, { kind: "drop", userId, now, config })) as DropResult;
}

/** Records an offer of a held shift, to post with a "Take this shift" button. */
export async function offerShift(db: Db, shiftId: number, userId: string, now: Date) {
  return inTx(db, async (tx) => {
    const shift = await loadShift(tx, shiftId);
    requireFuture(shift, now);
    const holding = await tx.shiftAssignment.findUnique({ where: { shiftId_userId: { shiftId, userId } } });
    if (!holding) throw new UserError("You can only offer a shift you hold. /volunteer mine lists yours.");
    if (holding.checkedInAt) throw new UserError(CHECKED_IN_REFUSAL, "conflict");
    const open = await tx.shiftOffer.findFirst({ where: { shiftId, fromUserId: userId, status: "open" } });
    const offer = open ?? (await tx.shiftOffer.create({ data: { shiftId, fromUserId: userId, createdAt: now } }));
    return { offer, shift, again: Boolean(open) };
  });
}

/**
 * The button on an offer: the first eligible member to press it gets the shift, atomically, and the
 * offerer is released. An ineligible presser changes nothing (the transaction rolls back).
 */
export async function takeOffer(db: Db, config: ShiftConfig, offerId: number, member: Member, now: Date) {
  const result = await inTx(db, async (tx) => {
    await lockVolunteer(tx, member.userId, now); // write first, as in claimShift
    const offer = await tx.shiftOffer.findUnique({ where: { id: offerId } });
    if (!offer || offer.status !== "open")
      throw new UserError(
        "Someone already took this shift, or it was withdrawn. See /volunteer shifts for open ones.",
        "conflict",
      );
    if (offer.fromUserId === member.userId)
      throw new UserError(
        "This is your own offer: it stays up until someone takes it. To give the shift back instead, use /volunteer drop.",
      );
    const shift = await loadShift(tx, offer.shiftId);
    requireFuture(shift, now);
    requireRole(shift, member);
    // The offer changes hands once: a second presser's update finds it no longer open.
    const claimed = await tx.shiftOffer.updateMany({
      where: { id: offerId, status: "open" },
      data: { status: "taken", takenBy: member.userId },
    });
    if (claimed.count !== 1)
      throw new UserError("Someone already took this shift. See /volunteer shifts for open ones.", "conflict");
    if (!(await releaseInTx(tx, shift.id, offer.fromUserId, now, { freeSlot: false }))) {
      throw new UserError(
        "The volunteer who offered this shift no longer holds it. See /volunteer shifts for open ones.",
        "conflict",
      );
    }
    const outcome = await assignInTx(tx, shift, member, now, config, { takeSlot: false });
    if (!outcome.ok) throw new UserError(outcome.reason);
    await queueDm(
      tx,
      {
        dedupeKey: `shift-offer-taken:${offerId}`,
        userId: offer.fromUserId,
        content: `<@${member.userId}> took the ${shiftLine(shift)} shift you offered. You no longer hold it. Thank you!`,
        priority: "first",
      },
      now,
    );
    return { shift, fromUserId: offer.fromUserId };
  });
  return result;
}

/** Open shifts with slots left (optionally one role, one day), a page at a time. */
export async function openShifts(
  db: DbOrTx,
  filter: { roleId?: number; from?: Date; to?: Date },
  page: number,
  now: Date,
) {
  const where = {
    startsAt: { gt: now, ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) },
    taken: { lt: db.shift.fields.capacity },
    ...(filter.roleId ? { roleId: filter.roleId } : {}),
  };
  const total = await db.shift.count({ where });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const current = Math.min(Math.max(0, page), pages - 1);
  const shifts = await db.shift.findMany({
    where,
    include: withRole,
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    skip: current * PAGE_SIZE,
    take: PAGE_SIZE,
  });
  return { shifts, page: current, pages, total };
}

/**
 * What the member could claim, for autocomplete: upcoming, not held, not overlapping what they hold, role
 * held. Shifts with slots come first; full ones follow (claiming those offers their waitlist).
 */
export async function claimableShifts(db: DbOrTx, config: ShiftConfig, member: Member, query: string, now: Date) {
  const q = query.trim().toLowerCase().slice(0, 50);
  const [candidates, mine, volunteer] = await Promise.all([
    db.shift.findMany({
      where: { startsAt: { gt: now }, ...(q ? { role: { key: { contains: q } } } : {}) },
      include: withRole,
      orderBy: [{ startsAt: "asc" }, { id: "asc" }],
      take: 200,
    }),
    db.shiftAssignment.findMany({
      where: { userId: member.userId, shift: { endsAt: { gt: now } } },
      include: { shift: true },
    }),
    db.volunteer.findUnique({ where: { userId: member.userId } }),
  ]);
  const max = config.MAX_SHIFTS_PER_VOLUNTEER;
  if (max !== undefined && (volunteer?.heldCount ?? 0) >= max) return [];
  const possible = candidates.filter(
    (s) =>
      (!s.requiresRoleId || member.roleIds.includes(s.requiresRoleId)) &&
      !mine.some((m) => m.shiftId === s.id || (m.shift.startsAt < s.endsAt && m.shift.endsAt > s.startsAt)),
  );
  return [...possible.filter((s) => slotsLeft(s) > 0), ...possible.filter((s) => slotsLeft(s) === 0)].slice(0, 25);
}

/** Shifts the member holds (and waits for) that are still to come, for drop and offer autocomplete. */
export async function upcomingOf(db: DbOrTx, userId: string, now: Date, opts: { waitlist?: boolean } = {}) {
  const [held, waiting] = await Promise.all([
    db.shiftAssignment.findMany({
      where: { userId, shift: { startsAt: { gt: now } } },
      include: { shift: { include: withRole } },
      orderBy: { shift: { startsAt: "asc" } },
      take: 25,
    }),
    opts.waitlist
      ? db.shiftWaitlist.findMany({
          where: { userId, shift: { startsAt: { gt: now } } },
          include: { shift: { include: withRole } },
          take: 25,
        })
      : [],
  ]);
  return { held: held.map((a) => a.shift), waiting: waiting.map((w) => w.shift) };
}

/** Everything I hold, past and to come, my waitlist places, and the time I have served. */
export async function myShifts(db: DbOrTx, userId: string) {
  const [held, waiting, volunteer] = await Promise.all([
    db.shiftAssignment.findMany({
      where: { userId },
      include: { shift: { include: withRole } },
      orderBy: { shift: { startsAt: "asc" } },
      take: 50,
    }),
    db.shiftWaitlist.findMany({
      where: { userId },
      include: { shift: { include: withRole } },
      orderBy: { shift: { startsAt: "asc" } },
      take: 25,
    }),
    db.volunteer.findUnique({ where: { userId } }),
  ]);
  const places = await Promise.all(
    waiting.map((w) => db.shiftWaitlist.count({ where: { shiftId: w.shiftId, id: { lte: w.id } } })),
  );
  return {
    held,
    waiting: waiting.map((w, i) => ({ shift: w.shift, position: places[i]! })),
    minutesServed: volunteer?.minutesServed ?? 0,
  };
}
