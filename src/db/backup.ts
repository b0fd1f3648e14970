// `npm run db:backup [file]`: a consistent copy of the SQLite database, safe while the bot runs. `VACUUM INTO` reads
// the database in one read transaction, so the copy is one committed state (WAL included), and in WAL mode the bot
// keeps writing meanwhile. SQLite's page-by-page backup API would start over at every write of the running bot, and
// under a steady stream of writes might never finish; copying the .db file by hand misses what is still in the WAL.
// Default destination: backups/ beside the database, e.g. data/backups/keep-dancing-20261129-031500.db.
// PostgreSQL has its own tools: pg_dump.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { config as loadDotenv } from "dotenv";
import { SQLITE_BUSY_TIMEOUT_MS, isSqliteUrl, redactUrl, sqlitePath } from "./client.js";

export const DEFAULT_DATABASE_URL = "file:./data/keep-dancing.db";

/** backups/<name>-YYYYMMDD-HHMMSS.db beside the database (UTC, so names sort in time order). */
export function defaultBackupPath(file: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:]/g, "")
    .replace("T", "-");
  return path.join(path.dirname(file), "backups", `${path.basename(file, path.extname(file))}-${stamp}.db`);
}

export interface BackupResult {
  source: string;
  destination: string;
  bytes: number;
  migrations: number;
}

/**
 * Copies an open SQLite database to `target` with VACUUM INTO (one consistent committed state, WAL included) and
 * checks the copy; returns the number of migrations the copy has applied. Used by `npm run db:backup` and by the
 * migration runner before it changes a database that has rows.
 */
export function vacuumInto(db: Database.Database, target: string): number {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  db.prepare("VACUUM INTO ?").run(target);
  const copy = new Database(target, { readonly: true });
  try {
    const check = copy.pragma("integrity_check", { simple: true });
    if (check !== "ok") throw new Error(`The copy at ${target} failed SQLite's integrity check: ${String(check)}`);
    const bookkeeping = copy
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`)
      .get();
    if (!bookkeeping) return 0;
    return (
      copy.prepare(`SELECT count(*) AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`).get() as {
        n: number;
      }
    ).n;
  } finally {
    copy.close();
  }
}

/** Copies the SQLite database of `url` to `destination` (default: a timestamped file) and checks the copy. */
export async function backupSqlite(url: string, destination?: string, now = new Date()): Promise<BackupResult> {
  if (!isSqliteUrl(url))
    throw new Error(`${redactUrl(url)} is not a SQLite database: back PostgreSQL up with pg_dump.`);
  const source = sqlitePath(url);
  if (!fs.existsSync(source)) throw new Error(`There is no database at ${source}.`);
  const target = path.resolve(destination ?? defaultBackupPath(source, now));
  if (fs.existsSync(target)) throw new Error(`${target} exists already: choose another file.`);
  const db = new Database(source, { readonly: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
  let migrations: number;
  try {
    migrations = vacuumInto(db, target);
  } finally {
    db.close();
  }
  return { source, destination: target, bytes: fs.statSync(target).size, migrations };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  loadDotenv({ quiet: true });
  const url = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  try {
    const result = await backupSqlite(url, process.argv[2]);
    process.stdout.write(
      `Backed up ${result.source} to ${result.destination} (${Math.ceil(result.bytes / 1024)} KiB, ${result.migrations} migrations applied).\n`,
    );
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
