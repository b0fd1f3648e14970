// The bot's HTTP server (Fastify), inside the bot process: the public page, calendar feeds, health and
// metrics, and whatever route module is added to ROUTES in src/http/index.ts. Rules that hold for every
// route live here, once: bodies over 64 KB are refused with 413, every address has a rate limit, security
// headers go on every answer, and no request body (nor a calendar token in a URL) ever reaches a log line.
import crypto from "node:crypto";
import type { AddressInfo } from "node:net";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance } from "fastify";
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";

/** The largest request body accepted; larger ones get 413 before the body is read. */
export const BODY_LIMIT = 64 * 1024;
/** Requests per address per minute, on every route (a page open with live numbers makes a few a minute). */
export const RATE_LIMIT_PER_MINUTE = 300;

/**
 * One policy for every answer: nothing from anywhere but this server, no inline script or style, no framing.
 * The page's live numbers come from /page.js and /events (EventSource), both same-origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** What route modules receive: the bot's database, configuration, log and clock, and what the bot knows of itself. */
export interface HttpDeps {
  db: Db;
  config: Config;
  log: Logger;
  now(): Date;
  /** The address the world uses for this server (PUBLIC_URL, or the address it listens on). */
  publicUrl(): string;
  /**
   * The Discord gateway, for /readyz: connected in this process, or a standby while another process holds
   * the gateway's lease (src/discord/gatewayHolder.ts), or down (nobody holds it).
   */
  gatewayState(): Promise<"connected" | "standby" | "down">;
}

/** A file in src/http registers its routes with this; add it to ROUTES in src/http/index.ts. */
export type RouteModule = (app: FastifyInstance, deps: HttpDeps) => void | Promise<void>;

/** Cuts secrets out of a URL before it is logged: calendar feed tokens and any query string. */
export function loggableUrl(url: string): string {
  return url.replace(/\?.*$/, "").replace(/(\/calendar\/)[^/]+(\.ics)$/, "$1[token]$2");
}

export interface HttpServer {
  app: FastifyInstance;
  /** Starts listening; resolves with the address actually bound (HTTP_PORT=0 picks a free port). */
  listen(): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export async function createHttpServer(deps: HttpDeps, routes: RouteModule[]): Promise<HttpServer> {
  const { config, log } = deps;
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // No logger: per-request lines would be one per poll of every open page; errors are logged below, without bodies.
    logger: false,
    // Behind the reverse proxy the README shows, the client's address is in X-Forwarded-For; it is believed
    // only from a proxy on this machine, so nobody on the internet can pick their own rate-limit bucket.
    trustProxy: ["127.0.0.1", "::1"],
    return503OnClosing: true,
  });

  await app.register(rateLimit, {
    global: true,
    max: RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (request) => request.ip,
  });

  // Refused before anything is read, on every route (known or not), when the client says how large it is;
  // a chunked body without a length is cut at the same size by Fastify's bodyLimit where a route reads one.
  app.addHook("onRequest", async (request, reply) => {
    const length = Number(request.headers["content-length"] ?? 0);
    if (length > BODY_LIMIT) {
      reply.header("Connection", "close");
      return reply
        .code(413)
        .type("text/plain; charset=utf-8")
        .send(`The request body is larger than ${BODY_LIMIT / 1024} KB.\n`);
    }
  });

  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("X-Frame-Options", "DENY");
    reply.header("Referrer-Policy", "no-referrer");
    reply.header("Cross-Origin-Opener-Policy", "same-origin");
    return payload;
  });

  app.setErrorHandler((error: { statusCode?: number; message?: string; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      const ref = crypto.randomBytes(3).toString("hex");
      log.error({ err: error, ref, method: request.method, url: loggableUrl(request.url) }, "http request failed");
      return reply
        .code(status)
        .type("text/plain; charset=utf-8")
        .send(`Something went wrong on our side (ref ${ref}).\n`);
    }
    if (status === 413)
      return reply
        .code(413)
        .type("text/plain; charset=utf-8")
        .send(`The request body is larger than ${BODY_LIMIT / 1024} KB.\n`);
    if (status === 429)
      return reply
        .code(429)
        .type("text/plain; charset=utf-8")
        .send("Too many requests from your address; try again in a minute.\n");
    return reply
      .code(status)
      .type("text/plain; charset=utf-8")
      .send(`${error.message ?? "Bad request"}\n`);
  });

  // Unknown addresses count against the rate limit too (a scan is many requests).
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (_request, reply) => {
    void reply.code(404).type("text/plain; charset=utf-8").send("Not found.\n");
  });

  for (const register of routes) await register(app, deps);

  return {
    app,
    async listen() {
      await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
      const address = app.server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "[::]" ? "[::1]" : host;
      return { url: `http://${shown}:${address.port}`, port: address.port };
    },
    async close() {
      await app.close();
    },
  };
}
