// Two hundred members pressing Going at once on 50 seats: exactly 50 seats taken (guests counted), the rest
// waitlisted in order of arrival, nobody twice. Run several times: it must hold on every run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../src/db/client.js";
import { createEvent } from "../src/services/events.js";
import { readMetrics } from "../src/services/metrics.js";
import { answerRsvp } from "../src/services/rsvps.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

const NOW = new Date("2026-11-29T12:00:00Z");
let t: TestDb;
let db: Db;
beforeAll(async () => {
  t = await freshDb();
  db = t.db;
});
afterAll(() => t.close());

describe("a burst of answers", () => {
  for (const run of [1, 2, 3]) {
    it(`run ${run}: 200 members, 50 seats`, async () => {
      const e = await createEvent(
        db,
        { name: `Burst ${run}`, starts: "2026-12-05 20:00", capacity: 50, createdBy: "1", now: NOW },
        { timeZone: "UTC", reminderHours: [24, 1] },
        organizer(),
      );
      const before = await readMetrics(db);
      const members = Array.from({ length: 200 }, (_, i) => ({
        id: `m${i}`,
        guests: i % 4 === 0 ? 2 : i % 3 === 0 ? 1 : 0,
      }));
      // Some press twice (a double click): still one answer each.
      const presses = [...members, ...members.filter((_, i) => i % 10 === 0)];
      const results = await Promise.all(
        presses.map((m) =>
          answerRsvp(db, {
            eventId: e.id,
            userId: m.id,
            displayName: m.id,
            answer: "going",
            guests: m.guests,
            now: NOW,
            maxGuests: 5,
          }),
        ),
      );
      expect(results.every((r) => r.status === "going" || r.status === "waitlisted")).toBe(true);

      const rows = await db.rsvp.findMany({ where: { eventId: e.id }, orderBy: { id: "asc" } });
      expect(rows).toHaveLength(200);
      expect(new Set(rows.map((r) => r.userId)).size).toBe(200);
      const seated = rows.filter((r) => r.status === "going");
      const waiting = rows.filter((r) => r.status === "waitlisted");
      expect(seated.length + waiting.length).toBe(200);
      expect(seated.reduce((n, r) => n + 1 + r.guests, 0)).toBe(50);
      const event = await db.event.findUniqueOrThrow({ where: { id: e.id } });
      expect(event.seatsTaken).toBe(50);
      expect(event.waitlisted).toBe(waiting.reduce((n, r) => n + 1 + r.guests, 0));
      // Order of arrival: rows are created in transaction order, and tickets follow the same order, unique.
      const tickets = waiting.map((r) => r.waitlistSeq!);
      expect(new Set(tickets).size).toBe(tickets.length);
      expect([...tickets].sort((a, b) => a - b)).toEqual(tickets);
      // Nobody was passed over: seats only run out in a burst, so whoever was seated after someone was
      // waitlisted must have needed fewer seats than that person.
      for (const w of waiting) expect(seated.filter((r) => r.id > w.id).every((r) => r.guests < w.guests)).toBe(true);
      // The campaign counters moved by exactly what the event holds.
      const after = await readMetrics(db);
      expect(after.rsvps_going - before.rsvps_going).toBe(50);
      expect(after.rsvps_waitlisted - before.rsvps_waitlisted).toBe(event.waitlisted);
    });
  }
});
