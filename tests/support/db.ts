// A fresh, fully migrated SQLite database per test file: real tables, real constraints, no mocks.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, type Db } from "../../src/db/client.js";
import { migrateSqlite } from "../../src/db/migrate.js";

export interface TestDb {
  db: Db;
  url: string;
  dir: string;
  close(): Promise<void>;
}

export function tempDir(prefix = "keep-dancing-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freshDb(): Promise<TestDb> {
  const dir = tempDir();
  const url = `file:${path.join(dir, "test.db")}`;
  migrateSqlite(url);
  const db = createDb(url);
  return {
    db,
    url,
    dir,
    async close() {
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
