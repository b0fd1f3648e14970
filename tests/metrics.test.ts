// Campaign counters: summed within a transaction and written just before it commits, in one order, so that
// concurrent changes touching the same counters in different orders never deadlock (PostgreSQL) and a
// rolled-back change leaves them as they were.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adjustMetric, applyMetric, readMetrics } from "../src/services/metrics.js";
import { freshDb, type TestDb } from "./support/db.js";

let t: TestDb;
// The test's own clock: any fixed moment works, since every rule here takes `now` from its caller.
const NOW = new Date("2026-11-29T12:00:00Z");
beforeAll(async () => (t = await freshDb()));
afterAll(async () => t?.close());

const pause = () => new Promise((r) => setTimeout(r, 5));

describe("campaign counters", () => {
  it("outside a transaction, change at once", async () => {
    await adjustMetric(t.db, "track_requests", 2, NOW);
    expect((await readMetrics(t.db)).track_requests).toBe(2);
  });

  it("inside one, are written at its end, summed, and not at all if it rolls back", async () => {
    const before = await readMetrics(t.db);
    await t.db.$transaction(async (tx) => {
      await adjustMetric(tx, "rsvps_going", 3, NOW);
      await adjustMetric(tx, "rsvps_going", -1, NOW);
      await adjustMetric(tx, "rsvps_maybe", 1, NOW);
      // Not written yet: the row is locked only at the end.
      const row = await tx.metric.findUnique({ where: { name: "rsvps_going" } });
      expect(row?.value ?? 0).toBe(before.rsvps_going);
    });
    const after = await readMetrics(t.db);
    expect([after.rsvps_going - before.rsvps_going, after.rsvps_maybe - before.rsvps_maybe]).toEqual([2, 1]);

    await expect(
      t.db.$transaction(async (tx) => {
        await adjustMetric(tx, "rsvps_going", 10, NOW);
        throw new Error("the change fails");
      }),
    ).rejects.toThrow("the change fails");
    expect((await readMetrics(t.db)).rsvps_going).toBe(after.rsvps_going);
  });

  it("applyMetric says what the value was and became", async () => {
    const change = await applyMetric(t.db, "raised_cents", 500, NOW);
    expect(change.after - change.before).toBe(500);
  });

  it("never deadlock when many changes touch the same counters in opposite orders", async () => {
    const before = await readMetrics(t.db);
    const changes = Array.from({ length: 40 }, (_, i) =>
      t.db.$transaction(
        async (tx) => {
          const [first, second] =
            i % 2 ? (["volunteers", "shift_slots_filled"] as const) : (["shift_slots_filled", "volunteers"] as const);
          await adjustMetric(tx, first, 1, NOW);
          await pause();
          await adjustMetric(tx, second, 1, NOW);
          await pause();
        },
        { maxWait: 20_000, timeout: 20_000 },
      ),
    );
    await Promise.all(changes);
    const after = await readMetrics(t.db);
    expect([after.volunteers - before.volunteers, after.shift_slots_filled - before.shift_slots_filled]).toEqual([
      40, 40,
    ]);
  });
});
