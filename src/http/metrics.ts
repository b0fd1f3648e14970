// Prometheus metrics (prom-client) and GET /metrics. Counters move where things happen (the router tells
// each interaction's kind, outcome and latency; the scheduler each job run); queue depths are read from the
// database at scrape time only, with indexed counts, so an idle bot does no work for them. Event-loop lag and
// process memory come from prom-client's default metrics. METRICS_TOKEN, when set, is required as a bearer.
import crypto from "node:crypto";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/client.js";
import type { RouterObserver } from "../discord/router.js";
import type { Logger } from "../log.js";
import type { RouteModule } from "./server.js";

export const POST_STATES = ["pending", "posting", "posted", "failed"] as const;

export function createBotMetrics(deps: { db: Db; log: Logger; now(): Date }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const interactions = new Counter({
    name: "keep_dancing_interactions_total",
    help: "Interactions handled, by kind (command, component, modal, autocomplete), command or component name, and outcome (answered, refused, failed, unanswered)",
    labelNames: ["kind", "name", "outcome"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "keep_dancing_interaction_answer_seconds",
    help: "Seconds from an interaction's arrival to its answer being sent (Discord allows 3)",
    labelNames: ["kind"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5],
    registers: [registry],
  });
  const dropped = new Counter({
    name: "keep_dancing_interactions_dropped_total",
    help: "Interactions dropped unworked because they waited past the point where an answer could still arrive in time",
    registers: [registry],
  });
  const shed = new Counter({
    name: "keep_dancing_interactions_shed_total",
    help: "Interactions refused as busy, unworked, because they waited past SHED_AFTER_MS for their turn",
    registers: [registry],
  });
  const jobRuns = new Counter({
    name: "keep_dancing_job_runs_total",
    help: "Scheduled job runs in this process, by job and outcome (ok, failed)",
    labelNames: ["job", "outcome"] as const,
    registers: [registry],
  });

  // Read at scrape time: a failing database leaves these out of one scrape rather than failing it.
  const scrapeRead = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      deps.log.warn({ err, what }, "metrics: could not read from the database");
      return undefined;
    }
  };
  new Gauge({
    name: "keep_dancing_dm_queue_depth",
    help: "Direct messages waiting to be sent",
    registers: [registry],
    async collect() {
      const n = await scrapeRead("dm queue depth", () => deps.db.directMessage.count({ where: { status: "pending" } }));
      if (n !== undefined) this.set(n);
    },
  });
  new Gauge({
    name: "keep_dancing_dm_queue_oldest_seconds",
    help: "Age of the oldest direct message waiting to be sent (0 when none)",
    registers: [registry],
    async collect() {
      const oldest = await scrapeRead("dm queue age", () =>
        deps.db.directMessage.findFirst({
          where: { status: "pending" },
          orderBy: { createdAt: "asc" },
          select: { createdAt: true },
        }),
      );
      if (oldest !== undefined)
        this.set(oldest ? Math.max(0, (deps.now().getTime() - oldest.createdAt.getTime()) / 1000) : 0);
    },
  });
  new Gauge({
    name: "keep_dancing_post_outbox",
    help: "Posts to X in the outbox, by state (pending, posting, posted, failed)",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const rows = await scrapeRead("post outbox", () =>
        deps.db.tweetOutbox.groupBy({ by: ["status"], _count: { _all: true } }),
      );
      if (!rows) return;
      for (const state of POST_STATES) this.set({ state }, rows.find((r) => r.status === state)?._count._all ?? 0);
    },
  });

  const router: RouterObserver = {
    handled({ kind, name, outcome, seconds }) {
      interactions.inc({ kind, name, outcome });
      if (outcome !== "unanswered") latency.observe({ kind }, seconds);
    },
    dropped() {
      dropped.inc();
    },
    shed() {
      shed.inc();
    },
  };

  return {
    registry,
    router,
    onJobRun(name: string, ok: boolean): void {
      jobRuns.inc({ job: name, outcome: ok ? "ok" : "failed" });
    },
  };
}

export type BotMetrics = ReturnType<typeof createBotMetrics>;

/** Compares without leaking the token's length or content through timing. */
function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export function metricsRoutes(metrics: BotMetrics): RouteModule {
  return (app, deps) => {
    app.get("/metrics", async (request, reply) => {
      const token = deps.config.METRICS_TOKEN;
      if (token) {
        const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1] ?? "";
        if (!sameSecret(given, token)) {
          return reply
            .code(401)
            .header("WWW-Authenticate", 'Bearer realm="metrics"')
            .type("text/plain; charset=utf-8")
            .send("A bearer token is required (METRICS_TOKEN).\n");
        }
      }
      const body = await metrics.registry.metrics();
      return reply.header("Cache-Control", "no-store").type(metrics.registry.contentType).send(body);
    });
  };
}
