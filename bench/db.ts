// The databases a benchmark runs on: a fresh SQLite file, or a fresh schema of TEST_DATABASE_URL. PostgreSQL
// support arrives in src/db through `migrate(url)`; until it is there, only SQLite runs (and the report says so).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as migrations from "../src/db/migrate.js";

type Migrate = (url: string) => string[] | Promise<string[]>;
// Looked up by name, so this file compiles before and after PostgreSQL support lands in src/db.
const POSTGRES_MODULE = "../src/db/postgres.js";
const mods: Record<string, unknown> = {
  ...migrations,
  ...((await import(POSTGRES_MODULE).catch(() => ({}))) as Record<string, unknown>),
};

export interface BenchDatabase {
  kind: "sqlite" | "postgresql";
  url: string;
  /** Removes the file or the schema. */
  drop(): Promise<void>;
}

/** Whether this checkout can run on PostgreSQL (its migration runner exists). */
export function postgresSupported(): boolean {
  return typeof mods.migrate === "function" && typeof mods.isPostgresUrl === "function";
}

export async function freshDatabase(kind: "sqlite" | "postgresql", postgresUrl?: string): Promise<BenchDatabase> {
  if (kind === "sqlite") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keep-dancing-bench-"));
    const url = `file:${path.join(dir, "bench.db")}`;
    await (migrations.migrateSqlite as Migrate)(url);
    return { kind, url, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  if (!postgresUrl || !postgresSupported()) throw new Error("PostgreSQL is not available to this benchmark");
  const parsed = new URL(postgresUrl);
  parsed.searchParams.set("schema", `bench_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`);
  const url = parsed.toString();
  await (mods.migrate as Migrate)(url);
  const dropSchema = mods.dropSchema as ((url: string) => Promise<void>) | undefined;
  return { kind, url, drop: async () => dropSchema?.(url) };
}

/** The directory where a benchmark keeps its bot's working files (no project .env leaks in). */
export function scratchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "keep-dancing-bench-bot-"));
}
