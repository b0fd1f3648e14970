// RSVP rules against a real database: capacity with guests, waitlist order and promotion, idempotent
// answers, refusals, organizer removal, lists and totals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../src/db/client.js";
import { createEvent } from "../src/services/events.js";
import { readMetrics } from "../src/services/metrics.js";
import { rsvpCsv, rsvpPage, rsvpTotals } from "../src/services/rsvpLists.js";
import { answerRsvp, myRsvps, removeRsvp, type AnswerKind } from "../src/services/rsvps.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

const NOW = new Date("2026-11-29T12:00:00Z");
const SETTINGS = { timeZone: "UTC", reminderHours: [24, 1] };
let t: TestDb;
let db: Db;
beforeAll(async () => {
  t = await freshDb();
  db = t.db;
});
afterAll(() => t.close());

async function event(capacity: number | null, starts = "2026-12-05 20:00") {
  return createEvent(
    db,
    { name: `Party ${Math.random()}`, starts, capacity, createdBy: "1000", now: NOW },
    SETTINGS,
    organizer(),
  );
}
function answer(eventId: number, userId: string, kind: AnswerKind, guests?: number, now = NOW) {
  return answerRsvp(db, { eventId, userId, displayName: `member ${userId}`, answer: kind, guests, now, maxGuests: 5 });
}
async function counts(eventId: number) {
  const e = await db.event.findUniqueOrThrow({ where: { id: eventId } });
  return { seats: e.seatsTaken, maybe: e.maybeCount, waitlisted: e.waitlisted };
}
/** The counters on the row must equal what the rows say (the test may count; the service never does). */
async function expectConsistent(eventId: number) {
  const rows = await db.rsvp.findMany({ where: { eventId } });
  const sum = (s: string) => rows.filter((r) => r.status === s).reduce((n, r) => n + 1 + r.guests, 0);
  expect(await counts(eventId)).toEqual({
    seats: sum("going"),
    maybe: rows.filter((r) => r.status === "maybe").length,
    waitlisted: sum("waitlisted"),
  });
}

describe("capacity with guests and the waitlist", () => {
  it("counts guests, waitlists when full, and says the position", async () => {
    const e = await event(5);
    expect((await answer(e.id, "1", "going", 2)).status).toBe("going");
    expect((await answer(e.id, "2", "going", 1)).status).toBe("going");
    const c = await answer(e.id, "3", "going");
    expect(c).toMatchObject({ status: "waitlisted", position: 1 });
    const d = await answer(e.id, "4", "going", 0);
    expect(d).toMatchObject({ status: "waitlisted", position: 2 });
    expect(await counts(e.id)).toEqual({ seats: 5, maybe: 0, waitlisted: 2 });
    await expectConsistent(e.id);
  });

  it("answering again changes the answer and never adds a second row", async () => {
    const e = await event(10);
    await answer(e.id, "1", "going", 1);
    await answer(e.id, "1", "going", 1);
    await answer(e.id, "1", "going"); // guests left out: kept
    expect(await db.rsvp.count({ where: { eventId: e.id } })).toBe(1);
    expect(await counts(e.id)).toEqual({ seats: 2, maybe: 0, waitlisted: 0 });
    await answer(e.id, "1", "maybe");
    expect(await counts(e.id)).toEqual({ seats: 0, maybe: 1, waitlisted: 0 });
    await answer(e.id, "1", "maybe");
    expect(await counts(e.id)).toEqual({ seats: 0, maybe: 1, waitlisted: 0 });
    await answer(e.id, "1", "declined");
    expect(await counts(e.id)).toEqual({ seats: 0, maybe: 0, waitlisted: 0 });
    expect(await db.rsvp.count({ where: { eventId: e.id } })).toBe(1);
  });

  it("promotes the first who fits, at once, with a DM", async () => {
    const e = await event(4);
    await answer(e.id, "a", "going", 3); // 4 seats: full
    await answer(e.id, "big", "going", 4); // 5 people: waitlisted first
    await answer(e.id, "solo", "going", 0); // waitlisted second
    await answer(e.id, "pair", "going", 1); // waitlisted third
    // "a" brings 2 guests fewer: 2 seats free. "big" does not fit; "solo" does, then "pair" does not (1 seat left).
    const r = await answer(e.id, "a", "going", 1);
    expect(r.promoted).toEqual([{ userId: "solo", guests: 0 }]);
    expect(await counts(e.id)).toEqual({ seats: 3, maybe: 0, waitlisted: 7 });
    const dms = await db.directMessage.findMany({ where: { dedupeKey: { startsWith: `rsvp-promoted:${e.id}:` } } });
    expect(dms.map((d) => d.userId)).toEqual(["solo"]);
    expect(dms[0]!.content).toContain("now **going**");
    // "a" leaves: 4 free. "big" (5) still does not fit; "pair" (2) does.
    const left = await answer(e.id, "a", "declined");
    expect(left.promoted.map((p) => p.userId)).toEqual(["pair"]);
    const big = await db.rsvp.findFirstOrThrow({ where: { eventId: e.id, userId: "big" } });
    expect(big.status).toBe("waitlisted");
    await expectConsistent(e.id);
  });

  it("a waitlisted member who changes their guests keeps their place", async () => {
    const e = await event(1);
    await answer(e.id, "1", "going");
    await answer(e.id, "2", "going", 2);
    await answer(e.id, "3", "going");
    expect((await answer(e.id, "2", "going", 3)).position).toBe(1);
    expect((await answer(e.id, "3", "going")).position).toBe(2);
  });

  it("refuses more guests than fit, and keeps the seat", async () => {
    const e = await event(3);
    await answer(e.id, "1", "going", 1);
    await answer(e.id, "2", "going", 0);
    await expect(answer(e.id, "1", "going", 2)).rejects.toThrow(
      /Only 0 more seats are free.*keep your seat with 1 guest/,
    );
    expect(await counts(e.id)).toEqual({ seats: 3, maybe: 0, waitlisted: 0 });
    await expect(answer(e.id, "1", "going", 9)).rejects.toThrow(/0 to 5 guests/);
  });

  it("refuses answers to cancelled and past events", async () => {
    const e = await event(3);
    await db.event.update({ where: { id: e.id }, data: { status: "cancelled" } });
    await expect(answer(e.id, "1", "going")).rejects.toThrow(/cancelled/);
    const p = await event(3);
    await expect(answer(p.id, "1", "going", 0, new Date("2026-12-06T00:00:00Z"))).rejects.toThrow(/already started/);
  });

  it("an organizer removes an answer (someone who left), which promotes the next", async () => {
    const e = await event(1);
    await answer(e.id, "gone", "going");
    await answer(e.id, "next", "going");
    const r = await removeRsvp(db, { eventId: e.id, userId: "gone", now: NOW }, organizer());
    expect(r.removed).toBe("going");
    expect(r.promoted.map((p) => p.userId)).toEqual(["next"]);
    expect(await db.rsvp.count({ where: { eventId: e.id, userId: "gone" } })).toBe(0);
    await expect(removeRsvp(db, { eventId: e.id, userId: "gone", now: NOW }, organizer())).rejects.toThrow(/no answer/);
    await expectConsistent(e.id);
  });

  it("no capacity means no waitlist", async () => {
    const e = await event(null);
    for (let i = 0; i < 30; i++) expect((await answer(e.id, `u${i}`, "going", 5)).status).toBe("going");
    expect(await counts(e.id)).toEqual({ seats: 180, maybe: 0, waitlisted: 0 });
  });
});

describe("lists, export and totals", () => {
  it("pages going, then the waitlist in order, then maybes", async () => {
    const e = await event(3);
    for (const u of ["g1", "g2", "g3", "w1", "w2"]) await answer(e.id, u, "going");
    for (const u of ["m1", "m2"]) await answer(e.id, u, "maybe");
    await answer(e.id, "no", "declined");
    const first = await rsvpPage(db, e.id, 0, 4);
    expect(first).toMatchObject({ page: 0, pages: 2, total: 7 });
    expect(first.rows.map((r) => [r.userId, r.status, r.position])).toEqual([
      ["g1", "going", null],
      ["g2", "going", null],
      ["g3", "going", null],
      ["w1", "waitlisted", 1],
    ]);
    const second = await rsvpPage(db, e.id, 1, 4);
    expect(second.rows.map((r) => [r.userId, r.position])).toEqual([
      ["w2", 2],
      ["m1", null],
      ["m2", null],
    ]);
    expect((await rsvpPage(db, e.id, 99, 4)).page).toBe(1); // clamped
  });

  it("exports every answer as formula-safe CSV", async () => {
    const e = await event(1);
    await answerRsvp(db, {
      eventId: e.id,
      userId: "1",
      displayName: '=HYPERLINK("x")',
      answer: "going",
      now: NOW,
      maxGuests: 5,
    });
    await answerRsvp(db, {
      eventId: e.id,
      userId: "2",
      displayName: 'Chloe, "DJ"',
      answer: "going",
      guests: 2,
      now: NOW,
      maxGuests: 5,
    });
    let text = "";
    for await (const chunk of await rsvpCsv(db, e.id)) text += String(chunk);
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("member id,display name,status,guests,waitlist position,updated at");
    expect(lines[1]).toMatch(/^1,"'=HYPERLINK\(""x""\)",going,0,,2026-11-29T12:00:00.000Z$/);
    expect(lines[2]).toMatch(/^2,"Chloe, ""DJ""",waitlisted,2,1,/);
  });

  it("the campaign totals equal the sum of the events' counters", async () => {
    const events = await db.event.findMany({ where: { status: "scheduled" } });
    const totals = await rsvpTotals(db);
    expect(totals).toEqual({
      going: events.reduce((n, e) => n + e.seatsTaken, 0),
      maybe: events.reduce((n, e) => n + e.maybeCount, 0),
      waitlisted: events.reduce((n, e) => n + e.waitlisted, 0),
    });
    expect((await readMetrics(db)).rsvps_going).toBe(totals.going);
  });

  it("/rsvp mine lists the member's upcoming answers with their place", async () => {
    const mine = await myRsvps(db, "w2", NOW);
    expect(mine.map((m) => [m.status, m.position])).toEqual([["waitlisted", 2]]);
  });
});
