// The viral minute for volunteer shifts (shiftBatch.ts): 300 members claiming one shift of 50 slots at once, some
// pressing twice, some holders dropping meanwhile, everyone told "full" joining the waitlist at once. Three runs,
// on one database client and, on PostgreSQL, on two (two queues, as two bot processes: their batches serialize
// on the shift's lock). `npm run test:postgres -- tests/shift-burst.test.ts` for PostgreSQL. Exactly the capacity held, nobody twice, the waitlist in arrival order (within each client), each
// result true to the end state, and every counter equal to a recount.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/db/client.js";
import { UserError } from "../src/errors.js";
import { readMetrics } from "../src/services/metrics.js";
import type { ShiftConfig } from "../src/services/shiftCore.js";
import { addShift } from "../src/services/shifts.js";
import { applyShiftBatch } from "../src/services/shiftBatch.js";
import { claimShift, dropShift, joinWaitlist, type Member } from "../src/services/volunteers.js";
import { freshDb, testPostgresUrl, type TestDb } from "./support/db.js";

const H = 3600_000;
const NOW = new Date("2026-12-01T12:00:00Z");
const at = (hours: number) => new Date(NOW.getTime() + hours * H);
const config: ShiftConfig = {
  SHIFT_DROP_CUTOFF_HOURS: 24,
  SHIFT_REMINDER_HOURS: [24, 2],
  CAMPAIGN_TIMEZONE: "UTC",
  MAX_SHIFTS_PER_VOLUNTEER: 3,
};
const CAPACITY = 50;
const CROWD = 300;
const HOLDERS = 20;

let t: TestDb;
let other: Db;
beforeAll(async () => {
  t = await freshDb();
  other = createDb(t.url);
});
afterAll(async () => {
  await other.$disconnect();
  await t.close();
});

const member = (tag: string, n: number): Member => ({
  userId: `7${tag}${String(n).padStart(14, "0")}`,
  userName: `member ${tag}-${n}`,
  roleIds: [],
});

/** The organizer who adds the shifts, as the audit trail records them. */
const ORGANIZER = { id: "900000000000000001", name: "Organizer" };

/** One burst on a fresh shift; `clients` take the members in turn. */
async function burst(clients: Db[], tag: string, startsIn: number) {
  const s = await addShift(
    t.db,
    {
      roleName: "Door",
      startsAt: at(startsIn),
      endsAt: at(startsIn + 3),
      capacity: CAPACITY,
      requiresRoleId: null,
      createdBy: "900000000000000001",
      now: NOW,
    },
    ORGANIZER,
  );
  const holders = Array.from({ length: HOLDERS }, (_, i) => member(`${tag}h`, i));
  for (const h of holders) expect((await claimShift(t.db, config, s.id, h, NOW)).status).toBe("claimed");

  const crowd = Array.from({ length: CROWD }, (_, i) => member(tag, i));
  const clientOf = new Map<string, number>();
  const joinOrder = clients.map(() => [] as string[]);
  const claimed = new Set<string>(holders.map((h) => h.userId));
  const dropped = new Set<string>();
  const promoted: string[] = [];
  const waitingResult = new Set<string>();
  const refusals: unknown[] = [];

  const recordDrop = (r: Awaited<ReturnType<typeof dropShift>>, userId: string) => {
    expect(r.status).toBe("dropped");
    dropped.add(userId);
    claimed.delete(userId);
    if (r.status !== "dropped") return;
    for (const p of r.promoted) {
      promoted.push(p);
      claimed.add(p);
    }
  };
  const join = async (db: Db, c: number, m: Member) => {
    if (!joinOrder[c]!.includes(m.userId)) joinOrder[c]!.push(m.userId);
    const r = await joinWaitlist(db, config, s.id, m, NOW);
    // A second press may find a slot free (a drop while nobody waited): then it takes it off the waitlist.
    if (r.status === "claimed") {
      claimed.add(m.userId);
      waitingResult.delete(m.userId);
    } else {
      waitingResult.add(m.userId);
    }
  };
  const press = async (db: Db, c: number, m: Member, dropAfter: boolean) => {
    try {
      const r = await claimShift(db, config, s.id, m, NOW);
      if (r.status === "claimed") {
        claimed.add(m.userId);
        if (dropAfter) recordDrop(await dropShift(db, config, s.id, m.userId, NOW), m.userId);
      } else {
        await join(db, c, m);
      }
    } catch (err) {
      refusals.push(err);
    }
  };

  const work: Promise<void>[] = [];
  crowd.forEach((m, i) => {
    const c = i % clients.length;
    const db = clients[c]!;
    clientOf.set(m.userId, c);
    work.push(press(db, c, m, i % 37 === 0));
    if (i % 10 === 3) work.push(press(db, c, m, false)); // a double press
    if (i % 15 === 7 && i / 15 < HOLDERS / 2) {
      const h = holders[Math.floor(i / 15)]!;
      work.push(dropShift(db, config, s.id, h.userId, NOW).then((r) => recordDrop(r, h.userId)));
    }
  });
  await Promise.all(work);
  // Then, with members waiting, more holders drop (each promotes the first waiting) while late members claim.
  const late = Array.from({ length: 5 }, (_, i) => member(`${tag}l`, i));
  late.forEach((m, i) => clientOf.set(m.userId, i % clients.length));
  await Promise.all([
    ...holders
      .slice(HOLDERS / 2, HOLDERS / 2 + 5)
      .map((h, i) =>
        dropShift(clients[i % clients.length]!, config, s.id, h.userId, NOW).then((r) => recordDrop(r, h.userId)),
      ),
    ...late.map((m, i) => press(clients[i % clients.length]!, i % clients.length, m, false)),
  ]);

  // Refusals: only the second press of a member who already held the shift.
  for (const err of refusals) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/already hold this Door shift/);
  }
  expect(dropped.size).toBeGreaterThanOrEqual(HOLDERS / 2 + 5);
  expect(promoted.length).toBeGreaterThanOrEqual(5);

  // Exactly the capacity, nobody twice, nobody both holding and waiting; the holders are those told so.
  const row = await t.db.shift.findUniqueOrThrow({ where: { id: s.id } });
  const holding = await t.db.shiftAssignment.findMany({ where: { shiftId: s.id }, select: { userId: true } });
  const waiting = (
    await t.db.shiftWaitlist.findMany({ where: { shiftId: s.id }, orderBy: { id: "asc" }, select: { userId: true } })
  ).map((w) => w.userId);
  expect(row.taken).toBe(CAPACITY);
  expect(holding).toHaveLength(CAPACITY);
  expect(new Set(holding.map((a) => a.userId)).size).toBe(CAPACITY);
  expect(new Set(holding.map((a) => a.userId))).toEqual(claimed);
  expect(new Set(waiting).size).toBe(waiting.length);
  expect(waiting.filter((u) => claimed.has(u))).toEqual([]);

  // The waitlist in arrival order: within each client, those who joined it, in the order they asked, the
  // promoted first (they came off its head) and the rest still waiting in that order.
  for (const [c, order] of joinOrder.entries()) {
    const joined = order.filter((u) => waitingResult.has(u));
    const gone = joined.filter((u) => promoted.includes(u));
    expect(joined.slice(0, gone.length)).toEqual(gone);
    expect(waiting.filter((u) => clientOf.get(u) === c)).toEqual(joined.slice(gone.length));
  }
  expect(waiting.length + promoted.length).toBe(waitingResult.size);
  return s.id;
}

async function expectCountersEqualRecount() {
  const metrics = await readMetrics(t.db);
  const shifts = await t.db.shift.findMany({ include: { _count: { select: { assignments: true } } } });
  for (const s of shifts) expect(s.taken).toBe(s._count.assignments);
  expect(metrics.shift_slots_filled).toBe(shifts.reduce((sum, s) => sum + s.taken, 0));
  const perMember = await t.db.shiftAssignment.groupBy({ by: ["userId"], _count: { _all: true } });
  const volunteers = await t.db.volunteer.findMany();
  const held = new Map(perMember.map((p) => [p.userId, p._count._all]));
  for (const v of volunteers) expect([v.userId, v.heldCount]).toEqual([v.userId, held.get(v.userId) ?? 0]);
  expect(metrics.volunteers).toBe(perMember.length);
}

describe("300 members claiming one shift of 50 slots at once", () => {
  it("one process: exactly 50 hold it, the waitlist in arrival order, nobody twice, counters equal a recount", async () => {
    for (let run = 0; run < 3; run++) {
      await burst([t.db], `1${run}`, 100 + run * 10);
      await expectCountersEqualRecount();
    }
  });

  // PostgreSQL only: two SQLite clients in one process would wait for each other's lock with the event loop
  // blocked (better-sqlite3 is synchronous), which separate processes do not.
  it.skipIf(!testPostgresUrl())(
    "two processes (two clients, two queues): the same, arrival order within each",
    async () => {
      for (let run = 0; run < 3; run++) {
        await burst([t.db, other], `2${run}`, 200 + run * 10);
        await expectCountersEqualRecount();
      }
    },
  );
});

describe("one batch with every kind of claim and drop", () => {
  it("decides each in arrival order: a double press, a drop freeing a slot, joins, a drop that promotes, refusals", async () => {
    const s = await addShift(
      t.db,
      {
        roleName: "Bar",
        startsAt: at(500),
        endsAt: at(504),
        capacity: 2,
        requiresRoleId: null,
        createdBy: "900000000000000001",
        now: NOW,
      },
      ORGANIZER,
    );
    const [a, b, c, d, e] = [0, 1, 2, 3, 4].map((n) => member("9", n));
    await claimShift(t.db, config, s.id, a!, NOW);
    const claim = (m: Member, kind: "claim" | "join" = "claim") => ({ kind, member: m, now: NOW, config });
    const drop = (m: Member, cfg = config) => ({ kind: "drop" as const, userId: m.userId, now: NOW, config: cfg });
    const outcomes = await applyShiftBatch(t.db, s.id, [
      claim(b!), // the last slot
      claim(b!), // a double press
      claim(c!), // full
      drop(a!), // frees a slot: nobody waits yet
      claim(c!), // takes it
      claim(d!, "join"), // full: waits, first
      claim(e!, "join"), // waits, second
      drop(b!, { ...config, SHIFT_DROP_CUTOFF_HOURS: 1000 }), // too late to drop
      drop(e!), // leaves the waitlist
      drop(c!), // promotes d, statement by statement
      drop(a!), // no longer holds it
    ]);
    const show = outcomes.map((o) => ("ok" in o ? o.ok.status : (o.err as Error).message.slice(0, 16)));
    expect(show).toEqual([
      "claimed",
      "You already hold",
      "full",
      "dropped",
      "claimed",
      "waiting",
      "waiting",
      "This shift start",
      "left-waitlist",
      "dropped",
      "You do not hold ",
    ]);
    expect(outcomes[5]).toMatchObject({ ok: { position: 1 } });
    expect(outcomes[6]).toMatchObject({ ok: { position: 2 } });
    expect(outcomes[9]).toMatchObject({ ok: { promoted: [d!.userId] } });
    const holders = await t.db.shiftAssignment.findMany({ where: { shiftId: s.id }, orderBy: { userId: "asc" } });
    expect(holders.map((h) => h.userId)).toEqual([b!.userId, d!.userId]);
    expect(await t.db.shiftWaitlist.count({ where: { shiftId: s.id } })).toBe(0);
    expect((await t.db.shift.findUniqueOrThrow({ where: { id: s.id } })).taken).toBe(2);
    await expectCountersEqualRecount();
  });
});
