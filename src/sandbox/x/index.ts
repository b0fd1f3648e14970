// A local X (Twitter) API v2 server for the demo and the end-to-end tests: strict about OAuth 1.0a,
// text length, duplicates and media, and able to misbehave on purpose (see XFault).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { appendUpload, createMetadata, finalizeUpload, initUpload, uploadStatus } from "./media.js";
import { verifyOAuth } from "./oauth.js";
import {
  duplicateContent,
  notFound,
  problem,
  RateLimits,
  rateHeaders,
  unauthorized,
  type RateState,
  type Reply,
} from "./replies.js";
import { XState, type RouteContext } from "./state.js";
import { createTweet, deleteTweet, usersMe } from "./tweets.js";
import type { XCredentials, XEmulator, XEmulatorOptions, XFault, XOutage, XRequestRecord } from "./types.js";

export type * from "./types.js";

const POST_TWEET = "POST /2/tweets";
const MAX_BODY = 8 * 1024 * 1024; // above the 5 MB image limit: a 1 MB chunk (or a whole image) fits

interface Route {
  key: string; // the endpoint name, also its rate-limit window
  method: string;
  pattern: RegExp;
  handler: (ctx: RouteContext) => Reply;
}

const ROUTES: Route[] = [
  { key: POST_TWEET, method: "POST", pattern: /^\/2\/tweets$/, handler: createTweet },
  { key: "DELETE /2/tweets/:id", method: "DELETE", pattern: /^\/2\/tweets\/(\d+)$/, handler: deleteTweet },
  { key: "GET /2/users/me", method: "GET", pattern: /^\/2\/users\/me$/, handler: usersMe },
  { key: "POST /2/media/upload", method: "POST", pattern: /^\/2\/media\/upload\/initialize$/, handler: initUpload },
  {
    key: "POST /2/media/upload",
    method: "POST",
    pattern: /^\/2\/media\/upload\/(\d+)\/append$/,
    handler: appendUpload,
  },
  {
    key: "POST /2/media/upload",
    method: "POST",
    pattern: /^\/2\/media\/upload\/(\d+)\/finalize$/,
    handler: finalizeUpload,
  },
  { key: "GET /2/media/upload", method: "GET", pattern: /^\/2\/media\/upload$/, handler: uploadStatus },
  { key: "POST /2/media/metadata", method: "POST", pattern: /^\/2\/media\/metadata$/, handler: createMetadata },
];

// Per-user 15-minute limits, close to X's published ones for these endpoints.
const LIMITS: Record<string, number> = {
  [POST_TWEET]: 100,
  "DELETE /2/tweets/:id": 50,
  "GET /2/users/me": 75,
  "POST /2/media/upload": 500,
  "GET /2/media/upload": 500,
  "POST /2/media/metadata": 500,
};

const STATUS_TITLES: Record<number, string> = {
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

function randomToken(length: number): string {
  return randomBytes(length).toString("base64url").slice(0, length);
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startXEmulator(options: XEmulatorOptions = {}): Promise<XEmulator> {
  const userId = "1500000000000000001";
  const credentials: XCredentials = {
    appKey: randomToken(25),
    appSecret: randomToken(50),
    accessToken: `${userId}-${randomToken(30)}`,
    accessSecret: randomToken(45),
    ...options.credentials,
  };
  const state = new XState(credentials, {
    id: userId,
    name: "Keep Dancing (sandbox)",
    username: "keepdancing_sandbox",
  });
  const requests: XRequestRecord[] = [];
  const faults: XFault[] = [];
  const clock = options.now ?? Date.now;
  const outages: { fault: XOutage; until: number }[] = [];
  const limits = new RateLimits(LIMITS);
  const hung = new Set<ServerResponse>();
  const log = options.log ?? (() => {});

  function send(res: ServerResponse, record: XRequestRecord, reply: Reply, rate: RateState): void {
    record.status = reply.status;
    log(`[x] ${record.method} ${record.path} -> ${reply.status}`);
    res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...rateHeaders(rate) });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://placeholder");
    const record: XRequestRecord = { method, path: url.pathname, status: 0 };
    requests.push(record);
    const body = await readBody(req);
    const route = ROUTES.find((r) => r.method === method && r.pattern.test(url.pathname));
    const endpoint = route?.key ?? "unknown";
    const down = outages.find((o) => clock() < o.until);
    if (down) {
      if ("hang" in down.fault) {
        hung.add(res);
        res.on("close", () => hung.delete(res));
        return;
      }
      // X's edge answers an outage before any authentication or routing.
      const title = STATUS_TITLES[down.fault.status]!;
      return send(res, record, problem(down.fault.status, title, title), limits.take(endpoint, false));
    }
    if (!route)
      return send(res, record, notFound(`No route for ${method} ${url.pathname}.`), limits.take(endpoint, false));
    if (body === null)
      return send(
        res,
        record,
        problem(413, "Payload Too Large", "Request body too large."),
        limits.take(endpoint, false),
      );

    const contentType = req.headers["content-type"];
    const formBody = /^application\/x-www-form-urlencoded/i.test(contentType ?? "")
      ? new URLSearchParams(body.toString("utf8"))
      : new URLSearchParams();
    // The client signed the URL it addressed: our host (from the Host header) and path.
    const authError = verifyOAuth(
      req.headers.authorization,
      { method, baseUrl: `http://${req.headers.host}${url.pathname}`, query: url.searchParams, formBody },
      credentials,
      state.nonces,
    );
    if (authError) {
      log(`[x] rejected ${method} ${url.pathname}: ${authError}`);
      return send(res, record, unauthorized(), limits.take(endpoint, false));
    }

    const rate = limits.take(endpoint);
    if (rate.exceeded) return send(res, record, problem(429, "Too Many Requests", "Too Many Requests"), rate);

    const ctx: RouteContext = {
      state,
      params: route.pattern.exec(url.pathname)!.slice(1),
      query: url.searchParams,
      body,
      contentType,
    };
    const fault = route.key === POST_TWEET ? faults.shift() : undefined;
    if (!fault) return send(res, record, route.handler(ctx), rate);

    if ("hang" in fault) {
      log(`[x] ${method} ${url.pathname} -> (hanging on purpose)`);
      hung.add(res);
      res.on("close", () => hung.delete(res));
      return;
    }
    if ("acceptThenDrop" in fault) {
      const reply = route.handler(ctx);
      if (reply.status >= 300) return send(res, record, reply, rate);
      log(`[x] ${method} ${url.pathname} -> stored, then dropped the connection on purpose`);
      req.socket.destroy();
      return;
    }
    if ("duplicate" in fault) return send(res, record, duplicateContent(), rate);
    if (fault.status === 429) {
      const reset = Math.ceil(Date.now() / 1000) + (fault.resetInSeconds ?? 900);
      return send(res, record, problem(429, "Too Many Requests", "Too Many Requests"), {
        limit: rate.limit,
        remaining: 0,
        reset,
      });
    }
    if (fault.status === 401) return send(res, record, unauthorized(), rate);
    if (fault.status === 403)
      return send(res, record, problem(403, "Forbidden", "You are not permitted to perform this action."), rate);
    const title = STATUS_TITLES[fault.status]!;
    return send(res, record, problem(fault.status, title, title), rate);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`[x] internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(
        JSON.stringify({ title: "Internal Server Error", detail: "Emulator error", type: "about:blank", status: 500 }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}`,
    credentials,
    user: state.user,
    tweets: state.tweets,
    media: state.media,
    requests,
    fail(fault: XFault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    outage(fault: XOutage, until: number) {
      const entry = { fault, until };
      outages.push(entry);
      return () => void outages.splice(outages.indexOf(entry), 1);
    },
    reset() {
      state.clear();
      requests.length = 0;
      faults.length = 0;
      outages.length = 0;
      limits.clear();
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
