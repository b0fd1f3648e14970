// Opens the database named by DATABASE_URL: a SQLite file by default, PostgreSQL when the URL says so
// (postgresql://user:password@host:5432/db?schema=name; see src/db/postgres.ts).
import fs from "node:fs";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.js";
import { PrismaClient as PostgresPrismaClient } from "../generated/postgres/client.js";
import { createPgAdapter, isPostgresUrl } from "./postgres.js";
import { withKeptStatements } from "./sqliteStatements.js";
import { withCommitHooks } from "./transaction.js";

export type Db = PrismaClient;
/** What a service receives inside `db.$transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
/** Services accept either: a call made with `tx` joins the caller's transaction. */
export type DbOrTx = Db | Tx;

/** How long a writer waits for SQLite's lock before giving up (better-sqlite3's busy timeout). */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export function isSqliteUrl(url: string): boolean {
  return url.startsWith("file:");
}

/** The path of a `file:` URL, resolved against the working directory as SQLite itself would. */
export function sqlitePath(url: string): string {
  return path.resolve(url.replace(/^file:/, "").replace(/\?.*$/, ""));
}

export function createDb(url: string): Db {
  if (isPostgresUrl(url)) {
    // The PostgreSQL client is generated from the same models (prisma/postgres.mjs), so its API is the SQLite
    // client's; only the query compiler inside differs. Services keep one type, Db.
    return withCommitHooks(
      new PostgresPrismaClient({ adapter: createPgAdapter(url), errorFormat: "minimal" }),
    ) as unknown as Db;
  }
  if (!isSqliteUrl(url)) {
    throw new Error(
      `DATABASE_URL ${redactUrl(url)} is not supported: use file:./path.db (SQLite) or postgresql://… (PostgreSQL).`,
    );
  }
  const file = sqlitePath(url);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const adapter = withKeptStatements(new PrismaBetterSqlite3({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS }));
  // "minimal": Prisma otherwise captures a stack trace for every query, a third of its cost on the hot path.
  return withCommitHooks(new PrismaClient({ adapter, errorFormat: "minimal" }));
}

/** A database URL fit for a log line: the password, if any, replaced. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
