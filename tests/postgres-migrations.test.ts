// PostgreSQL (runs under `npm run test:postgres`, skipped without TEST_DATABASE_URL): the generated migrations apply
// once even when several processes start together, the migrated schema matches the Prisma models (read back from
// information_schema and pg_catalog), foreign keys match SQLite's, and the client reaches its own schema.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { PoolClient } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.js";
import {
  migratePostgres,
  migrateSqlite,
  POSTGRES_MIGRATIONS_DIR,
  readMigrations,
  SQLITE_MIGRATIONS_DIR,
} from "../src/db/migrate.js";
import { withPgConnection } from "../src/db/postgres.js";
import { dropDatabase, tempDir, testPostgresUrl, uniqueDatabaseUrl } from "./support/db.js";
import { readSchemaModels } from "./support/prismaSchema.js";

// How Prisma maps its scalar types to PostgreSQL column types, as information_schema names them.
const POSTGRES_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric",
  Boolean: "boolean",
  DateTime: "timestamp without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

const dir = tempDir();
const urls: string[] = [];
const newUrl = () => {
  const url = uniqueDatabaseUrl(dir);
  urls.push(url);
  return url;
};
afterAll(async () => {
  for (const url of urls) await dropDatabase(url);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.runIf(testPostgresUrl())("PostgreSQL migrations", () => {
  it("apply every migration once, even with three processes starting together", async () => {
    const url = newUrl();
    const all = readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => m.name);
    expect(all).toEqual(readMigrations(SQLITE_MIGRATIONS_DIR).map((m) => m.name));
    const runs = await Promise.all([migratePostgres(url), migratePostgres(url), migratePostgres(url)]);
    expect(runs.flat().sort()).toEqual(all);
    expect(await migratePostgres(url)).toEqual([]);
    const rows = await withPgConnection(url, (c) =>
      c.query<{ migration_name: string; checksum: string; finished_at: Date }>(
        `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
      ),
    );
    expect(rows.rows.map((r) => r.migration_name)).toEqual(all);
    expect(rows.rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && r.finished_at instanceof Date)).toBe(true);
  });

  it("refuse a migration that was edited after it was applied, and roll back one that fails", async () => {
    const copy = tempDir();
    fs.cpSync(POSTGRES_MIGRATIONS_DIR, copy, { recursive: true });
    const url = newUrl();
    await migratePostgres(url, copy);
    const first = readMigrations(copy)[0]!;
    fs.appendFileSync(path.join(copy, first.name, "migration.sql"), "\n-- edited\n");
    await expect(migratePostgres(url, copy)).rejects.toThrow(/changed after it was applied/);
    fs.writeFileSync(path.join(copy, first.name, "migration.sql"), first.sql);
    fs.mkdirSync(path.join(copy, "99990101000000_broken"));
    fs.writeFileSync(
      path.join(copy, "99990101000000_broken", "migration.sql"),
      `CREATE TABLE "Half" ("id" INTEGER);\nSELECT no_such_function();\n`,
    );
    await expect(migratePostgres(url, copy)).rejects.toThrow(/99990101000000_broken failed on PostgreSQL/);
    const half = await withPgConnection(url, (c) => c.query(`SELECT to_regclass('"Half"') AS t`));
    expect(half.rows[0].t).toBeNull();
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it("the client works in its own schema: generated queries, raw SQL, UTC times", async () => {
    const url = newUrl();
    await migratePostgres(url);
    const db = createDb(url);
    try {
      const notBefore = new Date("2026-12-01T20:30:00.123Z");
      await db.directMessage.create({ data: { dedupeKey: "k", userId: "1", content: "hi", notBefore } });
      expect(
        await db.$executeRaw`UPDATE "DirectMessage" SET "attempts" = "attempts" + 1 WHERE "notBefore" = ${notBefore}`,
      ).toBe(1);
      const row = await db.directMessage.findUniqueOrThrow({ where: { dedupeKey: "k" } });
      expect(row.notBefore.toISOString()).toBe(notBefore.toISOString());
      expect(row.attempts).toBe(1);
      // A database default (CURRENT_TIMESTAMP) is UTC as well, whatever the server's own zone.
      await db.$executeRaw`INSERT INTO "DirectMessage" ("dedupeKey", "userId", "content") VALUES ('raw', '1', 'x')`;
      const raw = await db.directMessage.findUniqueOrThrow({ where: { dedupeKey: "raw" } });
      expect(Math.abs(raw.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    } finally {
      await db.$disconnect();
    }
  });

  describe("the migrated database matches the Prisma schema", () => {
    const models = readSchemaModels(path.resolve("prisma/schema"));
    let url: string;
    let client: PoolClient;
    let release: () => void;
    beforeAll(async () => {
      url = newUrl();
      await migratePostgres(url);
      // One connection for the whole block.
      await new Promise<void>((ready) => {
        void withPgConnection(url, (c) => {
          client = c;
          ready();
          return new Promise<void>((done) => (release = done));
        });
      });
    });
    afterAll(() => release?.());
    const schemaOf = () => new URL(url).searchParams.get("schema")!;

    it("has a table for every model and no other", async () => {
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> '_prisma_migrations'`,
        [schemaOf()],
      );
      expect(tables.rows.map((t) => t.table_name).sort()).toEqual(models.map((m) => m.name).sort());
    });

    for (const model of models) {
      it(`model ${model.name}: columns, types, nullability, keys and indexes`, async () => {
        const columns = (
          await client.query<{ column_name: string; data_type: string; is_nullable: string }>(
            `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`,
            [schemaOf(), model.name],
          )
        ).rows;
        const scalarFields = model.fields.filter((f) => !f.relation && !f.list);
        expect(columns.map((c) => c.column_name).sort()).toEqual(scalarFields.map((f) => f.name).sort());
        for (const field of scalarFields) {
          const column = columns.find((c) => c.column_name === field.name)!;
          expect({ field: field.name, type: column.data_type }).toEqual({
            field: field.name,
            type: POSTGRES_TYPES[field.type],
          });
          expect({ field: field.name, notnull: column.is_nullable === "NO" }).toEqual({
            field: field.name,
            notnull: !field.optional,
          });
        }
        const pk = (
          await client.query<{ column_name: string }>(
            `SELECT k.column_name FROM information_schema.table_constraints c
             JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
             WHERE c.table_schema = $1 AND c.table_name = $2 AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position`,
            [schemaOf(), model.name],
          )
        ).rows.map((r) => r.column_name);
        const expectedPk = model.fields.filter((f) => f.id).map((f) => f.name);
        expect(pk).toEqual(expectedPk.length ? expectedPk : (model.compoundIds[0] ?? []));

        const indexes = (
          await client.query<{ unique: boolean; columns: string }>(
            `SELECT ix.indisunique AS unique,
                    array_to_string(array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n), ',') AS columns
             FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
             WHERE ns.nspname = $1 AND t.relname = $2 AND NOT ix.indisprimary`,
            [schemaOf(), model.name],
          )
        ).rows;
        const expected = [
          ...model.uniques.map((cols) => ({ unique: true, columns: cols.join(",") })),
          ...model.indexes.map((cols) => ({ unique: false, columns: cols.join(",") })),
        ];
        const key = (i: { unique: boolean; columns: string }) => `${i.unique}:${i.columns}`;
        expect(indexes.map(key).sort()).toEqual(expected.map(key).sort());
      });
    }

    it("has the foreign keys of the SQLite database, with the same actions", async () => {
      const file = path.join(dir, "fk.db");
      migrateSqlite(`file:${file}`);
      const sqlite = new Database(file, { readonly: true });
      const tables = (
        sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as {
          name: string;
        }[]
      ).map((t) => t.name);
      const expected = tables.flatMap((table) =>
        (
          sqlite.prepare(`PRAGMA foreign_key_list("${table}")`).all() as {
            from: string;
            table: string;
            to: string;
            on_delete: string;
            on_update: string;
          }[]
        ).map((fk) => `${table}.${fk.from} -> ${fk.table}.${fk.to} ${fk.on_delete}/${fk.on_update}`),
      );
      sqlite.close();
      const actions: Record<string, string> = {
        a: "NO ACTION",
        r: "RESTRICT",
        c: "CASCADE",
        n: "SET NULL",
        d: "SET DEFAULT",
      };
      const rows = (
        await client.query<{ tbl: string; col: string; ref: string; refcol: string; del: string; upd: string }>(
          `SELECT t.relname AS tbl, a.attname AS col, r.relname AS ref, ra.attname AS refcol, c.confdeltype AS del, c.confupdtype AS upd
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
           JOIN pg_class r ON r.oid = c.confrelid
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
           JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = ANY (c.confkey)
           WHERE c.contype = 'f' AND ns.nspname = $1`,
          [schemaOf()],
        )
      ).rows.map((fk) => `${fk.tbl}.${fk.col} -> ${fk.ref}.${fk.refcol} ${actions[fk.del]}/${actions[fk.upd]}`);
      expect(rows.sort()).toEqual(expected.sort());
    });
  });
});
