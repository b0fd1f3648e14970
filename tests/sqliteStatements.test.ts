// SQLite's connection under Prisma (src/db/sqliteStatements.ts): statements prepared once and run with new
// parameters each time, the least recently used dropped past the limit, and transactions that begin
// IMMEDIATE, so another process writing to the file between a transaction's read and its write makes it
// wait rather than fail. SQLite only: PostgreSQL's adapter is not touched.
import Database from "better-sqlite3";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepStatements } from "../src/db/sqliteStatements.js";
import { readMetrics, applyMetric } from "../src/services/metrics.js";
import { freshDb, tempDir, testPostgresUrl, type TestDb } from "./support/db.js";

describe("kept statements on a better-sqlite3 connection", () => {
  let connection: Database.Database;
  let prepared: string[];
  beforeAll(() => {
    connection = new Database(path.join(tempDir(), "kept.db"));
    connection.exec(`CREATE TABLE "T" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL)`);
    const prepare = connection.prepare.bind(connection);
    prepared = [];
    connection.prepare = ((sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    }) as typeof connection.prepare;
    keepStatements(connection, 3);
  });
  afterAll(() => connection?.close());

  it("prepares a text once and runs it with each call's own parameters, as the adapter calls it", () => {
    for (const [id, name] of [
      [1, "ava"],
      [2, "ben"],
      [3, "cy"],
    ] as const)
      connection.prepare(`INSERT INTO "T" ("id", "name") VALUES (?, ?)`).bind([id, name]).run();
    const read = (id: number) => {
      const s = connection.prepare(`SELECT "id", "name" FROM "T" WHERE "id" = ?`).bind([id]);
      expect(s.reader).toBe(true);
      expect(s.columns().map((c) => c.name)).toEqual(["id", "name"]);
      return s.raw().all();
    };
    expect(read(2)).toEqual([[2, "ben"]]);
    expect(read(3)).toEqual([[3, "cy"]]);
    expect(read(9)).toEqual([]);
    expect(prepared.filter((s) => s.startsWith("INSERT"))).toHaveLength(1);
    expect(prepared.filter((s) => s.startsWith("SELECT"))).toHaveLength(1);
  });

  it("drops the least recently used statement past its limit, and prepares it again when it comes back", () => {
    prepared.length = 0;
    const texts = [1, 2, 3, 4].map((n) => `SELECT ${n} AS "n"`);
    for (const t of [texts[0], texts[1], texts[2], texts[0], texts[3], texts[0], texts[1]])
      connection.prepare(t!).bind([]).raw().all();
    // Kept 3: 1,2,3 · 1 kept · 4 drops 2 · 1 kept · 2 prepared again (dropping 3).
    expect(prepared).toEqual([texts[0], texts[1], texts[2], texts[3], texts[1]]);
  });

  it("begins a transaction IMMEDIATE", () => {
    connection.prepare("BEGIN").run();
    expect(connection.inTransaction).toBe(true);
    // IMMEDIATE holds the write lock from the start: a second connection cannot write until the commit.
    const other = new Database(connection.name, { timeout: 50 });
    expect(() => other.prepare(`INSERT INTO "T" ("id", "name") VALUES (10, 'dee')`).run()).toThrow(/locked|busy/i);
    connection.prepare("COMMIT").run();
    other.prepare(`INSERT INTO "T" ("id", "name") VALUES (10, 'dee')`).run();
    other.close();
  });
});

describe.skipIf(!!testPostgresUrl())("a transaction of the bot's client on SQLite", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb();
  });
  afterAll(async () => t?.close());

  it("that reads, then writes, is not broken by another process writing in between: that write waits its turn (here it gives up first)", async () => {
    const now = new Date("2026-06-01T12:00:00Z");
    await applyMetric(t.db, "volunteers", 1, now);
    // Another process on the same file (a second connection), with a short busy timeout so the test is quick.
    const other = new Database(t.url.replace(/^file:/, ""), { timeout: 50 });
    let otherWrite: unknown = null;
    await t.db.$transaction(async (tx) => {
      const before = await readMetrics(tx);
      try {
        other.prepare(`UPDATE "Metric" SET "value" = "value" + 100 WHERE "name" = 'volunteers'`).run();
      } catch (err) {
        otherWrite = err;
      }
      // DEFERRED, the other process's write would have gone in and this write would fail (SQLITE_BUSY_SNAPSHOT).
      await applyMetric(tx, "volunteers", 1, now);
      expect(before.volunteers).toBe(1);
    });
    expect(String(otherWrite)).toMatch(/locked|busy/i);
    expect((await readMetrics(t.db)).volunteers).toBe(2);
    other.close();
  });
});
