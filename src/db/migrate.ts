// Applies the SQL migrations at start (prisma/migrations for SQLite, prisma/postgres/migrations for PostgreSQL), keeping Prisma's own `_prisma_migrations`
// bookkeeping (same table, same checksums) so that `prisma migrate deploy` and `migrate status` stay usable
// wherever Prisma's native engine is available. It cannot be here: the engine is a download.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { vacuumInto } from "./backup.js";
import { SQLITE_BUSY_TIMEOUT_MS, sqlitePath } from "./client.js";
import { isPostgresUrl, postgresSettings, quoteIdent, withPgConnection } from "./postgres.js";

// src/db (tsx) or dist/src/db (the compiled bot, npm start): the migrations stay in the project's prisma/.
const fromHere = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const projectRoot = path.basename(fromHere) === "dist" ? path.dirname(fromHere) : fromHere;
export const SQLITE_MIGRATIONS_DIR = path.join(projectRoot, "prisma", "migrations");
/** Generated from the SQLite migrations by prisma/postgres.mjs: same names, PostgreSQL's SQL. */
export const POSTGRES_MIGRATIONS_DIR = path.join(projectRoot, "prisma", "postgres", "migrations");

/** Brings the database of DATABASE_URL up to date, whichever it is; returns the names of the migrations applied. */
export async function migrate(url: string): Promise<string[]> {
  return isPostgresUrl(url) ? migratePostgres(url) : migrateSqlite(url);
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The migrations of a folder in Prisma's layout (`<timestamp>_<name>/migration.sql`), oldest first. */
export function readMigrations(dir: string): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

const SQLITE_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/**
 * Brings a SQLite database up to date and returns the names of the migrations it applied.
 * Each migration runs in its own transaction; an edited migration that was already applied is refused,
 * as Prisma would, rather than silently diverging.
 *
 * Schema changes lose no data:
 * - Foreign keys are switched off on the connection *before* each transaction (inside one, SQLite ignores
 *   `PRAGMA foreign_keys`, and the SQLite driver has them on): otherwise the table rebuild Prisma writes for
 *   SQLite (create new_X, copy, DROP TABLE X, rename) would cascade-delete every row that points at X.
 * - `PRAGMA foreign_key_check` runs before the commit: a migration that leaves a dangling reference is rolled
 *   back and the start refused, naming the table.
 * - Before the first migration is applied to a database that has rows, a copy is taken beside it
 *   (backups/<name>-before-<migration>.db, with `npm run db:backup`'s code).
 */
export function migrateSqlite(url: string, dir = SQLITE_MIGRATIONS_DIR): string[] {
  const file = sqlitePath(url);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    // WAL lets readers go on while one writer commits; it is a property of the file, so set once here.
    db.pragma("journal_mode = WAL");
    db.exec(SQLITE_BOOKKEEPING);
    const applied = new Map(
      (
        db
          .prepare(
            `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL`,
          )
          .all() as {
          migration_name: string;
          checksum: string;
        }[]
      ).map((row) => [row.migration_name, row.checksum]),
    );
    const done: string[] = [];
    let backedUp = false;
    for (const migration of readMigrations(dir)) {
      const checksum = applied.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.name} was changed after it was applied; add a new migration instead.`);
        }
        continue;
      }
      if (!backedUp && hasRows(db)) {
        const target = backupPath(file, migration.name);
        vacuumInto(db, target);
        backedUp = true;
      }
      db.pragma("foreign_keys = OFF");
      try {
        // IMMEDIATE takes the write lock up front, so two processes starting together apply each migration once.
        db.transaction(() => {
          const again = db
            .prepare(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ? AND finished_at IS NOT NULL`)
            .get(migration.name);
          if (again) return;
          db.exec(migration.sql);
          // The migration's own `PRAGMA foreign_keys=ON` is ignored inside the transaction: check by hand, before the commit.
          const broken = db.pragma("foreign_key_check") as { table: string; rowid: number; parent: string }[];
          if (broken.length) {
            const first = broken[0]!;
            throw new Error(
              `Migration ${migration.name} would leave ${broken.length} row(s) pointing at missing rows (first: ${first.table} row ${first.rowid} -> ${first.parent}); nothing was changed.`,
            );
          }
          db.prepare(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
             VALUES (?, ?, ?, ?, ?, 1)`,
          ).run(
            crypto.randomUUID(),
            migration.checksum,
            new Date().toISOString(),
            migration.name,
            new Date().toISOString(),
          );
          done.push(migration.name);
        }).immediate();
      } finally {
        db.pragma("foreign_keys = ON");
      }
    }
    return done;
  } finally {
    db.close();
  }
}

/** Whether any table of the application holds a row (an empty or new database needs no backup). */
function hasRows(db: Database.Database): boolean {
  const tables = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`,
    )
    .all() as { name: string }[];
  return tables.some(
    ({ name }) => db.prepare(`SELECT 1 FROM "${name.replaceAll('"', '""')}" LIMIT 1`).get() !== undefined,
  );
}

/** backups/<database>-before-<migration>.db beside the database; -2, -3... if that exists (a migration retried after a refusal). */
function backupPath(file: string, migration: string): string {
  const base = path.join(
    path.dirname(file),
    "backups",
    `${path.basename(file, path.extname(file))}-before-${migration}`,
  );
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `${base}.db` : `${base}-${n}.db`;
    if (!fs.existsSync(candidate)) return candidate;
  }
}

// Prisma's own bookkeeping table for PostgreSQL, column for column.
const POSTGRES_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** The advisory lock key `prisma migrate` itself takes, so this runner and Prisma's never migrate at once either. */
const PRISMA_ADVISORY_LOCK = 72707369;

/**
 * Brings a PostgreSQL database (the schema named by `?schema=`, created if missing) up to date. Several processes
 * starting at once queue on an advisory lock, and each finds what the one before it applied: every migration runs
 * once. DDL is transactional in PostgreSQL, so a failed migration leaves nothing half done.
 */
export async function migratePostgres(url: string, dir = POSTGRES_MIGRATIONS_DIR): Promise<string[]> {
  const { schema } = postgresSettings(url);
  const migrations = readMigrations(dir);
  return withPgConnection(url, async (client) => {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK})`);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(POSTGRES_BOOKKEEPING);
      const rows = await client.query<{ migration_name: string; checksum: string }>(
        `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL`,
      );
      const applied = new Map(rows.rows.map((row) => [row.migration_name, row.checksum]));
      const done: string[] = [];
      for (const migration of migrations) {
        const checksum = applied.get(migration.name);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) {
            throw new Error(
              `Migration ${migration.name} was changed after it was applied; add a new migration instead.`,
            );
          }
          continue;
        }
        const startedAt = new Date();
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, $2, now(), $3, $4, 1)`,
            [crypto.randomUUID(), migration.checksum, migration.name, startedAt],
          );
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new Error(
            `Migration ${migration.name} failed on PostgreSQL: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
        done.push(migration.name);
      }
      return done;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK})`).catch(() => undefined);
    }
  });
}
