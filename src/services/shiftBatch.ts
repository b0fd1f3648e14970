// Group commit for volunteer shifts (src/services/groupCommit.ts): claims, waitlist joins and drops on one shift
// that arrive while a batch for that shift is being written go into the next batch, in one transaction:
//
//   lock the shift (one UPDATE) · lock the batch's members (one INSERT … ON CONFLICT, in userId order) · read
//   the shift, the members' places on it, their overlapping shifts and their waitlist places (one query each)
//   · decide every claim, join and drop in arrival order, in memory, with the rules of volunteers.ts · write
//   what changed: assignments deleted and inserted, offers withdrawn, waitlist rows deleted and inserted in
//   arrival order (one statement each), the shift's slots taken (one UPDATE), the members' held counts (one
//   UPDATE each way), the campaign counters.
//
// Each member gets their own result or refusal. The batch holds the shift's lock, so batches of several
// processes serialize, and capacity, one assignment per member, the most shifts per volunteer, overlaps, the
// drop cut-off and the counters hold as they did claim by claim. A drop while members wait (it promotes) is
// applied statement by statement (shiftCore.ts: dropInTx) after what came before it is written, then the batch
// reads its state again: the first waiting get the slot, as before.
import type { Db, Tx } from "../db/client.js";
import { Prisma } from "../generated/prisma/client.js";
import { UserError } from "../errors.js";
import { groupCommit, type Outcome } from "./groupCommit.js";
import { adjustMetric } from "./metrics.js";
import {
  CHECKED_IN_REFUSAL,
  dropInTx,
  dropTooLate,
  inTx,
  loadShift,
  MAX_NAME,
  passedReminder,
  requireFuture,
  requireRole,
  shiftLine,
  withRole,
  type DropResult,
  type Member,
  type ShiftConfig,
  type ShiftView,
} from "./shiftCore.js";

/** A claim, a claim that joins the waitlist when the shift is full, or a drop (or leaving the waitlist). */
export type ShiftOp =
  | { kind: "claim" | "join"; member: Member; now: Date; config: ShiftConfig }
  | { kind: "drop"; userId: string; now: Date; config: ShiftConfig };

export type ShiftOpResult =
  | { status: "claimed"; shift: ShiftView }
  | { status: "full"; shift: ShiftView; onWaitlist: boolean }
  | { status: "waiting"; shift: ShiftView; position: number }
  | DropResult;

const ops = groupCommit<ShiftOp, ShiftOpResult>(applyShiftBatch);

/** Queues the claim or drop behind the shift's batch in flight (if any); resolves with this member's result. */
export async function submitShiftOp(db: Db, shiftId: number, op: ShiftOp): Promise<ShiftOpResult> {
  if (!Number.isSafeInteger(shiftId)) await loadShift(db, shiftId); // refuses, touching nothing
  return ops.submit(db, shiftId, op);
}

function userOf(op: ShiftOp): string {
  return op.kind === "drop" ? op.userId : op.member.userId;
}

/** The shift and the batch's members as the batch sees them (`taken` and the maps move as it decides). */
interface State {
  shift: ShiftView;
  held: Map<string, number>;
  /** Members of the batch holding this shift, and whether they checked in. */
  holding: Map<string, boolean>;
  overlap: Map<string, ShiftView>;
  /** Members of the batch on this shift's waitlist. */
  waiting: Set<string>;
  /** Everyone on this shift's waitlist. */
  waitCount: number;
}

async function load(tx: Tx, shiftId: number, userIds: string[], now: Date): Promise<State | null> {
  // The shift first, then its members in one order: the order of a promotion (shiftCore.ts) and of an
  // organizer's edit, so none of them waits in a circle with a batch; two batches of different shifts take
  // the members they share in the same order.
  if ((await tx.$executeRaw`UPDATE "Shift" SET "taken" = "taken" WHERE "id" = ${shiftId}`) !== 1) return null;
  const values = userIds.map((u) => Prisma.sql`(${u}, 0, 0, ${now})`);
  const locked = await tx.$queryRaw<{ userId: string; heldCount: number | bigint }[]>`
    INSERT INTO "Volunteer" ("userId", "heldCount", "minutesServed", "updatedAt") VALUES ${Prisma.join(values)}
    ON CONFLICT ("userId") DO UPDATE SET "updatedAt" = excluded."updatedAt"
    RETURNING "userId", "heldCount"`;
  const shift = await tx.shift.findUniqueOrThrow({ where: { id: shiftId }, include: withRole });
  const mine = await tx.shiftAssignment.findMany({
    where: { shiftId, userId: { in: userIds } },
    select: { userId: true, checkedInAt: true },
  });
  const overlapping = await tx.shiftAssignment.findMany({
    where: {
      userId: { in: userIds },
      shiftId: { not: shiftId },
      shift: { startsAt: { lt: shift.endsAt }, endsAt: { gt: shift.startsAt } },
    },
    include: { shift: { include: withRole } },
  });
  const waiting = await tx.shiftWaitlist.findMany({
    where: { shiftId, userId: { in: userIds } },
    select: { userId: true },
  });
  const waitCount = await tx.shiftWaitlist.count({ where: { shiftId } });
  const overlap = new Map<string, ShiftView>();
  for (const a of overlapping) if (!overlap.has(a.userId)) overlap.set(a.userId, a.shift);
  return {
    shift,
    held: new Map(locked.map((r) => [r.userId, Number(r.heldCount)])),
    holding: new Map(mine.map((a) => [a.userId, a.checkedInAt !== null])),
    overlap,
    waiting: new Set(waiting.map((w) => w.userId)),
    waitCount,
  };
}

interface Claimed {
  userName: string;
  claimedAt: Date;
  remindedHours: number | null;
}

/**
 * Applies claims, joins and drops on one shift, in the order given, in one transaction; one outcome each.
 * Exported for tests; callers go through volunteers.ts.
 */
export async function applyShiftBatch(db: Db, shiftId: number, inputs: ShiftOp[]): Promise<Outcome<ShiftOpResult>[]> {
  const outcomes: Outcome<ShiftOpResult>[] = new Array(inputs.length);
  const latest = new Date(Math.max(...inputs.map((i) => i.now.getTime())));
  const userIds = [...new Set(inputs.map(userOf))].sort();
  await inTx(db, async (tx) => {
    const loaded = await load(tx, shiftId, userIds, latest);
    if (!loaded) {
      const err = new UserError(
        "That shift no longer exists. Pick one from the list: start typing and choose from the suggestions.",
        "not_found",
      );
      inputs.forEach((_, i) => (outcomes[i] = { err }));
      return;
    }
    let st: State = loaded;

    // What was decided since the last write, as differences from what the database holds.
    let baseTaken = st.shift.taken;
    let baseHeld = new Map(st.held);
    let deleted = new Set<string>(); // assignments in the database given back
    let inserted = new Map<string, Claimed>(); // assignments to write, in arrival order
    let leftWait = new Set<string>(); // waitlist rows in the database to delete
    let joined = new Map<string, { userName: string; createdAt: Date }>(); // waitlist rows to write, in order
    let placed: { index: number; userId: string; shift: ShiftView }[] = []; // joins answered with a place

    async function flush(): Promise<void> {
      if (deleted.size) {
        const gone = [...deleted];
        await tx.shiftAssignment.deleteMany({ where: { shiftId, userId: { in: gone } } });
        await tx.shiftOffer.updateMany({
          where: { shiftId, fromUserId: { in: gone }, status: "open" },
          data: { status: "withdrawn" },
        });
      }
      if (leftWait.size) await tx.shiftWaitlist.deleteMany({ where: { shiftId, userId: { in: [...leftWait] } } });
      if (inserted.size) {
        await tx.shiftAssignment.createMany({
          data: [...inserted].map(([userId, c]) => ({ shiftId, userId, ...c })),
        });
      }
      if (joined.size) {
        await tx.shiftWaitlist.createMany({
          data: [...joined].map(([userId, w]) => ({ shiftId, userId, ...w })),
        });
      }
      const slots = st.shift.taken - baseTaken;
      if (slots) await tx.$executeRaw`UPDATE "Shift" SET "taken" = "taken" + ${slots} WHERE "id" = ${shiftId}`;
      const up: string[] = [];
      const down: string[] = [];
      let volunteers = 0;
      for (const [u, after] of st.held) {
        const before = baseHeld.get(u)!;
        if (after > before) up.push(u);
        if (after < before) down.push(u);
        if (before === 0 && after > 0) volunteers++;
        if (before > 0 && after === 0) volunteers--;
      }
      if (up.length)
        await tx.volunteer.updateMany({
          where: { userId: { in: up } },
          data: { heldCount: { increment: 1 }, updatedAt: latest },
        });
      if (down.length)
        await tx.volunteer.updateMany({
          where: { userId: { in: down } },
          data: { heldCount: { decrement: 1 }, updatedAt: latest },
        });
      await adjustMetric(tx, "shift_slots_filled", slots, latest);
      await adjustMetric(tx, "volunteers", volunteers, latest);
      if (placed.length) {
        const order = (
          await tx.shiftWaitlist.findMany({ where: { shiftId }, orderBy: { id: "asc" }, select: { userId: true } })
        ).map((w) => w.userId);
        for (const p of placed) {
          outcomes[p.index] = { ok: { status: "waiting", shift: p.shift, position: order.indexOf(p.userId) + 1 } };
        }
      }
      baseTaken = st.shift.taken;
      baseHeld = new Map(st.held);
      deleted = new Set();
      inserted = new Map();
      leftWait = new Set();
      joined = new Map();
      placed = [];
    }

    const snapshot = (): ShiftView => ({ ...st.shift });
    const offWaitlist = (u: string) => {
      if (!st.waiting.delete(u)) return;
      st.waitCount--;
      if (!joined.delete(u)) leftWait.add(u);
    };

    for (const [index, op] of inputs.entries()) {
      const u = userOf(op);
      // A member told their waitlist place in this batch who now leaves it (or may): write first, so the
      // place they were told is the one they had.
      if (placed.some((p) => p.userId === u)) await flush();
      try {
        if (op.kind === "drop") {
          if (!st.holding.has(u)) {
            if (!st.waiting.has(u))
              throw new UserError("You do not hold that shift. /volunteer mine lists the ones you hold.");
            offWaitlist(u);
            outcomes[index] = { ok: { status: "left-waitlist", shift: snapshot() } };
            continue;
          }
          const late = dropTooLate(st.shift, op.now, op.config);
          if (late) throw late;
          if (st.holding.get(u)) throw new UserError(CHECKED_IN_REFUSAL, "conflict");
          if (st.waitCount > 0) {
            // The slot goes to the first waiting: write what came before, then this drop and its promotions.
            await flush();
            outcomes[index] = { ok: await dropInTx(tx, op.config, shiftId, u, op.now) };
            st = (await load(tx, shiftId, userIds, latest))!;
            baseTaken = st.shift.taken;
            baseHeld = new Map(st.held);
            continue;
          }
          const shift = snapshot();
          st.holding.delete(u);
          if (!inserted.delete(u)) deleted.add(u);
          st.shift.taken--;
          st.held.set(u, st.held.get(u)! - 1);
          outcomes[index] = { ok: { status: "dropped", shift, promoted: [] } };
          continue;
        }

        const { member, now, config } = op;
        requireFuture(st.shift, now);
        requireRole(st.shift, member);
        if (st.holding.has(u))
          throw new UserError(`You already hold this ${st.shift.role.name} shift. See /volunteer mine.`);
        const overlap = st.overlap.get(u);
        if (overlap)
          throw new UserError(
            `It overlaps your ${shiftLine(overlap)} shift. Drop or offer that one first (/volunteer drop, /volunteer offer).`,
          );
        const held = st.held.get(u)!;
        const max = config.MAX_SHIFTS_PER_VOLUNTEER;
        if (max !== undefined && held >= max)
          throw new UserError(
            `You already hold ${held} shifts, the most one volunteer may hold here (${max}). Drop one first to take another.`,
          );
        if (st.shift.taken < st.shift.capacity) {
          st.shift.taken++;
          st.held.set(u, held + 1);
          st.holding.set(u, false);
          inserted.set(u, {
            userName: member.userName.slice(0, MAX_NAME),
            claimedAt: now,
            remindedHours: passedReminder(st.shift.startsAt, now, config.SHIFT_REMINDER_HOURS),
          });
          offWaitlist(u);
          outcomes[index] = { ok: { status: "claimed", shift: snapshot() } };
        } else if (op.kind === "claim") {
          outcomes[index] = { ok: { status: "full", shift: snapshot(), onWaitlist: st.waiting.has(u) } };
        } else {
          if (!st.waiting.has(u)) {
            st.waiting.add(u);
            st.waitCount++;
            joined.set(u, { userName: member.userName.slice(0, MAX_NAME), createdAt: now });
          }
          placed.push({ index, userId: u, shift: snapshot() });
        }
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        outcomes[index] = { err };
      }
    }
    await flush();
  });
  return outcomes;
}
