// A fresh, fully migrated database per test file: real tables, real constraints, no mocks.
// SQLite by default (a temporary file); PostgreSQL when TEST_DATABASE_URL is set (`npm run test:postgres`):
// then each database is a schema of its own in that database, dropped when the test closes it.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, type Db } from "../../src/db/client.js";
import { migrate, migrateSqlite } from "../../src/db/migrate.js";
import { dropSchema } from "../../src/db/postgres.js";
// Registers the milestone check that every counter change runs, as src/bot.ts does.
import "../../src/services/milestones.js";

export interface TestDb {
  db: Db;
  url: string;
  dir: string;
  close(): Promise<void>;
}

export function tempDir(prefix = "keep-dancing-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The PostgreSQL server the suites run on, or undefined for SQLite. */
export function testPostgresUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL?.trim() || undefined;
}

/** A database URL nobody else uses: a new SQLite file in `dir`, or a new schema on TEST_DATABASE_URL. */
export function uniqueDatabaseUrl(dir: string, file = "test.db"): string {
  const base = testPostgresUrl();
  if (!base) return `file:${path.join(dir, file)}`;
  const url = new URL(base);
  url.searchParams.set("schema", `t_${process.pid}_${crypto.randomBytes(4).toString("hex")}`);
  return url.toString();
}

/** Removes what uniqueDatabaseUrl made (the schema; the caller removes the folder). */
export async function dropDatabase(url: string): Promise<void> {
  if (url.startsWith("file:")) return;
  await dropSchema(url);
}

export async function freshDb(): Promise<TestDb> {
  const dir = tempDir();
  const url = uniqueDatabaseUrl(dir);
  if (url.startsWith("file:")) migrateSqlite(url);
  else await migrate(url);
  const db = createDb(url);
  return {
    db,
    url,
    dir,
    async close() {
      await db.$disconnect();
      await dropDatabase(url);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
