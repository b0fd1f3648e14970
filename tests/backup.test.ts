// `npm run db:backup`: a consistent copy of the SQLite database taken while it is being written, which restores
// (becomes the database again) and reads back.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { backupSqlite, defaultBackupPath } from "../src/db/backup.js";
import { createDb } from "../src/db/client.js";
import { migrateSqlite } from "../src/db/migrate.js";
import { tempDir } from "./support/db.js";

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sqliteDb(name: string) {
  const url = `file:${path.join(dir, name)}`;
  migrateSqlite(url);
  return { url, db: createDb(url) };
}

describe("db:backup", () => {
  it("names the copy by the time, under backups/ beside the database", () => {
    expect(defaultBackupPath("/srv/data/keep-dancing.db", new Date("2026-11-29T03:15:07.123Z"))).toBe(
      "/srv/data/backups/keep-dancing-20261129-031507.db",
    );
  });

  it("copies a database while another connection writes to it; the copy restores and reads", async () => {
    const { url, db } = sqliteDb("live.db");
    const write = (i: number) =>
      db.directMessage.create({ data: { dedupeKey: `k${i}`, userId: "1", content: `message ${i}` } });
    for (let i = 0; i < 200; i++) await write(i);
    // Writes keep coming while the copy is taken, as they would from the running bot.
    let writing = true;
    let written = 200;
    const writer = (async () => {
      while (writing) await write(written++);
    })();
    const result = await backupSqlite(url, path.join(dir, "copy.db"));
    writing = false;
    await writer;
    await db.$disconnect();
    expect(result.migrations).toBeGreaterThan(0);

    // Restoring is putting the copy in the database's place; the bot then finds it up to date.
    const restored = path.join(dir, "restored.db");
    fs.copyFileSync(result.destination, restored);
    expect(migrateSqlite(`file:${restored}`)).toEqual([]);
    const back = createDb(`file:${restored}`);
    try {
      const rows = await back.directMessage.findMany({ orderBy: { id: "asc" } });
      expect(rows.length).toBeGreaterThanOrEqual(200);
      expect(rows.length).toBeLessThanOrEqual(written);
      // One committed state: the ids have no gap (no row torn out of the middle).
      expect(rows.map((r) => r.id)).toEqual(rows.map((_, i) => i + 1));
      expect(rows[199]!.content).toBe("message 199");
    } finally {
      await back.$disconnect();
    }
  });

  it("refuses to overwrite a file, and a PostgreSQL URL", async () => {
    const { url, db } = sqliteDb("refuse.db");
    await db.$disconnect();
    fs.writeFileSync(path.join(dir, "taken.db"), "");
    await expect(backupSqlite(url, path.join(dir, "taken.db"))).rejects.toThrow(/exists already/);
    await expect(backupSqlite("postgresql://u:secret@db/x")).rejects.toThrow(/pg_dump/);
  });

  it("npm run db:backup writes the timestamped copy from DATABASE_URL", async () => {
    const work = path.join(dir, "cli");
    fs.mkdirSync(path.join(work, "data"), { recursive: true });
    const { db } = sqliteDb("cli/data/keep-dancing.db");
    await db.directMessage.create({ data: { dedupeKey: "cli", userId: "1", content: "hello" } });
    await db.$disconnect();
    const run = spawnSync(
      process.execPath,
      ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, path.resolve("src/db/backup.ts")],
      {
        cwd: work,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          DATABASE_URL: "file:./data/keep-dancing.db",
        },
        encoding: "utf8",
      },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const copies = fs.readdirSync(path.join(work, "data", "backups"));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^keep-dancing-\d{8}-\d{6}\.db$/);
    expect(run.stdout).toContain(copies[0]);
    const back = createDb(`file:${path.join(work, "data", "backups", copies[0]!)}`);
    expect((await back.directMessage.findUniqueOrThrow({ where: { dedupeKey: "cli" } })).content).toBe("hello");
    await back.$disconnect();
  });
});
