// Every route module of the bot's HTTP server, in one list. A feature adds its file here (webhooks, say:
// `import { webhookRoutes } from "./webhooks.js"` and one more entry); src/http/server.ts applies the rules
// every route shares (body limit, rate limit, security headers, logs without bodies).
import type { BotMetrics } from "./metrics.js";
import { calendarRoutes } from "./calendar.js";
import { donationRoutes } from "./donations.js";
import { healthRoutes } from "./health.js";
import { metricsRoutes } from "./metrics.js";
import { pageRoutes } from "./page/routes.js";
import { createHttpServer, type HttpDeps, type HttpServer, type RouteModule } from "./server.js";

export function routeModules(metrics: BotMetrics): RouteModule[] {
  return [healthRoutes, metricsRoutes(metrics), pageRoutes, donationRoutes, calendarRoutes];
}

export function startHttpServer(deps: HttpDeps, metrics: BotMetrics): Promise<HttpServer> {
  return createHttpServer(deps, routeModules(metrics));
}

export type { HttpDeps, HttpServer, RouteModule };
