// Volunteer rules against a real database: claim, capacity under a burst, overlap (also concurrent),
// the most shifts per volunteer, required roles, drop with cutoff and promotion, offers, check-in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMetrics } from "../src/services/metrics.js";
import { checkInMember, checkInSelf, markNoShow } from "../src/services/shiftCheckins.js";
import type { ShiftConfig } from "../src/services/shiftCore.js";
import { addShift } from "../src/services/shifts.js";
import {
  claimableShifts,
  claimShift,
  dropShift,
  joinWaitlist,
  myShifts,
  offerShift,
  openShifts,
  takeOffer,
  type Member,
} from "../src/services/volunteers.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

const H = 3600_000;
const NOW = new Date("2026-12-01T12:00:00Z");
const at = (hours: number) => new Date(NOW.getTime() + hours * H);
const config: ShiftConfig = {
  SHIFT_DROP_CUTOFF_HOURS: 24,
  SHIFT_REMINDER_HOURS: [24, 2],
  CAMPAIGN_TIMEZONE: "UTC",
  MAX_SHIFTS_PER_VOLUNTEER: undefined,
};
const member = (n: string | number, roleIds: string[] = []): Member => ({
  userId: `1000000000000000${String(n).padStart(3, "0")}`,
  userName: `member ${n}`,
  roleIds,
});
const ORGANIZER = "900000000000000001";

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t.close());

function shift(role: string, from: number, to: number, capacity = 3, requiresRoleId: string | null = null) {
  return addShift(
    t.db,
    {
      roleName: role,
      startsAt: at(from),
      endsAt: at(to),
      capacity,
      requiresRoleId,
      createdBy: ORGANIZER,
      now: NOW,
    },
    organizer(),
  );
}

describe("claiming", () => {
  it("a hundred members claiming 5 slots at once: exactly 5 claims, counters in step", async () => {
    for (let run = 0; run < 3; run++) {
      const before = await readMetrics(t.db);
      const s = await shift("Door", 100 + run * 10, 103 + run * 10, 5);
      const crowd = Array.from({ length: 100 }, (_, i) => member(String(run * 100 + i)));
      const results = await Promise.all(crowd.map((m) => claimShift(t.db, config, s.id, m, NOW)));
      expect(results.filter((r) => r.status === "claimed")).toHaveLength(5);
      expect(results.filter((r) => r.status === "full")).toHaveLength(95);
      const row = await t.db.shift.findUniqueOrThrow({ where: { id: s.id } });
      expect(row.taken).toBe(5);
      expect(await t.db.shiftAssignment.count({ where: { shiftId: s.id } })).toBe(5);
      const after = await readMetrics(t.db);
      expect(after.shift_slots_filled - before.shift_slots_filled).toBe(5);
      expect(after.shift_slots_total - before.shift_slots_total).toBe(5);
      expect(after.volunteers - before.volunteers).toBe(5);
    }
  });

  it("one member claiming two overlapping shifts at the same instant: at most one succeeds", async () => {
    for (let run = 0; run < 5; run++) {
      const a = await shift("Stage crew", 200 + run * 10, 204 + run * 10);
      const b = await shift("Bar", 202 + run * 10, 206 + run * 10);
      const m = member(`ov${run}`);
      const results = await Promise.allSettled([
        claimShift(t.db, config, a.id, m, NOW),
        claimShift(t.db, config, b.id, m, NOW),
      ]);
      const won = results.filter((r) => r.status === "fulfilled" && r.value.status === "claimed");
      expect(won).toHaveLength(1);
      const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(loser.reason.message).toMatch(/overlaps your/);
      expect(await t.db.shiftAssignment.count({ where: { userId: m.userId } })).toBe(1);
    }
  });

  it("shifts that only touch end to start do not overlap; a shift across midnight does", async () => {
    const m = member("touch");
    const first = await shift("Door", 300, 302);
    const next = await shift("Door", 302, 304);
    const late = await shift("Cleanup", 301, 310);
    expect((await claimShift(t.db, config, first.id, m, NOW)).status).toBe("claimed");
    expect((await claimShift(t.db, config, next.id, m, NOW)).status).toBe("claimed");
    await expect(claimShift(t.db, config, late.id, m, NOW)).rejects.toThrow(/overlaps/);
    await expect(claimShift(t.db, config, first.id, m, NOW)).rejects.toThrow(/already hold/);
  });

  it("a shift that requires a Discord role refuses members without it", async () => {
    const firstAid = await shift("First aid", 400, 404, 2, "555555555555555555");
    await expect(claimShift(t.db, config, firstAid.id, member("noaid"), NOW)).rejects.toThrow(
      /needs the <@&555555555555555555> role/,
    );
    expect((await claimShift(t.db, config, firstAid.id, member("aid", ["555555555555555555"]), NOW)).status).toBe(
      "claimed",
    );
  });

  it("MAX_SHIFTS_PER_VOLUNTEER caps how many shifts one member holds", async () => {
    const capped = { ...config, MAX_SHIFTS_PER_VOLUNTEER: 2 };
    const m = member("max");
    const shifts = [await shift("Door", 500, 501), await shift("Door", 502, 503), await shift("Door", 504, 505)];
    await claimShift(t.db, capped, shifts[0]!.id, m, NOW);
    await claimShift(t.db, capped, shifts[1]!.id, m, NOW);
    await expect(claimShift(t.db, capped, shifts[2]!.id, m, NOW)).rejects.toThrow(
      /the most one volunteer may hold here \(2\)/,
    );
    expect(await claimableShifts(t.db, capped, m, "", NOW)).toEqual([]);
  });

  it("autocomplete offers only shifts the member could take, open ones first", async () => {
    const m = member("auto");
    const mine = await shift("Greeter", 600, 603);
    const clash = await shift("Greeter", 601, 602);
    const needsRole = await shift("Greeter", 610, 611, 1, "666666666666666666");
    const full = await shift("Greeter", 620, 621, 1);
    const open = await shift("Greeter", 630, 631, 1);
    await claimShift(t.db, config, mine.id, m, NOW);
    await claimShift(t.db, config, full.id, member("filler"), NOW);
    const ids = (await claimableShifts(t.db, config, m, "greet", NOW)).map((s) => s.id);
    expect(ids).toEqual([open.id, full.id]);
    expect(ids).not.toContain(clash.id);
    expect(ids).not.toContain(needsRole.id);
  });

  it("the open list pages through shifts with slots left, by role", async () => {
    const role = "Pager";
    for (let i = 0; i < 12; i++) await shift(role, 700 + i, 700.5 + i, 1);
    const r = await t.db.shiftRole.findUniqueOrThrow({ where: { key: "pager" } });
    const first = await openShifts(t.db, { roleId: r.id }, 0, NOW);
    expect(first).toMatchObject({ total: 12, pages: 2, page: 0 });
    expect(first.shifts).toHaveLength(10);
    await claimShift(t.db, config, first.shifts[0]!.id, member("pager"), NOW);
    expect((await openShifts(t.db, { roleId: r.id }, 5, NOW)).shifts).toHaveLength(1);
  });
});

describe("dropping and the waitlist", () => {
  it("a full shift offers its waitlist; a drop promotes the first waiting, who is told by DM", async () => {
    const s = await shift("Coat check", 800, 804, 1);
    const [holder, second, third] = [member("h1"), member("w2"), member("w3")];
    await claimShift(t.db, config, s.id, holder, NOW);
    expect(await claimShift(t.db, config, s.id, second, NOW)).toMatchObject({ status: "full", onWaitlist: false });
    expect(await joinWaitlist(t.db, config, s.id, second, NOW)).toMatchObject({ status: "waiting", position: 1 });
    expect(await joinWaitlist(t.db, config, s.id, third, NOW)).toMatchObject({ status: "waiting", position: 2 });
    expect(await joinWaitlist(t.db, config, s.id, second, NOW)).toMatchObject({ status: "waiting", position: 1 });

    const dropped = await dropShift(t.db, config, s.id, holder.userId, NOW);
    expect(dropped).toMatchObject({ status: "dropped", promoted: [second.userId] });
    expect(await t.db.shiftAssignment.findMany({ where: { shiftId: s.id } })).toMatchObject([
      { userId: second.userId },
    ]);
    const dm = await t.db.directMessage.findFirstOrThrow({ where: { userId: second.userId } });
    expect(dm.content).toMatch(/you now hold the \*\*Coat check\*\*/);
    expect((await myShifts(t.db, third.userId)).waiting).toMatchObject([{ position: 1 }]);
    expect(await dropShift(t.db, config, s.id, third.userId, NOW)).toMatchObject({ status: "left-waitlist" });
  });

  it("a waiting member who now holds an overlapping shift is skipped and told why", async () => {
    const s = await shift("Runner", 900, 904, 1);
    const other = await shift("Bar", 901, 902, 1);
    const [holder, busy, free] = [member("r1"), member("r2"), member("r3")];
    await claimShift(t.db, config, s.id, holder, NOW);
    await joinWaitlist(t.db, config, s.id, busy, NOW);
    await joinWaitlist(t.db, config, s.id, free, NOW);
    await claimShift(t.db, config, other.id, busy, NOW);
    expect(await dropShift(t.db, config, s.id, holder.userId, NOW)).toMatchObject({ promoted: [free.userId] });
    const told = await t.db.directMessage.findFirstOrThrow({
      where: { userId: busy.userId, dedupeKey: { startsWith: "shift-promotion" } },
    });
    expect(told.content).toMatch(/could not give it to you: It overlaps/);
  });

  it("a drop within the cutoff is refused and says whom to contact", async () => {
    const s = await shift("Door", 10, 14);
    const m = member("late");
    await claimShift(t.db, config, s.id, m, NOW);
    await expect(dropShift(t.db, config, s.id, m.userId, NOW)).rejects.toThrow(
      new RegExp(`Tell <@${ORGANIZER}>.*/volunteer offer`),
    );
    expect(await dropShift(t.db, { ...config, SHIFT_DROP_CUTOFF_HOURS: 0 }, s.id, m.userId, NOW)).toMatchObject({
      status: "dropped",
    });
  });

  it("the volunteers metric moves only when a member's first shift comes or last one goes", async () => {
    const m = member("metric");
    const [a, b] = [await shift("Door", 1000, 1001), await shift("Door", 1002, 1003)];
    const base = (await readMetrics(t.db)).volunteers;
    await claimShift(t.db, config, a.id, m, NOW);
    await claimShift(t.db, config, b.id, m, NOW);
    expect((await readMetrics(t.db)).volunteers).toBe(base + 1);
    await dropShift(t.db, config, a.id, m.userId, NOW);
    expect((await readMetrics(t.db)).volunteers).toBe(base + 1);
    await dropShift(t.db, config, b.id, m.userId, NOW);
    expect((await readMetrics(t.db)).volunteers).toBe(base);
  });
});

describe("offers", () => {
  it("the first eligible member to press gets the shift, once; the offerer is released", async () => {
    const s = await shift("Stage crew", 5, 9, 2, "777777777777777777");
    const offerer = member("off", ["777777777777777777"]);
    await claimShift(t.db, config, s.id, offerer, NOW);
    const { offer } = await offerShift(t.db, s.id, offerer.userId, NOW);
    const before = await readMetrics(t.db);

    await expect(takeOffer(t.db, config, offer.id, member("nocert"), NOW)).rejects.toThrow(/needs the/);
    await expect(takeOffer(t.db, config, offer.id, offerer, NOW)).rejects.toThrow(/your own offer/);
    const pressers = Array.from({ length: 10 }, (_, i) => member(`take${i}`, ["777777777777777777"]));
    const results = await Promise.allSettled(pressers.map((p) => takeOffer(t.db, config, offer.id, p, NOW)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const holders = await t.db.shiftAssignment.findMany({ where: { shiftId: s.id } });
    expect(holders).toHaveLength(1);
    expect(holders[0]!.userId).not.toBe(offerer.userId);
    expect((await t.db.shift.findUniqueOrThrow({ where: { id: s.id } })).taken).toBe(1);
    const after = await readMetrics(t.db);
    expect(after.shift_slots_filled).toBe(before.shift_slots_filled);
    expect(after.volunteers).toBe(before.volunteers); // one in, one out
  });

  it("a drop withdraws the member's open offer", async () => {
    const s = await shift("Door", 1100, 1101);
    const m = member("withdraw");
    await claimShift(t.db, config, s.id, m, NOW);
    const { offer } = await offerShift(t.db, s.id, m.userId, NOW);
    await dropShift(t.db, config, s.id, m.userId, NOW);
    await expect(takeOffer(t.db, config, offer.id, member("late-taker"), NOW)).rejects.toThrow(
      /already took this shift, or it was withdrawn/,
    );
  });
});

describe("check-in and no-show", () => {
  it("opens 30 minutes before, credits the true length once, and a no-show takes it back", async () => {
    const s = await shift("Door", 30, 33.5);
    const m = member("checkin");
    await claimShift(t.db, config, s.id, m, NOW);
    const base = (await readMetrics(t.db)).volunteer_minutes_served;
    await expect(checkInSelf(t.db, m.userId, at(29))).rejects.toThrow(/opens <t:/);
    expect(await checkInSelf(t.db, m.userId, at(29.5))).toMatchObject({ minutes: 210 });
    await expect(checkInSelf(t.db, m.userId, at(30))).rejects.toThrow(/no shift to check in to/);
    await expect(checkInMember(t.db, s.id, m.userId, at(30), organizer(ORGANIZER))).rejects.toThrow(
      /Already checked in/,
    );
    expect((await readMetrics(t.db)).volunteer_minutes_served).toBe(base + 210);
    expect((await myShifts(t.db, m.userId)).minutesServed).toBe(210);

    await expect(markNoShow(t.db, s.id, m.userId, at(29.9), organizer())).rejects.toThrow(/not started yet/);
    expect(await markNoShow(t.db, s.id, m.userId, at(31), organizer())).toMatchObject({ minutesTakenBack: 210 });
    await expect(markNoShow(t.db, s.id, m.userId, at(31), organizer())).rejects.toThrow(/Already recorded/);
    expect((await readMetrics(t.db)).volunteer_minutes_served).toBe(base);
    expect(await checkInMember(t.db, s.id, m.userId, at(32), organizer(ORGANIZER))).toMatchObject({ minutes: 210 });
    expect((await readMetrics(t.db)).volunteer_minutes_served).toBe(base + 210);
    await expect(checkInMember(t.db, s.id, member("stranger").userId, at(32), organizer(ORGANIZER))).rejects.toThrow(
      /does not hold/,
    );
  });
});
