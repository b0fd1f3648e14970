// The next schema change loses nothing (SQLite): Prisma's table rebuild of Event (create new_Event, copy, DROP TABLE
// "Event", rename), applied by the runner to a database full of answers, keeps every row of every table; a
// migration that would leave dangling references is refused and changes nothing; a backup is taken first.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { migrateSqlite, SQLITE_MIGRATIONS_DIR } from "../src/db/migrate.js";
import { tempDir, testPostgresUrl } from "./support/db.js";

const dir = tempDir("keep-dancing-migration-safety-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The project's migrations plus `extra` (name -> SQL), in a folder of their own. */
function migrationsWith(extra: Record<string, string>): string {
  const target = fs.mkdtempSync(path.join(dir, "migrations-"));
  fs.cpSync(SQLITE_MIGRATIONS_DIR, target, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    fs.mkdirSync(path.join(target, name));
    fs.writeFileSync(path.join(target, name, "migration.sql"), sql);
  }
  return target;
}

/** The table rebuild Prisma writes for SQLite when a column of Event changes (here: location gets a default). */
function rebuildEventSql(db: Database.Database): string {
  const table = (
    db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'Event'`).get() as { sql: string }
  ).sql;
  const indexes = (
    db
      .prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Event' AND sql IS NOT NULL`)
      .all() as { sql: string }[]
  ).map((r) => r.sql);
  const columns = (db.prepare(`PRAGMA table_info("Event")`).all() as { name: string }[])
    .map((c) => `"${c.name}"`)
    .join(", ");
  const created = table
    .replace(/^CREATE TABLE "Event"/, 'CREATE TABLE "new_Event"')
    .replace(/"location" TEXT,/, `"location" TEXT DEFAULT 'to be announced',`);
  expect(created).toContain("to be announced");
  return [
    "-- RedefineTables",
    "PRAGMA defer_foreign_keys=ON;",
    "PRAGMA foreign_keys=OFF;",
    `${created};`,
    `INSERT INTO "new_Event" (${columns}) SELECT ${columns} FROM "Event";`,
    `DROP TABLE "Event";`,
    `ALTER TABLE "new_Event" RENAME TO "Event";`,
    ...indexes.map((sql) => `${sql};`),
    "PRAGMA foreign_keys=ON;",
    "PRAGMA defer_foreign_keys=OFF;",
    "",
  ].join("\n");
}

const counts = (db: Database.Database) => {
  const tables = (
    db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations' ORDER BY name`,
      )
      .all() as { name: string }[]
  ).map((t) => t.name);
  return Object.fromEntries(
    tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]),
  );
};

/** A database with events and answers to them (written as the services write them: real rows, real constraints). */
function seeded(file: string): Database.Database {
  migrateSqlite(`file:${file}`);
  const db = new Database(file);
  const at = "2026-12-05T20:00:00.000Z";
  const event = db.prepare(
    `INSERT INTO "Event" ("name", "startsAt", "createdBy", "updatedAt", "seatsTaken") VALUES (?, ?, ?, ?, ?)`,
  );
  const rsvp = db.prepare(
    `INSERT INTO "Rsvp" ("eventId", "userId", "displayName", "status", "guests", "updatedAt") VALUES (?, ?, ?, ?, ?, ?)`,
  );
  for (let e = 1; e <= 3; e++) {
    const id = Number(event.run(`Party ${e}`, at, "100000000000000001", at, 40).lastInsertRowid);
    for (let m = 0; m < 40; m++)
      rsvp.run(
        id,
        String(200000000000000000n + BigInt(e * 1000 + m)),
        `Dancer ${m}`,
        m % 5 === 0 ? "maybe" : "going",
        m % 3,
        at,
      );
  }
  return db;
}

describe.skipIf(Boolean(testPostgresUrl()))("SQLite migrations keep the data", () => {
  it("a table rebuild of Event on a database with answers keeps every row, and a backup was taken first", () => {
    const file = path.join(dir, "rebuild.db");
    const db = seeded(file);
    const before = counts(db);
    expect(before.Rsvp).toBe(120);
    const rsvpsBefore = db.prepare(`SELECT * FROM "Rsvp" ORDER BY id`).all();
    const eventsBefore = db.prepare(`SELECT * FROM "Event" ORDER BY id`).all();
    const migrations = migrationsWith({ "29991231000000_rebuild_event": rebuildEventSql(db) });
    db.close();

    expect(migrateSqlite(`file:${file}`, migrations)).toEqual(["29991231000000_rebuild_event"]);

    const after = new Database(file);
    expect(counts(after)).toEqual(before);
    expect(after.prepare(`SELECT * FROM "Rsvp" ORDER BY id`).all()).toEqual(rsvpsBefore);
    expect(after.prepare(`SELECT * FROM "Event" ORDER BY id`).all()).toEqual(eventsBefore);
    // The rebuilt table is in place, with its indexes, and foreign keys still hold (and cascade) against it.
    expect(
      (after.prepare(`SELECT sql FROM sqlite_master WHERE name = 'Event'`).get() as { sql: string }).sql,
    ).toContain("to be announced");
    expect(
      after.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Event'`).all(),
    ).toContainEqual({ name: "Event_status_startsAt_idx" });
    expect(after.pragma("foreign_key_check")).toEqual([]);
    after.pragma("foreign_keys = ON");
    after.prepare(`DELETE FROM "Event" WHERE id = 1`).run();
    expect((after.prepare(`SELECT count(*) AS n FROM "Rsvp"`).get() as { n: number }).n).toBe(80);
    after.close();

    const backup = path.join(dir, "backups", "rebuild-before-29991231000000_rebuild_event.db");
    const copy = new Database(backup, { readonly: true });
    expect(counts(copy)).toEqual(before);
    copy.close();
  });

  it("refuses a migration that would leave rows pointing at nothing, and changes nothing", () => {
    const file = path.join(dir, "dangling.db");
    const db = seeded(file);
    const before = counts(db);
    db.close();
    const migrations = migrationsWith({
      "29991231000000_dangling": [
        `PRAGMA foreign_keys=OFF;`,
        `DELETE FROM "Event" WHERE id = 2;`,
        `ALTER TABLE "Rsvp" ADD COLUMN "note" TEXT;`,
        `PRAGMA foreign_keys=ON;`,
        "",
      ].join("\n"),
    });
    expect(() => migrateSqlite(`file:${file}`, migrations)).toThrow(
      /would leave 40 row\(s\) pointing at missing rows \(first: Rsvp row \d+ -> Event\)/,
    );
    const after = new Database(file);
    expect(counts(after)).toEqual(before);
    expect((after.prepare(`PRAGMA table_info("Rsvp")`).all() as { name: string }[]).map((c) => c.name)).not.toContain(
      "note",
    );
    expect(
      after.prepare(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29991231000000_dangling'`).get(),
    ).toBeUndefined();
    after.close();
  });

  it("takes no backup of a new, empty database", () => {
    const file = path.join(dir, "empty", "fresh.db");
    migrateSqlite(`file:${file}`);
    expect(fs.existsSync(path.join(dir, "empty", "backups"))).toBe(false);
  });
});
