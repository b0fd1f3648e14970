// Shifts as organizers run them: volunteer roles, adding, editing and removing shifts, the roster and the
// export. Every change to capacity or holders moves the campaign counters in the same transaction.
import type { Db, DbOrTx } from "../db/client.js";
import { UserError } from "../errors.js";
import { changedValues, recordAudit, type Actor } from "./audit.js";
import { csvStream, paged, type Cell } from "./csv.js";
import { queueDm } from "./directMessages.js";
import { adjustMetric } from "./metrics.js";
import {
  creditMinutes,
  findOverlap,
  inTx,
  loadShift,
  passedReminder,
  promoteFromWaitlist,
  shiftFields,
  shiftLine,
  shiftMinutes,
  shiftSubject,
  withRole,
  type ShiftConfig,
  type ShiftView,
} from "./shiftCore.js";
import { plainTime } from "./time.js";

export const MAX_ROLE_NAME = 50;
export const MAX_DESCRIPTION = 200;
export const MAX_CAPACITY = 500;
/** Longer than this is almost certainly a typo in a date (a shift of several days). */
export const MAX_SHIFT_HOURS = 24;

function cleanRoleName(name: string): string {
  const clean = name.replace(/\s+/g, " ").trim();
  if (!clean) throw new UserError("Give the volunteer role a name, such as Door or Stage crew.");
  if (clean.length > MAX_ROLE_NAME)
    throw new UserError(`Role names are at most ${MAX_ROLE_NAME} characters; try a shorter one.`);
  return clean;
}

/** The role of that name, created on first use; "door" and "Door" are one role. */
export async function ensureRole(db: DbOrTx, name: string) {
  const clean = cleanRoleName(name);
  return db.shiftRole.upsert({
    where: { key: clean.toLowerCase() },
    create: { name: clean, key: clean.toLowerCase() },
    update: {},
  });
}

/** Existing roles whose name contains `query`, for autocomplete. */
export function searchRoles(db: DbOrTx, query: string) {
  const q = query.trim().toLowerCase().slice(0, MAX_ROLE_NAME);
  return db.shiftRole.findMany({ where: q ? { key: { contains: q } } : {}, orderBy: { name: "asc" }, take: 25 });
}

export async function findRole(db: DbOrTx, name: string | null | undefined) {
  if (!name) return null;
  const role = await db.shiftRole.findUnique({ where: { key: name.trim().toLowerCase() } });
  if (!role)
    throw new UserError(
      `There is no volunteer role called "${name.slice(0, MAX_ROLE_NAME)}". Pick one from the suggestions.`,
    );
  return role;
}

function checkTimes(startsAt: Date, endsAt: Date, now: Date): void {
  if (endsAt <= startsAt)
    throw new UserError(
      "The shift must end after it starts. If it crosses midnight, give the end with its date (2026-12-06 02:00).",
    );
  if (endsAt.getTime() - startsAt.getTime() > MAX_SHIFT_HOURS * 3600_000) {
    throw new UserError(`A shift lasts at most ${MAX_SHIFT_HOURS} hours; split a longer one into several shifts.`);
  }
  if (startsAt <= now) throw new UserError("That start is in the past. Give a time still to come.");
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY)
    throw new UserError(`Capacity is a whole number from 1 to ${MAX_CAPACITY}.`);
}

function cleanDescription(text: string | null | undefined): string | null {
  const clean = text?.trim() ?? "";
  if (clean.length > MAX_DESCRIPTION) throw new UserError(`The description is at most ${MAX_DESCRIPTION} characters.`);
  return clean || null;
}

export interface AddShiftInput {
  roleName: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  description?: string | null;
  requiresRoleId?: string | null;
  createdBy: string;
  now: Date;
}

export async function addShift(db: Db, input: AddShiftInput, actor: Actor): Promise<ShiftView> {
  checkTimes(input.startsAt, input.endsAt, input.now);
  checkCapacity(input.capacity);
  const description = cleanDescription(input.description);
  return inTx(db, async (tx) => {
    const role = await ensureRole(tx, input.roleName);
    const shift = await tx.shift.create({
      data: {
        roleId: role.id,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        capacity: input.capacity,
        description,
        requiresRoleId: input.requiresRoleId ?? null,
        createdBy: input.createdBy,
        createdAt: input.now,
      },
      include: withRole,
    });
    await adjustMetric(tx, "shift_slots_total", input.capacity, input.now);
    await recordAudit(tx, actor, input.now, {
      kind: "shift.create",
      subject: shiftSubject(shift),
      after: shiftFields(shift),
    });
    return shift;
  });
}

export interface EditShiftInput {
  shiftId: number;
  roleName?: string | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
  capacity?: number | null;
  description?: string | null;
  /** A role id to require, null to require none, undefined to leave as is. */
  requiresRoleId?: string | null;
  now: Date;
}

export interface EditResult {
  shift: ShiftView;
  /** Holders whose other shifts the new times overlap: the organizer is told who. */
  conflicts: { userId: string; userName: string; other: ShiftView }[];
  promoted: string[];
}

export async function editShift(db: Db, config: ShiftConfig, input: EditShiftInput, actor: Actor): Promise<EditResult> {
  return inTx(db, async (tx) => {
    const before = await loadShift(tx, input.shiftId);
    const startsAt = input.startsAt ?? before.startsAt;
    const endsAt = input.endsAt ?? before.endsAt;
    const moved = startsAt.getTime() !== before.startsAt.getTime() || endsAt.getTime() !== before.endsAt.getTime();
    if (moved) checkTimes(startsAt, endsAt, input.now);
    const capacity = input.capacity ?? before.capacity;
    checkCapacity(capacity);
    const description =
      input.description === undefined || input.description === null
        ? before.description
        : cleanDescription(input.description);
    const role = input.roleName ? await ensureRole(tx, input.roleName) : null;

    // Never below the slots already taken: one conditional statement, not a read of `taken`.
    const updated =
      await tx.$executeRaw`UPDATE "Shift" SET "capacity" = ${capacity} WHERE "id" = ${before.id} AND "taken" <= ${capacity}`;
    if (updated !== 1) {
      throw new UserError(
        `${before.taken} volunteers hold this shift, so its capacity cannot go below ${before.taken}. Ask some to drop first, or keep the capacity.`,
      );
    }
    if (capacity !== before.capacity)
      await adjustMetric(tx, "shift_slots_total", capacity - before.capacity, input.now);
    await tx.shift.update({
      where: { id: before.id },
      data: {
        startsAt,
        endsAt,
        description,
        ...(role ? { roleId: role.id } : {}),
        ...(input.requiresRoleId !== undefined ? { requiresRoleId: input.requiresRoleId } : {}),
      },
    });
    const shift = await loadShift(tx, before.id);

    const conflicts: EditResult["conflicts"] = [];
    if (moved) {
      const holders = await tx.shiftAssignment.findMany({ where: { shiftId: shift.id }, orderBy: { id: "asc" } });
      const lengthChange = shiftMinutes(shift) - shiftMinutes(before);
      for (const holder of holders) {
        const overlap = await findOverlap(tx, holder.userId, shift, shift.id);
        if (overlap) conflicts.push({ userId: holder.userId, userName: holder.userName, other: overlap.shift });
        // Reminders follow the new time: thresholds still to come will be sent again.
        await tx.shiftAssignment.update({
          where: { id: holder.id },
          data: { remindedHours: passedReminder(startsAt, input.now, config.SHIFT_REMINDER_HOURS) },
        });
        if (holder.checkedInAt && !holder.noShow) await creditMinutes(tx, holder.userId, lengthChange, input.now);
        await queueDm(
          tx,
          {
            dedupeKey: `shift-moved:${shift.id}:${holder.userId}:${startsAt.getTime()}:${endsAt.getTime()}`,
            userId: holder.userId,
            content: `Your ${before.role.name} shift has new times: ${shiftLine(shift)}.${overlap ? ` It now overlaps your ${shiftLine(overlap.shift)} shift; an organizer knows, but please drop or offer one of them.` : ""} Can't make it? /volunteer drop or /volunteer offer.`,
          },
          input.now,
        );
      }
    }
    const promoted = capacity > before.capacity ? await promoteFromWaitlist(tx, shift.id, input.now, config) : [];
    const diff = changedValues(shiftFields(before), shiftFields(shift));
    await recordAudit(tx, actor, input.now, {
      kind: "shift.edit",
      subject: shiftSubject(shift),
      before: diff?.before ?? {},
      after: { ...diff?.after, ...(promoted.length ? { promoted: promoted.length } : {}) },
    });
    return { shift: promoted.length ? await loadShift(tx, shift.id) : shift, conflicts, promoted };
  });
}

/** Removes a shift: its holders and waitlist are told by DM; minutes already served stay served. */
export async function removeShift(
  db: Db,
  shiftId: number,
  now: Date,
  actor: Actor,
): Promise<{ shift: ShiftView; told: number }> {
  return inTx(db, async (tx) => {
    const shift = await loadShift(tx, shiftId);
    const holders = await tx.shiftAssignment.findMany({ where: { shiftId } });
    const waiting = await tx.shiftWaitlist.findMany({ where: { shiftId } });
    for (const holder of holders) {
      const rows = await tx.$queryRaw<{ heldCount: number | bigint }[]>`
        UPDATE "Volunteer" SET "heldCount" = "heldCount" - 1, "updatedAt" = ${now} WHERE "userId" = ${holder.userId} RETURNING "heldCount"`;
      if (Number(rows[0]?.heldCount ?? -1) === 0) await adjustMetric(tx, "volunteers", -1, now);
    }
    const told = [
      ...holders.map((h) => ({ userId: h.userId, what: "you held" })),
      ...waiting.map((w) => ({ userId: w.userId, what: "you were waiting for" })),
    ];
    for (const person of told) {
      await queueDm(
        tx,
        {
          dedupeKey: `shift-removed:${shiftId}:${person.userId}`,
          userId: person.userId,
          content: `The ${shiftLine(shift)} shift ${person.what} was cancelled by the organizers. Thank you! See /volunteer shifts for others.`,
        },
        now,
      );
    }
    await tx.shift.delete({ where: { id: shiftId } });
    await adjustMetric(tx, "shift_slots_total", -shift.capacity, now);
    if (shift.taken) await adjustMetric(tx, "shift_slots_filled", -shift.taken, now);
    await recordAudit(tx, actor, now, {
      kind: "shift.delete",
      subject: shiftSubject(shift),
      before: { ...shiftFields(shift), holders: holders.length, waiting: waiting.length },
    });
    return { shift, told: holders.length + waiting.length };
  });
}

/** Shifts for an organizer's autocomplete: upcoming first (and those of the last day, for check-ins). */
export function searchShifts(db: DbOrTx, query: string, now: Date, userId?: string | null) {
  const q = query.trim().toLowerCase().slice(0, MAX_ROLE_NAME);
  return db.shift.findMany({
    where: {
      endsAt: { gt: new Date(now.getTime() - 24 * 3600_000) },
      ...(q ? { role: { key: { contains: q } } } : {}),
      ...(userId ? { assignments: { some: { userId } } } : {}),
    },
    include: withRole,
    orderBy: { startsAt: "asc" },
    take: 25,
  });
}

export interface RosterFilter {
  from?: Date;
  to?: Date;
  roleId?: number;
}

/** Shifts with who holds them and who waits, in time order (a page of them). */
export function roster(db: DbOrTx, filter: RosterFilter, take = 25) {
  return db.shift.findMany({
    where: {
      ...(filter.from || filter.to
        ? { startsAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
        : {}),
      ...(filter.roleId ? { roleId: filter.roleId } : {}),
    },
    include: { ...withRole, assignments: { orderBy: { id: "asc" } }, waitlist: { orderBy: { id: "asc" } } },
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    take,
  });
}

export const EXPORT_HEADER = [
  "shift_id",
  "role",
  "starts_utc",
  "ends_utc",
  "starts_local",
  "minutes",
  "capacity",
  "taken",
  "member_id",
  "member_name",
  "status",
  "checked_in_at",
  "no_show",
];

/** Every holder and waiter of every shift as CSV rows, read page by page (formula-safe through csvStream). */
export function exportShifts(db: Db, timeZone: string) {
  async function* rows(): AsyncIterable<Cell[]> {
    for await (const shift of paged(
      (after, take) =>
        db.shift.findMany({
          where: { id: { gt: after } },
          include: { ...withRole, assignments: { orderBy: { id: "asc" } }, waitlist: { orderBy: { id: "asc" } } },
          orderBy: { id: "asc" },
          take,
        }),
      100,
    )) {
      const base: Cell[] = [
        shift.id,
        shift.role.name,
        shift.startsAt,
        shift.endsAt,
        plainTime(shift.startsAt, timeZone),
        shiftMinutes(shift),
        shift.capacity,
        shift.taken,
      ];
      if (!shift.assignments.length && !shift.waitlist.length) yield [...base, "", "", "open", "", ""];
      for (const a of shift.assignments)
        yield [
          ...base,
          a.userId,
          a.userName,
          a.noShow ? "no-show" : a.checkedInAt ? "checked in" : "holding",
          a.checkedInAt,
          a.noShow,
        ];
      for (const w of shift.waitlist) yield [...base, w.userId, w.userName, "waitlisted", "", ""];
    }
  }
  return csvStream(EXPORT_HEADER, rows());
}
