// PostgreSQL connection settings from a DATABASE_URL, in Prisma's own URL dialect: `?schema=name` picks the schema
// (default "public"), `?connection_limit=n` sizes the pool. Loaded only when the URL is a postgres one, so the
// SQLite path never pays for the pg driver.
import { createRequire } from "node:module";
import type { PoolClient, PoolConfig } from "pg";
import type { PrismaPg } from "@prisma/adapter-pg";

const require = createRequire(import.meta.url);

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export interface PostgresSettings {
  /** The schema every table lives in; raw SQL finds it through search_path. */
  schema: string;
  pool: PoolConfig;
}

export function postgresSettings(url: string): PostgresSettings {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "public";
  const limit = parsed.searchParams.get("connection_limit");
  // Prisma's own parameters mean nothing to pg: take them out of the connection string.
  for (const key of ["schema", "connection_limit", "pool_timeout", "connect_timeout"]) parsed.searchParams.delete(key);
  return {
    schema,
    pool: {
      connectionString: parsed.toString(),
      // Prisma qualifies its own queries with the schema; raw SQL (`UPDATE "Shift" ...`) relies on search_path.
      // Columns are TIMESTAMP (no zone) holding UTC, as Prisma writes them: CURRENT_TIMESTAMP defaults must be UTC too.
      options: `-c search_path=${quoteIdent(schema)} -c TimeZone=UTC`,
      ...(limit ? { max: Number(limit) } : {}),
      connectionTimeoutMillis: 10_000,
    },
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The driver adapter for a postgres URL (required lazily: see the file's comment). */
export function createPgAdapter(url: string): PrismaPg {
  const { PrismaPg: Adapter } = require("@prisma/adapter-pg") as typeof import("@prisma/adapter-pg");
  const { schema, pool } = postgresSettings(url);
  return new Adapter(pool, { schema });
}

/**
 * Runs `fn` on one dedicated connection (session-level state such as an advisory lock stays on it), then
 * closes it. The connection comes from the adapter's own pg pool, so no second driver is involved.
 */
export async function withPgConnection<T>(url: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const adapter = await createPgAdapter(url).connect();
  const pool = adapter.underlyingDriver();
  try {
    const client = await pool.connect().catch((err: unknown) => {
      throw new Error(
        `cannot reach PostgreSQL at ${describe(url)}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    });
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  } finally {
    await adapter.dispose();
  }
}

/** host:port/database?schema=..., without credentials. */
export function describe(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}${parsed.searchParams.has("schema") ? `?schema=${parsed.searchParams.get("schema")}` : ""}`;
}

/** Drops a schema and everything in it (tests drop theirs when done). */
export async function dropSchema(url: string): Promise<void> {
  const { schema } = postgresSettings(url);
  if (schema === "public") throw new Error("refusing to drop the public schema");
  await withPgConnection(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
}
