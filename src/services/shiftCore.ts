// What claims, drops, promotions, offers and edits share: the per-member lock row, the overlap rule,
// taking and giving back a slot with the counters that move with it, and how a shift reads in text.
import { DateTime } from "luxon";
import type { Config } from "../config.js";
import type { Db, Tx } from "../db/client.js";
import { TX_MAX_WAIT_MS, TX_TIMEOUT_MS } from "../db/transaction.js";
import { UserError } from "../errors.js";
import { queueDm } from "./directMessages.js";
import { parseId } from "./ids.js";
import { adjustMetric } from "./metrics.js";
import { discordTime } from "./time.js";

export type ShiftConfig = Pick<
  Config,
  "SHIFT_DROP_CUTOFF_HOURS" | "MAX_SHIFTS_PER_VOLUNTEER" | "SHIFT_REMINDER_HOURS" | "CAMPAIGN_TIMEZONE"
>;

/** A check-in opens this long before a shift starts. */
export const CHECKIN_OPENS_MS = 30 * 60_000;
export const MAX_NAME = 80;

export interface ShiftView {
  id: number;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  taken: number;
  description: string | null;
  requiresRoleId: string | null;
  createdBy: string;
  role: { id: number; name: string };
}

export const withRole = { role: { select: { id: true, name: true } } } as const;

export interface Member {
  userId: string;
  /** Display name, kept for rosters and exports. */
  userName: string;
  /** The member's Discord role ids, as the interaction gave them (for shifts that require one). */
  roleIds: readonly string[];
}

export function requireRole(shift: ShiftView, member: Member): void {
  if (shift.requiresRoleId && !member.roleIds.includes(shift.requiresRoleId)) {
    throw new UserError(
      `This ${shift.role.name} shift needs the <@&${shift.requiresRoleId}> role. Ask an organizer if you should have it.`,
    );
  }
}

export function requireFuture(shift: ShiftView, now: Date): void {
  if (shift.startsAt <= now)
    throw new UserError(
      `This ${shift.role.name} shift has already started. See /volunteer shifts for the ones to come.`,
      "conflict",
    );
}

/**
 * Runs `fn` in one transaction. The waits are longer than Prisma's defaults (2 s to start, 5 s to run):
 * a burst of a hundred claims queues on SQLite's single writer, and a queued claim must wait, not fail.
 */
export function inTx<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(fn, { maxWait: TX_MAX_WAIT_MS, timeout: TX_TIMEOUT_MS });
}

/** True length in minutes, from the UTC instants: a shift across midnight or a DST change keeps its length. */
export function shiftMinutes(shift: { startsAt: Date; endsAt: Date }): number {
  return Math.round((shift.endsAt.getTime() - shift.startsAt.getTime()) / 60_000);
}

/** "Door · Sat 5 Dec 20:00–23:00 PST": for places where Discord timestamps do not render (autocomplete, selects). */
export function shiftLabel(shift: ShiftView, timeZone: string): string {
  const start = DateTime.fromJSDate(shift.startsAt, { zone: timeZone });
  const end = DateTime.fromJSDate(shift.endsAt, { zone: timeZone });
  const endText = end.hasSame(start, "day") ? end.toFormat("HH:mm") : end.toFormat("ccc d LLL HH:mm");
  return `${shift.role.name} · ${start.toFormat("ccc d LLL HH:mm")}–${endText} ${end.toFormat("ZZZZ")}`;
}

/** "**Door** <t:..:F> – <t:..:t>": every member reads their own local time. */
/** The shift as the audit trail names it (times in UTC: the trail is read in any zone, and exported). */
export function shiftSubject(shift: Pick<ShiftView, "id" | "startsAt" | "role">) {
  const start = shift.startsAt.toISOString().slice(0, 16).replace("T", " ");
  return { type: "shift" as const, id: shift.id, label: `${shift.role.name} shift, ${start} UTC` };
}

/** The fields of a shift the audit trail keeps before and after a change. */
export function shiftFields(shift: ShiftView) {
  return {
    role: shift.role.name,
    startsAt: shift.startsAt,
    endsAt: shift.endsAt,
    capacity: shift.capacity,
    description: shift.description,
    requiresRoleId: shift.requiresRoleId,
  };
}

export function shiftLine(shift: ShiftView): string {
  const sameDay = shift.endsAt.getTime() - shift.startsAt.getTime() < 20 * 3600_000;
  return `**${shift.role.name}** ${discordTime(shift.startsAt, "F")} – ${discordTime(shift.endsAt, sameDay ? "t" : "F")}`;
}

export function slotsLeft(shift: { capacity: number; taken: number }): number {
  return Math.max(0, shift.capacity - shift.taken);
}

export function hours(minutes: number): string {
  const h = minutes / 60;
  return `${Number.isInteger(h) ? h : h.toFixed(1)} h`;
}

export async function loadShift(db: Db | Tx, shiftId: number): Promise<ShiftView> {
  const shift = Number.isSafeInteger(shiftId)
    ? await db.shift.findUnique({ where: { id: shiftId }, include: withRole })
    : null;
  if (!shift)
    throw new UserError(
      "That shift no longer exists. Pick one from the list: start typing and choose from the suggestions.",
      "not_found",
    );
  return shift;
}

/** Reads a shift option chosen from autocomplete (its value is the id). */
export function parseShiftId(value: string | null | undefined): number {
  const id = parseId(value);
  if (id === null)
    throw new UserError("Pick a shift from the suggestions that appear as you type (I could not read that one).");
  return id;
}

/**
 * Locks the member's Volunteer row by writing it, and returns the shifts they hold. On PostgreSQL two
 * transactions of one member both wait here, so an overlap check after this point cannot be passed twice;
 * on SQLite writers are serialized anyway.
 */
export async function lockVolunteer(tx: Tx, userId: string, now: Date): Promise<number> {
  const rows = await tx.$queryRaw<{ heldCount: number | bigint }[]>`
    INSERT INTO "Volunteer" ("userId", "heldCount", "minutesServed", "updatedAt") VALUES (${userId}, 0, 0, ${now})
    ON CONFLICT ("userId") DO UPDATE SET "updatedAt" = ${now}
    RETURNING "heldCount"`;
  return Number(rows[0]?.heldCount ?? 0);
}

/** A shift the member holds that overlaps [startsAt, endsAt), other than `exceptShiftId`. */
export function findOverlap(
  tx: Db | Tx,
  userId: string,
  span: { startsAt: Date; endsAt: Date },
  exceptShiftId: number,
) {
  return tx.shiftAssignment.findFirst({
    where: {
      userId,
      shiftId: { not: exceptShiftId },
      shift: { startsAt: { lt: span.endsAt }, endsAt: { gt: span.startsAt } },
    },
    include: { shift: { include: withRole } },
  });
}

/** The smallest reminder threshold whose moment has already passed (so no reminder goes out "24 h before" an hour before). */
export function passedReminder(startsAt: Date, now: Date, reminderHours: number[]): number | null {
  const passed = reminderHours.filter((h) => startsAt.getTime() - h * 3600_000 <= now.getTime());
  return passed.length ? Math.min(...passed) : null;
}

export type AssignOutcome = { ok: true } | { ok: false; reason: string; full?: boolean };

/**
 * Gives the member a slot of `shift`, with every rule checked, inside the caller's transaction.
 * Refusals come back as values (not thrown) so a promotion can skip a member without undoing a drop.
 * `takeSlot: false` is for an offer changing hands: the slot stays taken, only its holder changes.
 */
export async function assignInTx(
  tx: Tx,
  shift: ShiftView,
  member: { userId: string; userName: string },
  now: Date,
  config: ShiftConfig,
  opts: { takeSlot?: boolean } = {},
): Promise<AssignOutcome> {
  const held = await lockVolunteer(tx, member.userId, now);
  const existing = await tx.shiftAssignment.findUnique({
    where: { shiftId_userId: { shiftId: shift.id, userId: member.userId } },
  });
  if (existing) return { ok: false, reason: `You already hold this ${shift.role.name} shift. See /volunteer mine.` };
  const overlap = await findOverlap(tx, member.userId, shift, shift.id);
  if (overlap) {
    return {
      ok: false,
      reason: `It overlaps your ${shiftLine(overlap.shift)} shift. Drop or offer that one first (/volunteer drop, /volunteer offer).`,
    };
  }
  const max = config.MAX_SHIFTS_PER_VOLUNTEER;
  if (max !== undefined && held >= max) {
    return {
      ok: false,
      reason: `You already hold ${held} shifts, the most one volunteer may hold here (${max}). Drop one first to take another.`,
    };
  }
  if (opts.takeSlot !== false) {
    const took =
      await tx.$executeRaw`UPDATE "Shift" SET "taken" = "taken" + 1 WHERE "id" = ${shift.id} AND "taken" < "capacity"`;
    if (took !== 1) return { ok: false, full: true, reason: `This ${shift.role.name} shift is full.` };
    await adjustMetric(tx, "shift_slots_filled", 1, now);
  }
  await tx.shiftAssignment.create({
    data: {
      shiftId: shift.id,
      userId: member.userId,
      userName: member.userName.slice(0, MAX_NAME),
      claimedAt: now,
      remindedHours: passedReminder(shift.startsAt, now, config.SHIFT_REMINDER_HOURS),
    },
  });
  await tx.shiftWaitlist.deleteMany({ where: { shiftId: shift.id, userId: member.userId } });
  await moveHeld(tx, member.userId, +1, now);
  return { ok: true };
}

/** Moves the member's held count; the `volunteers` metric moves when it crosses between 0 and 1. */
export async function moveHeld(tx: Tx, userId: string, delta: 1 | -1, now: Date): Promise<void> {
  const rows = await tx.$queryRaw<{ heldCount: number | bigint }[]>`
    UPDATE "Volunteer" SET "heldCount" = "heldCount" + ${delta}, "updatedAt" = ${now} WHERE "userId" = ${userId} RETURNING "heldCount"`;
  const after = Number(rows[0]?.heldCount ?? 0);
  if (delta === 1 && after === 1) await adjustMetric(tx, "volunteers", 1, now);
  if (delta === -1 && after === 0) await adjustMetric(tx, "volunteers", -1, now);
}

/** Adds (or takes back) minutes served, on the member's row and the campaign counter together. */
export async function creditMinutes(tx: Tx, userId: string, minutes: number, now: Date): Promise<void> {
  if (minutes === 0) return;
  await tx.$executeRaw`UPDATE "Volunteer" SET "minutesServed" = "minutesServed" + ${minutes}, "updatedAt" = ${now} WHERE "userId" = ${userId}`;
  await adjustMetric(tx, "volunteer_minutes_served", minutes, now);
}

/** Takes a holder off a shift: the slot, the counters, their open offers. Returns false if they did not hold it. */
export async function releaseInTx(
  tx: Tx,
  shiftId: number,
  userId: string,
  now: Date,
  opts: { freeSlot?: boolean } = {},
): Promise<boolean> {
  const removed = await tx.shiftAssignment.deleteMany({ where: { shiftId, userId } });
  if (removed.count !== 1) return false;
  await lockVolunteer(tx, userId, now);
  await moveHeld(tx, userId, -1, now);
  await tx.shiftOffer.updateMany({
    where: { shiftId, fromUserId: userId, status: "open" },
    data: { status: "withdrawn" },
  });
  if (opts.freeSlot !== false) {
    await tx.$executeRaw`UPDATE "Shift" SET "taken" = "taken" - 1 WHERE "id" = ${shiftId} AND "taken" > 0`;
    await adjustMetric(tx, "shift_slots_filled", -1, now);
  }
  return true;
}

/**
 * Fills free slots from the waitlist, first come first served. A member who can no longer take it (they
 * now hold an overlapping shift, or the most shifts allowed) leaves the waitlist and is told why.
 */
export async function promoteFromWaitlist(tx: Tx, shiftId: number, now: Date, config: ShiftConfig): Promise<string[]> {
  const promoted: string[] = [];
  for (;;) {
    const shift = await loadShift(tx, shiftId);
    if (shift.taken >= shift.capacity || shift.startsAt <= now) return promoted;
    const next = await tx.shiftWaitlist.findFirst({ where: { shiftId }, orderBy: { id: "asc" } });
    if (!next) return promoted;
    await tx.shiftWaitlist.delete({ where: { id: next.id } });
    const outcome = await assignInTx(tx, shift, { userId: next.userId, userName: next.userName }, now, config);
    const content = outcome.ok
      ? `Good news: a slot opened and you now hold the ${shiftLine(shift)} shift. Check in with /volunteer checkin from 30 minutes before. Can't make it? /volunteer drop or /volunteer offer.`
      : `A slot opened on the ${shiftLine(shift)} shift you were waiting for, but I could not give it to you: ${outcome.reason} You are off its waitlist.`;
    await queueDm(
      tx,
      { dedupeKey: `shift-promotion:${next.id}`, userId: next.userId, content, priority: "first" },
      now,
    );
    if (outcome.ok) promoted.push(next.userId);
  }
}

export type DropResult =
  { status: "dropped"; shift: ShiftView; promoted: string[] } | { status: "left-waitlist"; shift: ShiftView };

/** The refusal of a drop within the cutoff (or after the start), or null when the drop may go ahead. */
export function dropTooLate(shift: ShiftView, now: Date, config: ShiftConfig): UserError | null {
  const cutoffMs = config.SHIFT_DROP_CUTOFF_HOURS * 3600_000;
  if (shift.startsAt.getTime() - now.getTime() >= cutoffMs && shift.startsAt > now) return null;
  return new UserError(
    `This shift starts ${shiftLine(shift).replace(/^\*\*[^*]*\*\* /, "")}: too close to drop here (the limit is ${config.SHIFT_DROP_CUTOFF_HOURS} h before). ` +
      `Tell <@${shift.createdBy}>, who set it up, or hand it over with /volunteer offer so someone else can take it.`,
  );
}

export const CHECKED_IN_REFUSAL = "You have checked in to this shift already; tell an organizer if you must leave.";

/** A drop statement by statement, with its promotions, inside the caller's transaction (shiftBatch.ts's rare path). */
export async function dropInTx(
  tx: Tx,
  config: ShiftConfig,
  shiftId: number,
  userId: string,
  now: Date,
): Promise<DropResult> {
  await lockVolunteer(tx, userId, now); // write first, as a claim does
  const shift = await loadShift(tx, shiftId);
  const holding = await tx.shiftAssignment.findUnique({ where: { shiftId_userId: { shiftId, userId } } });
  if (!holding) {
    const left = await tx.shiftWaitlist.deleteMany({ where: { shiftId, userId } });
    if (left.count === 1) return { status: "left-waitlist", shift };
    throw new UserError("You do not hold that shift. /volunteer mine lists the ones you hold.");
  }
  const late = dropTooLate(shift, now, config);
  if (late) throw late;
  if (holding.checkedInAt) throw new UserError(CHECKED_IN_REFUSAL, "conflict");
  await releaseInTx(tx, shiftId, userId, now);
  const promoted = await promoteFromWaitlist(tx, shiftId, now, config);
  return { status: "dropped", shift, promoted };
}
