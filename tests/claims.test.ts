// The claim on an interaction id (src/discord/claims.ts): of any number of processes claiming one interaction at
// once, exactly one wins; old claims are pruned by the age in their snowflake. Two database clients stand for
// two processes, on a real database (SQLite here, PostgreSQL under `npm run test:postgres`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/db/client.js";
import { CLAIM_RETENTION_MS, claimInteraction, pruneClaims, snowflakeAt } from "../src/discord/claims.js";
import { freshDb, type TestDb } from "./support/db.js";

let t: TestDb;
let other: Db;
beforeAll(async () => {
  t = await freshDb();
  other = createDb(t.url);
});
afterAll(async () => {
  await other?.$disconnect();
  await t?.close();
});

/** A snowflake as Discord mints it at `time` (the low bits: worker, process and counter). */
const interactionAt = (time: Date, low = 1n) => (snowflakeAt(time) | low).toString();

describe("claims on interaction ids", () => {
  it("goes to exactly one of many claims of one interaction, from two processes at once", async () => {
    const id = interactionAt(new Date("2026-12-01T20:00:00Z"));
    const won = await Promise.all(Array.from({ length: 20 }, (_, i) => claimInteraction(i % 2 ? other : t.db, id)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await claimInteraction(t.db, id)).toBe(false);
    expect(await claimInteraction(other, id)).toBe(false);
  });

  it("lets every distinct interaction be claimed", async () => {
    const at = new Date("2026-12-01T20:05:00Z");
    const ids = Array.from({ length: 30 }, (_, i) => interactionAt(at, BigInt(i + 1)));
    const won = await Promise.all(ids.map((id, i) => claimInteraction(i % 2 ? other : t.db, id)));
    expect(won.every(Boolean)).toBe(true);
  });

  it("in one burst from one process (one statement), gives each id to its first claim only, across processes too", async () => {
    const at = new Date("2026-12-01T20:10:00Z");
    const ids = Array.from({ length: 40 }, (_, i) => interactionAt(at, BigInt((i % 10) + 1)));
    const here = await Promise.all(ids.map((id) => claimInteraction(t.db, id)));
    // Every id four times: exactly one of its claims wins, the first.
    ids
      .slice(0, 10)
      .forEach((id, i) =>
        expect([here[i], here[i + 10], here[i + 20], here[i + 30]]).toEqual([true, false, false, false]),
      );
    expect(await Promise.all(ids.slice(0, 10).map((id) => claimInteraction(other, id)))).toEqual(Array(10).fill(false));
  });

  it("prunes claims of interactions older than the retention, by the time in their id, and keeps younger ones", async () => {
    const now = new Date("2026-12-03T12:00:00Z");
    const old = interactionAt(new Date(now.getTime() - CLAIM_RETENTION_MS - 60_000), 7n);
    const young = interactionAt(new Date(now.getTime() - CLAIM_RETENTION_MS + 60_000), 7n);
    expect(await claimInteraction(t.db, old)).toBe(true);
    expect(await claimInteraction(t.db, young)).toBe(true);
    const before = await t.db.interactionClaim.count();
    const pruned = await pruneClaims(t.db, now);
    // The earlier tests' claims (1, 30 and 10, from 2026-12-01) are older than an hour before `now` too.
    expect(pruned).toBe(1 + 30 + 10 + 1);
    expect(await t.db.interactionClaim.count()).toBe(before - pruned);
    expect((await t.db.interactionClaim.findMany()).map((c) => c.id.toString())).toEqual([young]);
    // A pruned interaction could be claimed again; by then its token has long expired, so nobody can answer it.
  });

  it("turns a real Discord id into the time it was made", () => {
    // 175928847299117063 is Discord's documented example: 2016-04-30 11:18:25.796 UTC.
    expect(snowflakeAt(new Date("2016-04-30T11:18:25.796Z")) <= 175928847299117063n).toBe(true);
    expect(snowflakeAt(new Date("2016-04-30T11:18:25.797Z")) > 175928847299117063n).toBe(true);
  });
});
