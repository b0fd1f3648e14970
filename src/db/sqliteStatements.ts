// SQLite under Prisma's better-sqlite3 adapter, with two changes to how the adapter talks to its connection:
//
// 1. Statements are prepared once per SQL text and kept (the most recent STATEMENT_CACHE_SIZE). The adapter
//    prepares every query anew, and preparing was the largest single cost in the bot's CPU profile of a hot
//    event (issue 15: `Statement`, about 13 %): the same dozen statements run for every answer.
// 2. A transaction begins IMMEDIATE instead of DEFERRED. Every interactive transaction here writes, and one
//    that begins by reading and then writes fails outright (SQLITE_BUSY_SNAPSHOT, which no busy timeout
//    waits out) when another process wrote to the file in between: the benchmark seeding beside a running
//    bot, `npm run db:backup`, a replica on one file. IMMEDIATE takes the write lock first, waiting up to
//    the busy timeout, so the transaction sees the latest state and cannot fail that way. Within the
//    process the adapter already runs one transaction at a time.
//
// better-sqlite3 binds a statement's parameters for good (`bind` works once per statement), so the adapter,
// which binds every time, gets a view of the kept statement that passes the parameters at each run instead.
import type BetterSqlite3 from "better-sqlite3";
import type { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";

/** Statements kept per connection. A claim batch of n interactions is its own SQL text, so keep room. */
export const STATEMENT_CACHE_SIZE = 500;

type Statement = BetterSqlite3.Statement<unknown[]>;

/** What the adapter calls on a prepared statement: bind, then run, or columns and raw().all(). */
class KeptStatement {
  private rawRows = false;
  constructor(
    private readonly statement: Statement,
    private readonly params: unknown[] = [],
  ) {}
  get reader(): boolean {
    return this.statement.reader;
  }
  bind(...params: unknown[]): KeptStatement {
    return new KeptStatement(this.statement, params);
  }
  raw(on = true): this {
    this.rawRows = on;
    return this;
  }
  columns() {
    return this.statement.columns();
  }
  run() {
    return this.statement.run(...this.params);
  }
  all() {
    return this.statement.raw(this.rawRows).all(...this.params);
  }
}

/** Makes `connection.prepare` keep its statements and begin transactions IMMEDIATE (see above). */
export function keepStatements(connection: BetterSqlite3.Database, size = STATEMENT_CACHE_SIZE): void {
  const prepare = connection.prepare.bind(connection) as (sql: string) => Statement;
  const kept = new Map<string, Statement>();
  connection.prepare = ((sql: string) => {
    const text = sql.trim() === "BEGIN" ? "BEGIN IMMEDIATE" : sql;
    let statement = kept.get(text);
    if (statement) {
      kept.delete(text); // most recently used goes last; the first is the one to drop
    } else {
      statement = prepare(text);
      if (kept.size >= size) kept.delete(kept.keys().next().value!);
    }
    kept.set(text, statement);
    return new KeptStatement(statement);
  }) as unknown as typeof connection.prepare;
}

/** The adapter factory, with every connection it opens made as keepStatements says. */
export function withKeptStatements(factory: PrismaBetterSqlite3): PrismaBetterSqlite3 {
  for (const method of ["connect", "connectToShadowDb"] as const) {
    const open = factory[method].bind(factory);
    factory[method] = async () => {
      const adapter = await open();
      // The adapter keeps its better-sqlite3 connection as `client` (@prisma/adapter-better-sqlite3 7.10).
      const connection = (adapter as unknown as { client?: BetterSqlite3.Database }).client;
      if (!connection || typeof connection.prepare !== "function")
        throw new Error(
          "@prisma/adapter-better-sqlite3 no longer exposes its connection as `client`: see src/db/sqliteStatements.ts",
        );
      keepStatements(connection);
      return adapter;
    };
  }
  return factory;
}
