// Shifts as volunteers use them: the open list, claiming (with the waitlist when full), dropping (with
// promotion), offering a shift to the channel, and what I hold. The rules sit in shiftCore.ts.
import type { Db, DbOrTx } from "../db/client.js";
import { UserError } from "../errors.js";
import { queueDm } from "./directMessages.js";
import {
  assignInTx,
  findOverlap,
  inTx,
  loadShift,
  lockVolunteer,
  promoteFromWaitlist,
  releaseInTx,
  shiftLine,
  slotsLeft,
  withRole,
  type ShiftConfig,
  type ShiftView,
} from "./shiftCore.js";

export interface Member {
  userId: string;
  /** Display name, kept for rosters and exports. */
  userName: string;
  /** The member's Discord role ids, as the interaction gave them (for shifts that require one). */
  roleIds: readonly string[];
}

export const PAGE_SIZE = 10;

function requireRole(shift: ShiftView, member: Member): void {
  if (shift.requiresRoleId && !member.roleIds.includes(shift.requiresRoleId)) {
    throw new UserError(
      `This ${shift.role.name} shift needs the <@&${shift.requiresRoleId}> role. Ask an organizer if you should have it.`,
    );
  }
}

function requireFuture(shift: ShiftView, now: Date): void {
  if (shift.startsAt <= now)
    throw new UserError(
      `This ${shift.role.name} shift has already started. See /volunteer shifts for the ones to come.`,
      "conflict",
    );
}

export type ClaimResult =
  { status: "claimed"; shift: ShiftView } | { status: "full"; shift: ShiftView; onWaitlist: boolean };

/** Claims a slot. A full shift is not an error: the answer offers its waitlist. */
export async function claimShift(
  db: Db,
  config: ShiftConfig,
  shiftId: number,
  member: Member,
  now: Date,
): Promise<ClaimResult> {
  return inTx(db, async (tx) => {
    // The member's row is written before anything is read: on PostgreSQL this member's transactions then wait
    // for one another, and all of them take their locks in one order (member, then shift).
    await lockVolunteer(tx, member.userId, now);
    const shift = await loadShift(tx, shiftId);
    requireFuture(shift, now);
    requireRole(shift, member);
    const outcome = await assignInTx(tx, shift, member, now, config);
    if (outcome.ok) return { status: "claimed" as const, shift: await loadShift(tx, shiftId) };
    if (!outcome.full) throw new UserError(outcome.reason);
    const waiting = await tx.shiftWaitlist.findUnique({
      where: { shiftId_userId: { shiftId, userId: member.userId } },
    });
    return { status: "full" as const, shift, onWaitlist: Boolean(waiting) };
  });
}

export type WaitlistResult =
  { status: "claimed"; shift: ShiftView } | { status: "waiting"; shift: ShiftView; position: number };

/** Joins a full shift's waitlist; if a slot opened meanwhile, claims it instead. */
export async function joinWaitlist(
  db: Db,
  config: ShiftConfig,
  shiftId: number,
  member: Member,
  now: Date,
): Promise<WaitlistResult> {
  const claimed = await claimShift(db, config, shiftId, member, now);
  if (claimed.status === "claimed") return claimed;
  return inTx(db, async (tx) => {
    await lockVolunteer(tx, member.userId, now);
    const shift = await loadShift(tx, shiftId);
    const overlap = await findOverlap(tx, member.userId, shift, shift.id);
    if (overlap)
      throw new UserError(
        `It overlaps your ${shiftLine(overlap.shift)} shift, so waiting for it would lead nowhere. Drop or offer that one first.`,
        "conflict",
      );
    await tx.$executeRaw`
      INSERT INTO "ShiftWaitlist" ("shiftId", "userId", "userName", "createdAt") VALUES (${shiftId}, ${member.userId}, ${member.userName.slice(0, 80)}, ${now})
      ON CONFLICT ("shiftId", "userId") DO NOTHING`;
    // A slot may have opened between the two transactions: then the queue moves at once.
    if ((await promoteFromWaitlist(tx, shiftId, now, config)).includes(member.userId)) {
      return { status: "claimed" as const, shift: await loadShift(tx, shiftId) };
    }
    const mine = await tx.shiftWaitlist.findUniqueOrThrow({
      where: { shiftId_userId: { shiftId, userId: member.userId } },
    });
    const position = await tx.shiftWaitlist.count({ where: { shiftId, id: { lte: mine.id } } });
    return { status: "waiting" as const, shift, position };
  });
}

export type DropResult =
  { status: "dropped"; shift: ShiftView; promoted: string[] } | { status: "left-waitlist"; shift: ShiftView };

/** Gives a shift back (refused within the cutoff), or leaves its waitlist; the first waiting is promoted. */
export async function dropShift(
  db: Db,
  config: ShiftConfig,
  shiftId: number,
  userId: string,
  now: Date,
): Promise<DropResult> {
  return inTx(db, async (tx) => {
    await lockVolunteer(tx, userId, now); // write first, as in claimShift
    const shift = await loadShift(tx, shiftId);
    const holding = await tx.shiftAssignment.findUnique({ where: { shiftId_userId: { shiftId, userId } } });
    if (!holding) {
      const left = await tx.shiftWaitlist.deleteMany({ where: { shiftId, userId } });
      if (left.count === 1) return { status: "left-waitlist" as const, shift };
      throw new UserError("You do not hold that shift. /volunteer mine lists the ones you hold.");
    }
    const cutoffMs = config.SHIFT_DROP_CUTOFF_HOURS * 3600_000;
    if (shift.startsAt.getTime() - now.getTime() < cutoffMs || shift.startsAt <= now) {
      throw new UserError(
        `This shift starts ${shiftLine(shift).replace(/^\*\*[^*]*\*\* /, "")}: too close to drop here (the limit is ${config.SHIFT_DROP_CUTOFF_HOURS} h before). ` +
          `Tell <@${shift.createdBy}>, who set it up, or hand it over with /volunteer offer so someone else can take it.`,
      );
    }
    if (holding.checkedInAt)
      throw new UserError(
        "You have checked in to this shift already; tell an organizer if you must leave.",
        "conflict",
      );
    await releaseInTx(tx, shiftId, userId, now);
    const promoted = await promoteFromWaitlist(tx, shiftId, now, config);
    return { status: "dropped" as const, shift, promoted };
  });
}

/** Records an offer of a held shift, to post with a "Take this shift" button. */
export async function offerShift(db: Db, shiftId: number, userId: string, now: Date) {
  return inTx(db, async (tx) => {
    const shift = await loadShift(tx, shiftId);
    requireFuture(shift, now);
    const holding = await tx.shiftAssignment.findUnique({ where: { shiftId_userId: { shiftId, userId } } });
    if (!holding) throw new UserError("You can only offer a shift you hold. /volunteer mine lists yours.");
    if (holding.checkedInAt)
      throw new UserError(
        "You have checked in to this shift already; tell an organizer if you must leave.",
        "conflict",
      );
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
