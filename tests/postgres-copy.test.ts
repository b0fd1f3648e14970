// `npm run db:copy`: every row of a SQLite database into an empty PostgreSQL one (runs under npm run test:postgres).
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/db/client.js";
import { copySqliteToPostgres } from "../src/db/copy.js";
import { migrateSqlite } from "../src/db/migrate.js";
import { Prisma } from "../src/generated/prisma/client.js";
import { dropDatabase, tempDir, testPostgresUrl, uniqueDatabaseUrl } from "./support/db.js";

const dir = tempDir();
const urls: string[] = [];
afterAll(async () => {
  for (const url of urls) await dropDatabase(url);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every row of every model, in a comparable form. */
async function everything(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const model of Object.values(Prisma.ModelName)) {
    const delegate = (db as unknown as Record<string, { findMany(): Promise<unknown[]> }>)[
      model[0]!.toLowerCase() + model.slice(1)
    ]!;
    out[model] = (await delegate.findMany()).map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

describe.runIf(testPostgresUrl())("copying SQLite into PostgreSQL", () => {
  it("copies every row (times, booleans, floats, nulls, foreign keys, compound keys), and ids go on after them", async () => {
    const sqliteUrl = `file:${path.join(dir, "source.db")}`;
    migrateSqlite(sqliteUrl);
    const source = createDb(sqliteUrl);
    const startsAt = new Date("2026-12-31T21:00:00.000Z");
    for (let i = 0; i < 3; i++) {
      await source.event.create({
        data: {
          name: `Party ${i}`,
          startsAt,
          createdBy: "1",
          remindedHours: 1.5,
          capacity: i === 0 ? null : 10,
          rsvps: { create: [{ userId: "2", displayName: "Ben", status: "going", guests: 1 }] },
        },
      });
    }
    await source.event.delete({ where: { id: 2 } }); // a gap in the ids
    await source.rsvpSetting.create({ data: { userId: "2", remindersOff: true } });
    const offer = await source.djOffer.create({
      data: { userId: "3", djName: "Lumen", genres: "house", minutes: 60, links: "", note: "" },
    });
    const set = await source.djSet.create({
      data: { offerId: offer.id, stage: "Main", startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000) },
    });
    const request = await source.trackRequest.create({
      data: { setId: set.id, title: "Song", artist: "Band", matchKey: "song band", requestedBy: "2" },
    });
    await source.trackVote.create({ data: { requestId: request.id, userId: "2", notify: true } });
    for (let i = 0; i < 1_200; i++)
      await source.directMessage.create({
        data: { dedupeKey: `k${i}`, userId: "2", content: `hello ${i}`, sentAt: i % 2 ? startsAt : null },
      });
    const before = await everything(source);
    await source.$disconnect();

    const pgUrl = uniqueDatabaseUrl(dir);
    urls.push(pgUrl);
    const result = await copySqliteToPostgres(sqliteUrl, pgUrl);
    expect(result.tables.find((t) => t.name === "DirectMessage")?.rows).toBe(1_200);
    const names = result.tables.map((t) => t.name);
    expect(names.indexOf("Event")).toBeLessThan(names.indexOf("Rsvp"));
    expect(names.indexOf("TrackRequest")).toBeLessThan(names.indexOf("TrackVote"));

    const target = createDb(pgUrl);
    try {
      expect(await everything(target)).toEqual(before);
      expect((await target.event.create({ data: { name: "Next", startsAt, createdBy: "1" } })).id).toBe(4);
      expect((await target.directMessage.create({ data: { dedupeKey: "new", userId: "2", content: "x" } })).id).toBe(
        1_201,
      );
      // A second copy into the same database is refused, and changes nothing.
      await expect(copySqliteToPostgres(sqliteUrl, pgUrl)).rejects.toThrow(/has rows already/);
      expect(await target.directMessage.count()).toBe(1_201);
    } finally {
      await target.$disconnect();
    }
  }, 60_000);
});
