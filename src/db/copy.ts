// `npm run db:copy -- postgresql://…`: copies every row of the SQLite database (DATABASE_URL, or the first of two
// URLs given) into a PostgreSQL database, the one step of moving from SQLite to PostgreSQL that is not a setting.
// Both ends are migrated first, so their tables agree; the target must be empty; the copy is one PostgreSQL
// transaction (all or nothing) read from one SQLite snapshot. Stop the bot first: what it writes afterwards stays behind.
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { config as loadDotenv } from "dotenv";
import { isSqliteUrl, redactUrl, sqlitePath } from "./client.js";
import { migratePostgres, migrateSqlite } from "./migrate.js";
import { isPostgresUrl, postgresSettings, quoteIdent, withPgConnection } from "./postgres.js";

const BATCH = 500;

export interface CopyResult {
  tables: { name: string; rows: number }[];
}

/** Tables in an order where every table comes after the tables its foreign keys point at. */
function dependencyOrder(sqlite: Database.Database, tables: string[]): string[] {
  const deps = new Map(
    tables.map((t) => [
      t,
      (sqlite.prepare(`PRAGMA foreign_key_list(${quoteIdent(t)})`).all() as { table: string }[])
        .map((fk) => fk.table)
        .filter((d) => d !== t),
    ]),
  );
  const ordered: string[] = [];
  const visit = (t: string, seen: Set<string>) => {
    if (ordered.includes(t)) return;
    if (seen.has(t)) throw new Error(`foreign keys form a cycle through ${t}`);
    seen.add(t);
    for (const d of deps.get(t) ?? []) visit(d, seen);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}

/** SQLite keeps booleans as 0/1 and times as text or epoch milliseconds; PostgreSQL wants them typed. */
function converter(pgType: string): (v: unknown) => unknown {
  if (pgType === "boolean") return (v) => (v === null ? null : Boolean(v));
  if (pgType.startsWith("timestamp")) {
    return (v) => {
      if (v === null) return null;
      const d = new Date(typeof v === "number" || /^\d+$/.test(String(v)) ? Number(v) : String(v));
      if (Number.isNaN(d.getTime())) throw new Error(`cannot read the time ${String(v)}`);
      return d.toISOString().replace("Z", ""); // TIMESTAMP without zone, holding UTC
    };
  }
  return (v) => v;
}

export async function copySqliteToPostgres(fromUrl: string, toUrl: string): Promise<CopyResult> {
  if (!isSqliteUrl(fromUrl)) throw new Error(`${redactUrl(fromUrl)} is not a SQLite database (file:…)`);
  if (!isPostgresUrl(toUrl)) throw new Error(`${redactUrl(toUrl)} is not a PostgreSQL database (postgresql://…)`);
  migrateSqlite(fromUrl);
  await migratePostgres(toUrl);
  const { schema } = postgresSettings(toUrl);
  const sqlite = new Database(sqlitePath(fromUrl), { readonly: true });
  try {
    const tables = (
      sqlite
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`,
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    return await withPgConnection(toUrl, async (pg) => {
      const result: CopyResult = { tables: [] };
      await pg.query("BEGIN");
      try {
        // One read transaction on SQLite: every table is read from the same state.
        sqlite.exec("BEGIN");
        for (const table of dependencyOrder(sqlite, tables)) {
          const columns = (
            await pg.query<{ column_name: string; data_type: string; column_default: string | null }>(
              `SELECT column_name, data_type, column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
              [schema, table],
            )
          ).rows;
          if (!columns.length)
            throw new Error(`PostgreSQL has no table ${table}: are both databases on the same migrations?`);
          const existing = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
          if (Number(existing.rows[0]!.n) > 0)
            throw new Error(`PostgreSQL's ${table} has rows already: copy into an empty database`);
          const names = columns.map((c) => c.column_name);
          const convert = columns.map((c) => converter(c.data_type));
          const select = sqlite
            .prepare(`SELECT ${names.map(quoteIdent).join(", ")} FROM ${quoteIdent(table)} ORDER BY rowid`)
            .raw(true);
          let batch: unknown[][] = [];
          let rows = 0;
          const flush = async () => {
            if (!batch.length) return;
            const values = batch
              .map((_, r) => `(${names.map((__, c) => `$${r * names.length + c + 1}`).join(", ")})`)
              .join(", ");
            await pg.query(
              `INSERT INTO ${quoteIdent(table)} (${names.map(quoteIdent).join(", ")}) VALUES ${values}`,
              batch.flat(),
            );
            rows += batch.length;
            batch = [];
          };
          for (const row of select.iterate() as IterableIterator<unknown[]>) {
            batch.push(row.map((v, i) => convert[i]!(v)));
            if (batch.length >= BATCH) await flush();
          }
          await flush();
          // Autoincrement ids go on after the largest copied one.
          for (const c of columns.filter((c) => c.column_default?.startsWith("nextval("))) {
            await pg.query(
              `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(${quoteIdent(c.column_name)}) FROM ${quoteIdent(table)}), 0) + 1, false)`,
              [quoteIdent(table), c.column_name],
            );
          }
          result.tables.push({ name: table, rows });
        }
        sqlite.exec("COMMIT");
        await pg.query("COMMIT");
        return result;
      } catch (err) {
        if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
        await pg.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    });
  } finally {
    sqlite.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  loadDotenv({ quiet: true });
  const args = process.argv.slice(2);
  const [from, to] =
    args.length >= 2 ? args : [process.env.DATABASE_URL?.trim() || "file:./data/keep-dancing.db", args[0]];
  if (!to) {
    process.stderr.write(
      "Usage: npm run db:copy -- [file:./data/keep-dancing.db] postgresql://user:password@host:5432/db\n",
    );
    process.exit(2);
  }
  try {
    const result = await copySqliteToPostgres(from!, to);
    for (const t of result.tables) process.stdout.write(`${t.name.padEnd(24)} ${t.rows} rows\n`);
    process.stdout.write(
      `Copied ${redactUrl(from!)} to ${redactUrl(to)}. Set DATABASE_URL to the PostgreSQL URL and start the bot.\n`,
    );
  } catch (err) {
    process.stderr.write(`Nothing was copied: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
