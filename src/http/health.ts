// GET /healthz: the process is alive and its event loop turns (nothing else is checked, so a supervisor
// restarts the bot only when restarting can help). GET /readyz: the database answers, every migration this
// code knows is applied, and the Discord gateway is connected (here, or in another process while this one is
// a standby); 503 naming what is not, otherwise.
import fs from "node:fs";
import { isSqliteUrl, sqlitePath } from "../db/client.js";
import { isPostgresUrl } from "../db/postgres.js";
import { POSTGRES_MIGRATIONS_DIR, readMigrations, SQLITE_MIGRATIONS_DIR } from "../db/migrate.js";
import type { HttpDeps, RouteModule } from "./server.js";

/** How long the database may take to answer a readiness probe. */
export const PROBE_TIMEOUT_MS = 2_000;

type Check = { ok: true; note?: string } | { ok: false; reason: string };

export const healthRoutes: RouteModule = (app, deps) => {
  const expected = readMigrations(
    isPostgresUrl(deps.config.DATABASE_URL) ? POSTGRES_MIGRATIONS_DIR : SQLITE_MIGRATIONS_DIR,
  ).length;
  const probe = createDatabaseProbe(deps, expected);

  async function gatewayCheck(): Promise<Check> {
    try {
      const state = await deps.gatewayState();
      if (state === "connected") return { ok: true };
      // A standby replica serves HTTP and runs jobs; the process holding the lease answers interactions.
      if (state === "standby") return { ok: true, note: "standby (another process holds the gateway)" };
      return { ok: false, reason: "the Discord gateway is not connected, here or in another process" };
    } catch (err) {
      return {
        ok: false,
        reason: `the gateway's state is unknown: ${err instanceof Error ? err.message.split("\n")[0]!.slice(0, 200) : "error"}`,
      };
    }
  }

  app.get("/healthz", async (_request, reply) => reply.header("Cache-Control", "no-store").send({ status: "alive" }));

  app.get("/readyz", async (_request, reply) => {
    const database = await probe();
    const gateway = database.ok
      ? await gatewayCheck()
      : { ok: false as const, reason: "unknown while the database does not answer" };
    const checks = { database, gateway };
    const problems = Object.values(checks).flatMap((c) => (c.ok ? [] : [c.reason]));
    const body = {
      status: problems.length ? "not ready" : "ready",
      checks: Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, c.ok ? (c.note ?? "ok") : c.reason])),
    };
    return reply
      .code(problems.length ? 503 : 200)
      .header("Cache-Control", "no-store")
      .send(body);
  });
};

/**
 * One query that proves three things: the database answers, its tables are readable, and the migrations are
 * all applied. At most one probe runs at a time: a database that hangs must not collect a connection per
 * probe (that would starve the interactions of the pool); later calls report the one still waiting.
 */
function createDatabaseProbe(deps: HttpDeps, expectedMigrations: number): () => Promise<Check> {
  let running: { started: number; done: Promise<Check> } | null = null;
  const file = isSqliteUrl(deps.config.DATABASE_URL) ? sqlitePath(deps.config.DATABASE_URL) : null;

  async function query(): Promise<Check> {
    // An open SQLite file keeps working after it is deleted or its volume goes away, and loses everything at
    // the next start: not ready.
    if (file && !fs.existsSync(file)) return { ok: false, reason: `the SQLite file ${file} is missing` };
    const rows = await deps.db.$queryRaw<{ n: number | bigint }[]>`
      SELECT COUNT(*) AS "n" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`;
    const applied = Number(rows[0]?.n ?? 0);
    if (applied < expectedMigrations)
      return { ok: false, reason: `${expectedMigrations - applied} database migrations are not applied` };
    return { ok: true };
  }

  return async () => {
    if (running) {
      const waited = Math.round((Date.now() - running.started) / 1000);
      const settled = await Promise.race([running.done, new Promise<null>((r) => setTimeout(() => r(null), 10))]);
      if (!settled) return { ok: false, reason: `the database has not answered for ${waited} s` };
      return settled;
    }
    const done = query().catch((err: unknown): Check => {
      deps.log.warn({ err }, "readiness: the database did not answer");
      return {
        ok: false,
        reason: `the database did not answer: ${err instanceof Error ? err.message.split("\n")[0]!.slice(0, 200) : "error"}`,
      };
    });
    running = { started: Date.now(), done };
    void done.finally(() => (running = null));
    const timeout = new Promise<Check>((resolve) =>
      setTimeout(
        () => resolve({ ok: false, reason: `the database did not answer within ${PROBE_TIMEOUT_MS / 1000} s` }),
        PROBE_TIMEOUT_MS,
      ).unref(),
    );
    return Promise.race([done, timeout]);
  };
}
