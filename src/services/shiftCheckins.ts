// Check-ins and no-shows. Minutes served are credited at check-in, for the shift's whole true length:
// the check-in is the one moment we observe, it happens once (a conditional update), and it needs no job
// to notice when shifts end. A no-show recorded later takes the minutes back.
import type { Db, Tx } from "../db/client.js";
import { UserError } from "../errors.js";
import { recordAudit, type Actor } from "./audit.js";
import {
  CHECKIN_OPENS_MS,
  creditMinutes,
  inTx,
  loadShift,
  shiftLine,
  shiftMinutes,
  shiftSubject,
  withRole,
  type ShiftView,
} from "./shiftCore.js";
import { discordTime } from "./time.js";

export interface CheckinResult {
  shift: ShiftView;
  minutes: number;
}

/** The member checks in to their shift that is open for check-in now (30 min before its start until its end). */
export async function checkInSelf(db: Db, userId: string, now: Date): Promise<CheckinResult> {
  return inTx(db, async (tx) => {
    const open = await tx.shiftAssignment.findFirst({
      where: {
        userId,
        checkedInAt: null,
        shift: { startsAt: { lte: new Date(now.getTime() + CHECKIN_OPENS_MS) }, endsAt: { gt: now } },
      },
      include: { shift: { include: withRole } },
      orderBy: { shift: { startsAt: "asc" } },
    });
    if (!open) {
      const next = await tx.shiftAssignment.findFirst({
        where: { userId, checkedInAt: null, shift: { startsAt: { gt: now } } },
        include: { shift: { include: withRole } },
        orderBy: { shift: { startsAt: "asc" } },
      });
      if (next) {
        const opens = new Date(next.shift.startsAt.getTime() - CHECKIN_OPENS_MS);
        throw new UserError(
          `Check-in for your ${shiftLine(next.shift)} shift opens ${discordTime(opens, "R")}, 30 minutes before it starts.`,
        );
      }
      throw new UserError(
        "You have no shift to check in to right now. /volunteer mine lists yours; /volunteer shifts lists open ones.",
      );
    }
    return record(tx, open.shift, userId, userId, now);
  });
}

/** An organizer checks a member in (from 30 minutes before the start; also after the end, to fix the record). */
export async function checkInMember(
  db: Db,
  shiftId: number,
  userId: string,
  now: Date,
  actor: Actor,
): Promise<CheckinResult> {
  return inTx(db, async (tx) => {
    const shift = await loadShift(tx, shiftId);
    if (now.getTime() < shift.startsAt.getTime() - CHECKIN_OPENS_MS) {
      throw new UserError(
        `Check-in for this shift opens ${discordTime(new Date(shift.startsAt.getTime() - CHECKIN_OPENS_MS), "R")}.`,
      );
    }
    const result = await record(tx, shift, userId, actor.id, now);
    await recordAudit(tx, actor, now, {
      kind: "shift.checkin",
      subject: shiftSubject(shift),
      memberId: userId,
      after: { checkedIn: true, minutes: result.minutes },
    });
    return result;
  });
}

async function record(tx: Tx, shift: ShiftView, userId: string, by: string, now: Date): Promise<CheckinResult> {
  // Once only: the update finds the row only while it is not checked in.
  const done = await tx.shiftAssignment.updateMany({
    where: { shiftId: shift.id, userId, checkedInAt: null },
    data: { checkedInAt: now, checkedInBy: by, noShow: false },
  });
  if (done.count !== 1) {
    const held = await tx.shiftAssignment.findUnique({ where: { shiftId_userId: { shiftId: shift.id, userId } } });
    throw new UserError(
      held
        ? "Already checked in to this shift."
        : `<@${userId}> does not hold this ${shift.role.name} shift. /shifts roster shows who does.`,
    );
  }
  const minutes = shiftMinutes(shift);
  await creditMinutes(tx, userId, minutes, now);
  return { shift, minutes };
}

/** Records a no-show once the shift has started; minutes credited by a check-in are taken back. */
export async function markNoShow(
  db: Db,
  shiftId: number,
  userId: string,
  now: Date,
  actor: Actor,
): Promise<{ shift: ShiftView; minutesTakenBack: number }> {
  return inTx(db, async (tx) => {
    const shift = await loadShift(tx, shiftId);
    if (shift.startsAt > now)
      throw new UserError(
        `This shift has not started yet (${discordTime(shift.startsAt, "R")}); a no-show can only be recorded from its start.`,
      );
    const held = await tx.shiftAssignment.findUnique({ where: { shiftId_userId: { shiftId, userId } } });
    if (!held)
      throw new UserError(`<@${userId}> does not hold this ${shift.role.name} shift. /shifts roster shows who does.`);
    // Two conditional updates rather than a read of checkedInAt: minutes go back only if this statement un-did a check-in.
    const wasIn = await tx.shiftAssignment.updateMany({
      where: { id: held.id, noShow: false, checkedInAt: { not: null } },
      data: { noShow: true, checkedInAt: null, checkedInBy: null },
    });
    const wasOut = wasIn.count
      ? wasIn
      : await tx.shiftAssignment.updateMany({ where: { id: held.id, noShow: false }, data: { noShow: true } });
    if (wasOut.count !== 1) throw new UserError("Already recorded as a no-show.");
    const minutesTakenBack = wasIn.count ? shiftMinutes(shift) : 0;
    await creditMinutes(tx, userId, -minutesTakenBack, now);
    await recordAudit(tx, actor, now, {
      kind: "shift.noshow",
      subject: shiftSubject(shift),
      memberId: userId,
      before: { checkedIn: wasIn.count > 0, noShow: false },
      after: { noShow: true, minutesTakenBack },
    });
    return { shift, minutesTakenBack };
  });
}
