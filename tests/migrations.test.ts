import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { migrateSqlite, readMigrations, SQLITE_MIGRATIONS_DIR } from "../src/db/migrate.js";
import { readSchemaModels } from "./support/prismaSchema.js";
import { tempDir } from "./support/db.js";
import fs from "node:fs";

const dir = tempDir();
const url = `file:${path.join(dir, "migrations.db")}`;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// How Prisma maps its scalar types to SQLite column types.
const SQLITE_TYPES: Record<string, string> = {
  String: "TEXT",
  Int: "INTEGER",
  BigInt: "BIGINT",
  Float: "REAL",
  Decimal: "DECIMAL",
  Boolean: "BOOLEAN",
  DateTime: "DATETIME",
  Json: "JSONB",
  Bytes: "BLOB",
};

describe("migrations", () => {
  it("apply every migration to a fresh database, then none on a second run", () => {
    const all = readMigrations(SQLITE_MIGRATIONS_DIR).map((m) => m.name);
    expect(all.length).toBeGreaterThan(0);
    expect(migrateSqlite(url)).toEqual(all);
    expect(migrateSqlite(url)).toEqual([]);
    const db = new Database(url.replace(/^file:/, ""));
    const rows = db
      .prepare(`SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`)
      .all() as {
      migration_name: string;
      checksum: string;
      finished_at: string;
    }[];
    db.close();
    expect(rows.map((r) => r.migration_name)).toEqual(all);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && r.finished_at)).toBe(true);
  });

  it("refuse a migration that was edited after it was applied", () => {
    const copy = tempDir();
    fs.cpSync(SQLITE_MIGRATIONS_DIR, copy, { recursive: true });
    const copyUrl = `file:${path.join(copy, "edited.db")}`;
    migrateSqlite(copyUrl, copy);
    const first = readMigrations(copy)[0]!;
    fs.appendFileSync(path.join(copy, first.name, "migration.sql"), "\n-- edited\n");
    expect(() => migrateSqlite(copyUrl, copy)).toThrow(/changed after it was applied/);
    fs.rmSync(copy, { recursive: true, force: true });
  });

  describe("the migrated database matches schema.prisma", () => {
    // Collected before the tests above run, so it migrates a database of its own.
    const schemaDb = path.join(dir, "schema.db");
    migrateSqlite(`file:${schemaDb}`);
    const db = new Database(schemaDb, { readonly: true });
    const models = readSchemaModels(path.resolve("prisma/schema"));
    const tables = (
      db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`,
        )
        .all() as { name: string }[]
    ).map((t) => t.name);

    it("has a table for every model and no other", () => {
      expect(tables.sort()).toEqual(models.map((m) => m.name).sort());
    });

    for (const model of models) {
      it(`model ${model.name}: columns, types, nullability, keys and indexes`, () => {
        const columns = db.prepare(`PRAGMA table_info("${model.name}")`).all() as {
          name: string;
          type: string;
          notnull: number;
          pk: number;
          dflt_value: string | null;
        }[];
        const scalarFields = model.fields.filter((f) => !f.relation && !f.list);
        expect(columns.map((c) => c.name).sort()).toEqual(scalarFields.map((f) => f.name).sort());
        for (const field of scalarFields) {
          const column = columns.find((c) => c.name === field.name)!;
          expect({ field: field.name, type: column.type }).toEqual({
            field: field.name,
            type: SQLITE_TYPES[field.type],
          });
          expect({ field: field.name, notnull: column.notnull === 1 || column.pk > 0 }).toEqual({
            field: field.name,
            notnull: !field.optional,
          });
        }
        const pk = columns
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name);
        const expectedPk = model.fields.filter((f) => f.id).map((f) => f.name);
        expect(pk).toEqual(expectedPk.length ? expectedPk : (model.compoundIds[0] ?? []));

        const indexes = (
          db.prepare(`PRAGMA index_list("${model.name}")`).all() as { name: string; unique: number; origin: string }[]
        )
          .filter((i) => i.origin === "c")
          .map((i) => ({
            unique: i.unique === 1,
            columns: (db.prepare(`PRAGMA index_info("${i.name}")`).all() as { name: string }[])
              .map((c) => c.name)
              .join(","),
          }));
        const expected = [
          ...model.uniques.map((cols) => ({ unique: true, columns: cols.join(",") })),
          ...model.indexes.map((cols) => ({ unique: false, columns: cols.join(",") })),
        ];
        const key = (i: { unique: boolean; columns: string }) => `${i.unique}:${i.columns}`;
        expect(indexes.map(key).sort()).toEqual(expected.map(key).sort());
      });
    }
  });
});
