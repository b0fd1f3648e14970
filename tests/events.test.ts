// Events against a real database: validation of what organizers type, edits (capacity, moved start),
// cancel with its DMs and totals, reminders exactly once, and the calendar file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../src/db/client.js";
import { createDb } from "../src/db/client.js";
import { cancelEvent, createEvent, editEvent, eventChoices, resolveEvent } from "../src/services/events.js";
import { expandFanouts, FANOUT_BATCH } from "../src/services/dmFanout.js";
import { eventIcs, eventUid, foldLine } from "../src/services/ics.js";
import { readMetrics } from "../src/services/metrics.js";
import { sendDueRsvpReminders } from "../src/services/rsvpReminders.js";
import { answerRsvp, setReminders } from "../src/services/rsvps.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

const NOW = new Date("2026-11-29T12:00:00Z"); // a Sunday
const TZ = "America/Los_Angeles";
const SETTINGS = { timeZone: TZ, reminderHours: [24, 1] };
const HOUR = 3_600_000;
let t: TestDb;
let db: Db;
beforeAll(async () => {
  t = await freshDb();
  db = t.db;
});
afterAll(() => t.close());

const make = (input: Partial<Parameters<typeof createEvent>[1]> = {}) =>
  createEvent(
    db,
    { name: "Dance party", starts: "2026-12-05 20:00", createdBy: "1000", now: NOW, ...input },
    SETTINGS,
    organizer(),
  );
const going = (eventId: number, userId: string, guests = 0, now = NOW) =>
  answerRsvp(db, { eventId, userId, displayName: userId, answer: "going", guests, now, maxGuests: 5 });

describe("creating events", () => {
  it("reads times in the campaign zone, ISO with an offset, and phrases", async () => {
    expect((await make()).startsAt.toISOString()).toBe("2026-12-06T04:00:00.000Z"); // 20:00 in Los Angeles
    expect((await make({ starts: "2026-12-05T20:00+01:00" })).startsAt.toISOString()).toBe("2026-12-05T19:00:00.000Z");
    expect((await make({ starts: "next friday 8pm" })).startsAt.toISOString()).toBe("2026-12-05T04:00:00.000Z");
  });

  it("refuses what cannot be right, saying what to type instead", async () => {
    await expect(make({ starts: "2026-11-01 20:00" })).rejects.toThrow(/in the past.*Type a time to come/);
    await expect(make({ ends: "2026-12-05 19:00" })).rejects.toThrow(/not after the start/);
    await expect(make({ capacity: 0 })).rejects.toThrow(/whole number from 1/);
    await expect(make({ name: "   " })).rejects.toThrow(/Give the event a name/);
    await expect(make({ name: "x".repeat(101) })).rejects.toThrow(/101 characters long; keep it to 100/);
    await expect(make({ starts: "whenever" })).rejects.toThrow(/could not read "whenever"/);
    await expect(make({ location: "y".repeat(101) })).rejects.toThrow(/location/);
  });

  it("the event option: left out means the next one; autocomplete lists upcoming ones", async () => {
    const soon = await make({ name: "Warm-up night", starts: "2026-11-30 18:00" });
    expect((await resolveEvent(db, null, NOW)).id).toBe(soon.id);
    expect((await resolveEvent(db, String(soon.id), NOW)).id).toBe(soon.id);
    expect((await resolveEvent(db, "warm-up night", NOW)).id).toBe(soon.id);
    await expect(resolveEvent(db, "nothing like it", NOW)).rejects.toThrow(/Pick one from the list/);
    const choices = await eventChoices(db, "warm", NOW, TZ);
    expect(choices).toEqual([{ name: "Warm-up night — 2026-11-30 18:00 PST", value: String(soon.id) }]);
  });
});

describe("editing", () => {
  it("a capacity lowered under the seats taken keeps those seated and closes new seats", async () => {
    const e = await make({ capacity: 5 });
    await going(e.id, "1", 2);
    await going(e.id, "2", 1);
    const r = await editEvent(db, e.id, { capacity: 2, now: NOW }, SETTINGS, organizer());
    expect(r.overCapacity).toBe(3);
    expect((await going(e.id, "3")).status).toBe("waitlisted");
    expect((await db.rsvp.findFirstOrThrow({ where: { eventId: e.id, userId: "1" } })).status).toBe("going");
    // A larger capacity promotes at once.
    const up = await editEvent(db, e.id, { capacity: 6, now: NOW }, SETTINGS, organizer());
    expect(up.promoted.map((p) => p.userId)).toEqual(["3"]);
    expect(up.event).toMatchObject({ seatsTaken: 6, waitlisted: 0 });
  });

  it("a moved start tells those who answered, and refuses nonsense", async () => {
    const e = await make();
    await going(e.id, "1");
    const r = await editEvent(db, e.id, { starts: "2026-12-06 21:00", now: NOW }, SETTINGS, organizer());
    expect(r.changed).toEqual(["start"]);
    expect(await db.directMessage.count({ where: { dedupeKey: { startsWith: `event-moved:${e.id}:` } } })).toBe(0); // not in the organizer's transaction
    await expandFanouts(db, NOW);
    const dm = await db.directMessage.findFirstOrThrow({
      where: { dedupeKey: { startsWith: `event-moved:${e.id}:` } },
    });
    expect(dm.content).toContain("has moved");
    await expect(editEvent(db, e.id, { now: NOW }, SETTINGS, organizer())).rejects.toThrow(/Nothing to change/);
    await expect(editEvent(db, e.id, { ends: "2026-12-01 10:00", now: NOW }, SETTINGS, organizer())).rejects.toThrow(
      /not after the start/,
    );
  });
});

describe("cancelling", () => {
  it("tells everyone who answered (with the announce channel as fallback), refuses answers, and leaves the totals", async () => {
    const e = await make({ capacity: 2 });
    await going(e.id, "1", 1);
    await going(e.id, "2");
    await answerRsvp(db, { eventId: e.id, userId: "3", displayName: "3", answer: "maybe", now: NOW, maxGuests: 5 });
    const before = await readMetrics(db);
    const r = await cancelEvent(
      db,
      e.id,
      {
        reason: "the stadium flooded",
        now: NOW,
        fallbackChannelId: "555555555555555555",
        timeZone: TZ,
      },
      organizer(),
    );
    expect(r.notified).toBe(3);
    await expandFanouts(db, NOW);
    const dms = await db.directMessage.findMany({ where: { dedupeKey: { startsWith: `event-cancelled:${e.id}:` } } });
    expect(dms.map((d) => d.userId).sort()).toEqual(["1", "2", "3"]);
    expect(
      dms.every((d) => d.fallbackChannelId === "555555555555555555" && d.content.includes("the stadium flooded")),
    ).toBe(true);
    const after = await readMetrics(db);
    expect(before.rsvps_going - after.rsvps_going).toBe(2);
    expect(before.rsvps_waitlisted - after.rsvps_waitlisted).toBe(1);
    expect(before.rsvps_maybe - after.rsvps_maybe).toBe(1);
    await expect(going(e.id, "4")).rejects.toThrow(/cancelled/);
    await expect(cancelEvent(db, e.id, { now: NOW, timeZone: TZ }, organizer())).rejects.toThrow(/already cancelled/);
    await expect(editEvent(db, e.id, { name: "again", now: NOW }, SETTINGS, organizer())).rejects.toThrow(/cancelled/);
  });

  it("a cancellation that tells hundreds writes one row in the organizer's transaction; the DM job expands it in batches, each member once", async () => {
    const e = await make({ capacity: 1000 });
    const members = Array.from({ length: FANOUT_BATCH * 2 + 50 }, (_, i) => `fan${i}`);
    // Their answers as rows (hundreds of answers one by one would only slow this test down).
    await db.rsvp.createMany({
      data: members.map((m) => ({
        eventId: e.id,
        userId: m,
        displayName: m,
        status: "going",
        guests: 0,
        createdAt: NOW,
        updatedAt: NOW,
      })),
    });
    const dmsBefore = await db.directMessage.count();
    const r = await cancelEvent(db, e.id, { now: NOW, timeZone: TZ }, organizer());
    expect(r.notified).toBe(members.length);
    expect(await db.directMessage.count()).toBe(dmsBefore); // nothing per member inside the cancellation
    expect(await db.dmFanout.count({ where: { dedupeKey: `event-cancelled:${e.id}`, status: "pending" } })).toBe(1);
    // Two runs at once (two processes), then one more: every member queued once, none twice.
    const [a, b] = await Promise.all([expandFanouts(db, NOW, 1), expandFanouts(db, NOW, 1)]);
    const c = await expandFanouts(db, NOW);
    expect(a + b + c).toBe(members.length);
    const dms = await db.directMessage.findMany({ where: { dedupeKey: { startsWith: `event-cancelled:${e.id}:` } } });
    expect(new Set(dms.map((d) => d.userId))).toEqual(new Set(members));
    expect(dms).toHaveLength(members.length);
    expect(await db.dmFanout.findUniqueOrThrow({ where: { dedupeKey: `event-cancelled:${e.id}` } })).toMatchObject({
      status: "done",
    });
    expect(await expandFanouts(db, NOW)).toBe(0);
  }, 60_000);
});

describe("reminders", () => {
  const config = { RSVP_REMINDER_HOURS: [24, 1], CAMPAIGN_TIMEZONE: TZ };
  const remindersOf = (eventId: number) =>
    db.directMessage.findMany({
      where: { dedupeKey: { startsWith: `rsvp-reminder:${eventId}:` } },
      orderBy: { id: "asc" },
    });

  it("goes to members going, 24 h and 1 h before, each exactly once, across restarts", async () => {
    await db.event.updateMany({ where: { status: "scheduled" }, data: { status: "cancelled" } }); // a clean slate
    const e = await make({ name: "Reminded", starts: "2026-12-01T20:00:00Z" });
    await going(e.id, "a", 2);
    await going(e.id, "b");
    await going(e.id, "quiet");
    await answerRsvp(db, { eventId: e.id, userId: "m", displayName: "m", answer: "maybe", now: NOW, maxGuests: 5 });
    await setReminders(db, "quiet", false, NOW);
    const start = e.startsAt.getTime();

    expect(await sendDueRsvpReminders(db, config, new Date(start - 25 * HOUR))).toBe(0);
    expect(await sendDueRsvpReminders(db, config, new Date(start - 24 * HOUR))).toBe(2);
    expect(await sendDueRsvpReminders(db, config, new Date(start - 23 * HOUR))).toBe(0);
    // A restart: another client on the same file, as a second process would be.
    const again = createDb(t.url);
    expect(await sendDueRsvpReminders(again, config, new Date(start - 20 * HOUR))).toBe(0);
    await again.$disconnect();
    // Two runs at once at the 1 h mark (one client: two SQLite connections in one thread would only wait
    // on each other's lock, which separate processes do not): still once each.
    const both = await Promise.all([
      sendDueRsvpReminders(db, config, new Date(start - HOUR + 1000)),
      sendDueRsvpReminders(db, config, new Date(start - HOUR + 1000)),
    ]);
    expect(both[0] + both[1]).toBe(2);
    expect(await sendDueRsvpReminders(db, config, new Date(start - 1000))).toBe(0);
    const sent = await remindersOf(e.id);
    expect(sent.map((d) => d.userId)).toEqual(["a", "b", "a", "b"]);
    expect(sent[0]!.content).toContain("with 2 guests");
  });

  it("skips a reminder whose moment passed before the event was made, or while the bot was down", async () => {
    const e = await make({ name: "Last minute", starts: "2026-11-29T20:00:00Z" }); // 8 h ahead: no 24 h reminder
    await going(e.id, "a");
    expect(await sendDueRsvpReminders(db, config, new Date(NOW.getTime() + HOUR))).toBe(0);
    expect(await sendDueRsvpReminders(db, config, new Date(e.startsAt.getTime() - 30 * 60_000))).toBe(1);
    expect((await remindersOf(e.id)).map((d) => d.dedupeKey)).toEqual([
      `rsvp-reminder:${e.id}:${e.startsAt.getTime() / 1000}:1:a`,
    ]);
  });
});

describe("the calendar file", () => {
  it("has a stable UID, escapes text, folds long lines, ends lines with CRLF", async () => {
    const e = await make({ name: "Party; dance, all night", location: "Stadium\nfloor", description: "é".repeat(60) });
    const ics = eventIcs(e, NOW);
    expect(ics).toContain(`UID:${eventUid(e.id)}\r\n`);
    expect(ics).toContain("SUMMARY:Party\\; dance\\, all night\r\n");
    expect(ics).toContain("LOCATION:Stadium\\nfloor\r\n");
    expect(ics).toContain("DTSTART:20261206T040000Z\r\n");
    expect(ics).toContain("DTEND:20261206T070000Z\r\n"); // no end given: three hours
    expect(ics.split("\r\n").every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    expect(ics.replace(/\r\n /g, "")).toContain(`DESCRIPTION:${"é".repeat(60)}`);
    expect(ics.replace(/\r\n/g, "")).not.toContain("\n");
    const edited = await editEvent(
      db,
      e.id,
      { name: "Renamed", now: new Date(NOW.getTime() + 60_000) },
      SETTINGS,
      organizer(),
    );
    const again = eventIcs(edited.event, NOW);
    expect(again).toContain(`UID:${eventUid(e.id)}`);
    expect(Number(again.match(/SEQUENCE:(\d+)/)![1])).toBeGreaterThan(Number(ics.match(/SEQUENCE:(\d+)/)![1]));
    expect(
      foldLine("a".repeat(150))
        .split("\r\n ")
        .map((l) => l.length),
    ).toEqual([75, 74, 1]);
  });

  it("counts SEQUENCE up by one per edit a calendar shows, whatever the clocks say", async () => {
    const sequence = (ics: string) => Number(ics.match(/\r\nSEQUENCE:(\d+)\r\n/)![1]);
    const field = (ics: string, name: string) => ics.match(new RegExp(`\r\n${name}:([^\r]*)\r\n`))![1];
    const e = await make({ name: "Warm-up", capacity: 10 });
    expect(sequence(eventIcs(e, NOW))).toBe(0);
    // Edits stamped with times that run backwards, as two clocks that disagree would: the count still grows.
    const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
    const renamed = await editEvent(db, e.id, { name: "Warm-up party", now: at(5) }, SETTINGS, organizer());
    const moved = await editEvent(db, e.id, { starts: "2026-12-05 21:00", now: at(1) }, SETTINGS, organizer());
    const bigger = await editEvent(db, e.id, { capacity: 20, now: at(2) }, SETTINGS, organizer()); // not on a calendar
    const placed = await editEvent(
      db,
      e.id,
      { location: "The stadium", description: "Bring friends", now: at(3) },
      SETTINGS,
      organizer(),
    );
    const cancelled = await cancelEvent(db, e.id, { now: at(4), timeZone: TZ }, organizer());
    const files = [renamed, moved, bigger, placed, cancelled].map((r) => eventIcs(r.event, NOW));
    expect(files.map(sequence)).toEqual([1, 2, 2, 3, 4]);
    // Re-adding a file replaces the entry with the same UID when its SEQUENCE is higher (RFC 5545 3.8.7.4).
    expect(new Set(files.map((f) => field(f, "UID")))).toEqual(new Set([eventUid(e.id)]));
    expect([
      field(files[0]!, "SUMMARY"),
      field(files[1]!, "DTSTART"),
      field(files[3]!, "LOCATION"),
      field(files[4]!, "STATUS"),
    ]).toEqual(["Warm-up party", "20261206T050000Z", "The stadium", "CANCELLED"]);
  });
});
