// Organizer rules against a real database: adding (times in the campaign zone, DST), editing (capacity,
// overlap warnings naming who), removing (DMs, counters), reminders exactly once, the summary, the export.
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.js";
import { readMetrics } from "../src/services/metrics.js";
import { checkInSelf } from "../src/services/shiftCheckins.js";
import { shiftLabel, shiftMinutes, type ShiftConfig } from "../src/services/shiftCore.js";
import { postShiftSummary, sendDueShiftReminders, shortShiftsSummary } from "../src/services/shiftReminders.js";
import { addShift, editShift, exportShifts, removeShift, roster, searchRoles } from "../src/services/shifts.js";
import { requireWhen } from "../src/services/time.js";
import { claimShift, joinWaitlist, type Member } from "../src/services/volunteers.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

const H = 3600_000;
const NOW = new Date("2026-10-20T12:00:00Z");
const at = (hours: number) => new Date(NOW.getTime() + hours * H);
const config: ShiftConfig = {
  SHIFT_DROP_CUTOFF_HOURS: 24,
  SHIFT_REMINDER_HOURS: [24, 2],
  CAMPAIGN_TIMEZONE: "America/Los_Angeles",
  MAX_SHIFTS_PER_VOLUNTEER: undefined,
};
const member = (n: string): Member => ({
  userId: `20000000000000${n.padStart(4, "0")}`,
  userName: `member ${n}`,
  roleIds: [],
});
const ORGANIZER = "900000000000000001";

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t.close());

function shift(role: string, from: number, to: number, capacity = 3) {
  return addShift(
    t.db,
    {
      roleName: role,
      startsAt: at(from),
      endsAt: at(to),
      capacity,
      createdBy: ORGANIZER,
      now: NOW,
    },
    organizer(),
  );
}

describe("adding shifts", () => {
  it("keeps the true length across midnight and across the end of daylight saving time", async () => {
    const tz = config.CAMPAIGN_TIMEZONE;
    // 1 November 2026, 02:00 PDT becomes 01:00 PST: 00:30 to 03:30 on the wall clock is four hours.
    const dst = await addShift(
      t.db,
      {
        roleName: "Night watch",
        startsAt: requireWhen("2026-11-01 00:30", "start", tz, NOW),
        endsAt: requireWhen("2026-11-01 03:30", "end", tz, NOW),
        capacity: 1,
        createdBy: ORGANIZER,
        now: NOW,
      },
      organizer(),
    );
    expect(shiftMinutes(dst)).toBe(240);
    expect(shiftLabel(dst, tz)).toBe("Night watch · Sun 1 Nov 00:30–03:30 PST");
    const midnight = await addShift(
      t.db,
      {
        roleName: "night WATCH",
        startsAt: requireWhen("2026-10-30 22:00", "start", tz, NOW),
        endsAt: requireWhen("2026-10-31 02:00", "end", tz, NOW),
        capacity: 1,
        createdBy: ORGANIZER,
        now: NOW,
      },
      organizer(),
    );
    expect(shiftMinutes(midnight)).toBe(240);
    expect(midnight.role.id).toBe(dst.role.id); // one role, whatever the case
    expect(shiftLabel(midnight, tz)).toBe("Night watch · Fri 30 Oct 22:00–Sat 31 Oct 02:00 PDT");

    // Checking in credits the true four hours, not the three the wall clock suggests.
    const m = member("dst");
    await claimShift(t.db, config, dst.id, m, NOW);
    expect(await checkInSelf(t.db, m.userId, dst.startsAt)).toMatchObject({ minutes: 240 });
  });

  it("refuses an end before the start, a past start, silly capacities and long names", async () => {
    await expect(shift("Door", 5, 4)).rejects.toThrow(/must end after it starts/);
    await expect(shift("Door", -2, 1)).rejects.toThrow(/in the past/);
    await expect(shift("Door", 1, 30)).rejects.toThrow(/at most 24 hours/);
    await expect(shift("Door", 1, 2, 0)).rejects.toThrow(/from 1 to 500/);
    await expect(shift("x".repeat(51), 1, 2)).rejects.toThrow(/at most 50 characters/);
    expect((await searchRoles(t.db, "WAT")).map((r) => r.name)).toEqual(["Night watch"]);
  });
});

describe("editing and removing", () => {
  it("never lowers capacity below the slots taken; raising it promotes from the waitlist", async () => {
    const s = await shift("Bar", 50, 54, 2);
    await claimShift(t.db, config, s.id, member("b1"), NOW);
    await claimShift(t.db, config, s.id, member("b2"), NOW);
    await joinWaitlist(t.db, config, s.id, member("b3"), NOW);
    const total = (await readMetrics(t.db)).shift_slots_total;
    await expect(editShift(t.db, config, { shiftId: s.id, capacity: 1, now: NOW }, organizer())).rejects.toThrow(
      /cannot go below 2/,
    );
    const edited = await editShift(t.db, config, { shiftId: s.id, capacity: 4, now: NOW }, organizer());
    expect(edited.promoted).toEqual([member("b3").userId]);
    expect(edited.shift).toMatchObject({ capacity: 4, taken: 3 });
    expect((await readMetrics(t.db)).shift_slots_total).toBe(total + 2);
  });

  it("warns the organizer, naming who, when new times overlap another shift a volunteer holds", async () => {
    const a = await shift("Door", 60, 62);
    const b = await shift("Stage crew", 63, 65);
    const [both, onlyA] = [member("e1"), member("e2")];
    await claimShift(t.db, config, a.id, both, NOW);
    await claimShift(t.db, config, b.id, both, NOW);
    await claimShift(t.db, config, a.id, onlyA, NOW);
    const result = await editShift(t.db, config, { shiftId: a.id, endsAt: at(64), now: NOW }, organizer());
    expect(result.conflicts).toHaveLength(1);
    expect(result.conflicts[0]).toMatchObject({ userId: both.userId, userName: "member e1", other: { id: b.id } });
    const told = await t.db.directMessage.findMany({ where: { dedupeKey: { startsWith: `shift-moved:${a.id}:` } } });
    expect(told.map((d) => d.userId).sort()).toEqual([both.userId, onlyA.userId].sort());
    expect(told.find((d) => d.userId === both.userId)!.content).toMatch(/now overlaps your \*\*Stage crew\*\*/);
  });

  it("removing a shift tells holders and waiting members, and takes its slots off the counters", async () => {
    const s = await shift("Cleanup", 70, 72, 1);
    const [holder, waiting] = [member("x1"), member("x2")];
    await claimShift(t.db, config, s.id, holder, NOW);
    await joinWaitlist(t.db, config, s.id, waiting, NOW);
    const before = await readMetrics(t.db);
    expect((await removeShift(t.db, s.id, NOW, organizer())).told).toBe(2);
    const after = await readMetrics(t.db);
    expect(after.shift_slots_total).toBe(before.shift_slots_total - 1);
    expect(after.shift_slots_filled).toBe(before.shift_slots_filled - 1);
    expect(after.volunteers).toBe(before.volunteers - 1);
    const dms = await t.db.directMessage.findMany({ where: { dedupeKey: { startsWith: `shift-removed:${s.id}:` } } });
    expect(dms).toHaveLength(2);
    expect(dms.find((d) => d.userId === waiting.userId)!.content).toMatch(/you were waiting for was cancelled/);
  });

  it("the roster lists holders and the waitlist per shift", async () => {
    const rows = await roster(t.db, { from: at(50), to: at(55) });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.assignments.map((a) => a.userName)).toEqual(["member b1", "member b2", "member b3"]);
  });
});

describe("reminders", () => {
  it("DM 24 h and 2 h before, each exactly once, even across a restart and a second process", async () => {
    const s = await shift("Reminded", 100, 102);
    const m = member("rem");
    await claimShift(t.db, config, s.id, m, NOW);
    const reminders = () =>
      t.db.directMessage.findMany({
        where: { userId: m.userId, dedupeKey: { startsWith: "shift-reminder:" } },
        orderBy: { id: "asc" },
      });

    expect(await sendDueShiftReminders(t.db, config, at(75))).toBe(0);
    await sendDueShiftReminders(t.db, config, at(76));
    const second = createDb(t.url); // another process on the same database
    await Promise.all([sendDueShiftReminders(t.db, config, at(76.5)), sendDueShiftReminders(second, config, at(76.5))]);
    expect((await reminders()).map((d) => d.dedupeKey)).toEqual([expect.stringMatching(/:24:/)]);
    await sendDueShiftReminders(second, config, at(98));
    await sendDueShiftReminders(t.db, config, at(98.5));
    await second.$disconnect();
    const sent = await reminders();
    expect(sent.map((d) => d.dedupeKey)).toEqual([expect.stringMatching(/:24:/), expect.stringMatching(/:2:/)]);
    expect(sent[1]!.content).toMatch(/^Reminder: your \*\*Reminded\*\* .* starts <t:\d+:R>/);
  });

  it("a bot down for a day sends only the nearest reminder; a late claim skips reminders already past", async () => {
    const s = await shift("Catch-up", 120, 121);
    const [early, late] = [member("early"), member("late")];
    await claimShift(t.db, config, s.id, early, NOW);
    await claimShift(t.db, config, s.id, late, at(110)); // 10 h before: the 24 h moment has passed
    expect(await sendDueShiftReminders(t.db, config, at(119))).toBe(2);
    const keys = (
      await t.db.directMessage.findMany({
        where: { dedupeKey: { startsWith: "shift-reminder:" }, userId: { in: [early.userId, late.userId] } },
      })
    ).map((d) => d.dedupeKey);
    expect(keys.every((k) => /:2:/.test(k))).toBe(true);
  });

  it("a shift moved to a new time is reminded again for its new time", async () => {
    const s = await shift("Moved", 130, 131);
    const m = member("moved");
    await claimShift(t.db, config, s.id, m, NOW);
    await sendDueShiftReminders(t.db, config, at(107));
    await editShift(t.db, config, { shiftId: s.id, startsAt: at(150), endsAt: at(151), now: at(107) }, organizer());
    await sendDueShiftReminders(t.db, config, at(127));
    const keys = (
      await t.db.directMessage.findMany({ where: { userId: m.userId, dedupeKey: { startsWith: "shift-reminder:" } } })
    ).map((d) => d.dedupeKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });
});

describe("summary and export", () => {
  it("lists shifts of the next 48 hours still short of people", async () => {
    const fresh = await freshDb();
    expect(await shortShiftsSummary(fresh.db, NOW)).toBeNull();
    const short = await addShift(
      fresh.db,
      {
        roleName: "Door",
        startsAt: at(10),
        endsAt: at(12),
        capacity: 3,
        createdBy: ORGANIZER,
        now: NOW,
      },
      organizer(),
    );
    const full = await addShift(
      fresh.db,
      {
        roleName: "Bar",
        startsAt: at(20),
        endsAt: at(22),
        capacity: 1,
        createdBy: ORGANIZER,
        now: NOW,
      },
      organizer(),
    );
    await addShift(
      fresh.db,
      {
        roleName: "Later",
        startsAt: at(60),
        endsAt: at(62),
        capacity: 1,
        createdBy: ORGANIZER,
        now: NOW,
      },
      organizer(),
    );
    await claimShift(fresh.db, config, short.id, member("s1"), NOW);
    await claimShift(fresh.db, config, full.id, member("s2"), NOW);
    const text = await shortShiftsSummary(fresh.db, NOW);
    expect(text).toMatch(/2 slots on 1 shift/);
    expect(text).toMatch(/\*\*Door\*\* <t:\d+:F> – <t:\d+:t>: 2 of 3 still open/);
    expect(text).not.toMatch(/Bar|Later/);
    const posted: [string, string][] = [];
    const post = async (channelId: string, content: string) => void posted.push([channelId, content]);
    expect(await postShiftSummary(fresh.db, { ANNOUNCE_CHANNEL_ID: "123456789012345678" }, NOW, post)).toBe(true);
    expect(await postShiftSummary(fresh.db, { ANNOUNCE_CHANNEL_ID: undefined }, NOW, post)).toBe(false);
    expect(posted).toEqual([["123456789012345678", text]]);
    await fresh.close();
  });

  it("exports every holder and waiter, formula-safe", async () => {
    const s = await shift('=HYPERLINK("x")', 200, 201, 1);
    await claimShift(t.db, config, s.id, { userId: "300000000000000001", userName: "@evil", roleIds: [] }, NOW);
    await joinWaitlist(t.db, config, s.id, { userId: "300000000000000002", userName: "+waiting", roleIds: [] }, NOW);
    const csv = await text(exportShifts(t.db, config.CAMPAIGN_TIMEZONE));
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe(
      "shift_id,role,starts_utc,ends_utc,starts_local,minutes,capacity,taken,member_id,member_name,status,checked_in_at,no_show",
    );
    const mine = lines.filter((l) => l.startsWith(`${s.id},`));
    expect(mine).toHaveLength(2);
    expect(mine[0]).toContain(`"'=HYPERLINK(""x"")"`);
    expect(mine[0]).toContain(",'@evil,holding,");
    expect(mine[1]).toContain(",'+waiting,waitlisted,");
  });
});
