// A local Mastodon server (the REST methods the bot uses) for the demo and the end-to-end tests: a bearer
// token, /api/v2/instance with max_characters, media answering 202 and processed a moment later, statuses
// checked like Mastodon checks them (length in graphemes with URLs as 23, media processed, alt text at most
// 1,500) with Idempotency-Key kept an hour, the account's timeline for look-ups, rate limits with
// X-RateLimit-* headers, and faults on purpose (see MastodonFault).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { boundaryOf, parseMultipart } from "../x/multipart.js";
import { accountJson, instanceJson, MAX_DESCRIPTION, mediaJson, statusJson, statusLength } from "./entities.js";
import type {
  MastodonAccount,
  MastodonEmulator,
  MastodonEmulatorOptions,
  MastodonEndpoint,
  MastodonFault,
  MastodonMedia,
  MastodonRequestRecord,
  MastodonStatus,
} from "./types.js";

export type * from "./types.js";

const MAX_BODY = 20 * 1024 * 1024;
const IDEMPOTENCY_MS = 60 * 60_000;
// Mastodon's own limits: 300 statuses per 3 hours, 30 media uploads per 30 minutes, 300 other calls per 5 minutes.
const LIMITS = {
  statuses: { limit: 300, windowMs: 3 * 3600_000 },
  media: { limit: 30, windowMs: 30 * 60_000 },
  api: { limit: 300, windowMs: 5 * 60_000 },
};
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

interface Reply {
  status: number;
  body?: unknown;
  html?: string;
  headers?: Record<string, string>;
}
const reply = (status: number, body: unknown): Reply => ({ status, body });
const unprocessable = (error: string) => reply(422, { error });

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

/** The scope an endpoint needs (read:accounts also covers verify_credentials, as profile does on 4.3+). */
function scopeFor(method: string, path: string): string | null {
  if (path === "/api/v1/accounts/verify_credentials") return "read:accounts";
  if (method === "POST" && path === "/api/v1/statuses") return "write:statuses";
  if (method === "POST" && path === "/api/v2/media") return "write:media";
  if (method === "GET" && /^\/api\/v1\/media\//.test(path)) return "write:media";
  if (method === "GET" && /^\/api\/v1\/(accounts\/\d+\/statuses|statuses\/\d+)$/.test(path)) return "read:statuses";
  return null;
}

export async function startMastodonEmulator(options: MastodonEmulatorOptions = {}): Promise<MastodonEmulator> {
  const now = options.now ?? Date.now;
  const accessToken = options.accessToken ?? randomBytes(32).toString("base64url").slice(0, 43);
  const maxCharacters = options.maxCharacters === undefined ? 500 : options.maxCharacters;
  const processingMs = options.processingMs ?? 1200;
  const scopes = new Set(options.scopes ?? ["read", "write"]);
  const account: MastodonAccount = {
    id: "109876543210987654",
    username: "keepdancing",
    acct: "keepdancing",
    displayName: "Keep Dancing (sandbox)",
  };
  const media: MastodonMedia[] = [];
  const statuses: MastodonStatus[] = [];
  const requests: MastodonRequestRecord[] = [];
  const faults: MastodonFault[] = [];
  const keys = new Map<string, { statusId: string; at: number }>();
  const windows = new Map<string, { used: number; resetAt: number }>();
  const hung = new Set<ServerResponse>();
  const log = options.log ?? (() => {});
  let seq = 113_000_000_000_000_000n;
  let domain = "127.0.0.1";
  const nextId = () => (seq += BigInt(1 + Math.floor(Math.random() * 1000))).toString();

  function rate(name: keyof typeof LIMITS): Reply | Record<string, string> {
    const { limit, windowMs } = LIMITS[name];
    let w = windows.get(name);
    if (!w || w.resetAt <= now()) windows.set(name, (w = { used: 0, resetAt: now() + windowMs }));
    const headers = {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - w.used - 1)),
      "x-ratelimit-reset": new Date(w.resetAt).toISOString(),
    };
    if (w.used >= limit)
      return {
        status: 429,
        body: { error: "Too many requests" },
        headers: { ...headers, "x-ratelimit-remaining": "0" },
      };
    w.used += 1;
    return headers;
  }

  function json(req: IncomingMessage, body: Buffer): Record<string, unknown> | null {
    const type = req.headers["content-type"] ?? "";
    if (/^application\/json/i.test(type)) {
      try {
        const parsed: unknown = JSON.parse(body.toString("utf8") || "{}");
        return parsed && typeof parsed === "object" && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : null;
      } catch {
        return null;
      }
    }
    if (/^application\/x-www-form-urlencoded/i.test(type)) {
      const form = new URLSearchParams(body.toString("utf8"));
      return {
        status: form.get("status") ?? undefined,
        media_ids: form.getAll("media_ids[]"),
        visibility: form.get("visibility") ?? undefined,
      };
    }
    return body.length ? null : {};
  }

  function createStatus(req: IncomingMessage, body: Buffer): Reply {
    const input = json(req, body);
    if (!input) return reply(400, { error: "Unsupported request body" });
    const key = req.headers["idempotency-key"];
    if (typeof key === "string" && key) {
      const seen = keys.get(key);
      if (seen && now() - seen.at < IDEMPOTENCY_MS) {
        const status = statuses.find((s) => s.id === seen.statusId)!;
        return reply(200, statusJson(status, account, domain, media, statuses.length, now()));
      }
    }
    const text = typeof input.status === "string" ? input.status : "";
    const mediaIds = Array.isArray(input.media_ids) ? input.media_ids.map(String) : [];
    const visibility = typeof input.visibility === "string" ? input.visibility : "public";
    if (!["public", "unlisted", "private", "direct"].includes(visibility))
      return unprocessable("Validation failed: Visibility is not included in the list");
    if (!text.trim() && mediaIds.length === 0) return unprocessable("Validation failed: Text can't be blank");
    const limit = maxCharacters ?? 500; // a server that does not say still holds statuses to Mastodon's 500
    if (statusLength(text) > limit)
      return unprocessable(`Validation failed: Text character limit of ${limit} exceeded`);
    if (mediaIds.length > 4) return unprocessable("Validation failed: Media attachments is too long (maximum is 4)");
    for (const id of mediaIds) {
      const m = media.find((x) => x.id === id);
      if (!m) return unprocessable("Validation failed: Media attachments is invalid");
      if (now() < m.readyAt)
        return unprocessable("Cannot attach files that have not finished processing. Try again in a moment!");
      if (statuses.some((s) => s.mediaIds.includes(id)))
        return unprocessable("Validation failed: Media attachments is invalid");
    }
    const status: MastodonStatus = {
      id: nextId(),
      text,
      mediaIds,
      visibility,
      createdAt: new Date(now()),
      idempotencyKey: typeof key === "string" && key ? key : null,
    };
    statuses.push(status);
    if (status.idempotencyKey) keys.set(status.idempotencyKey, { statusId: status.id, at: now() });
    return reply(200, statusJson(status, account, domain, media, statuses.length, now()));
  }

  function createMedia(req: IncomingMessage, body: Buffer): Reply {
    const boundary = boundaryOf(req.headers["content-type"]);
    const form = boundary ? parseMultipart(body, boundary) : null;
    if (!form) return unprocessable("Validation failed: File can't be blank");
    const file = form.get("file");
    if (!file?.value.length) return unprocessable("Validation failed: File can't be blank");
    const mimeType = (file.contentType ?? "").toLowerCase();
    if (!IMAGE_TYPES.has(mimeType))
      return unprocessable(`Validation failed: File content type is invalid, File is invalid`);
    if (mimeType === "image/png" && file.value.subarray(1, 4).toString("latin1") !== "PNG")
      return unprocessable("Validation failed: File content type is invalid, File is invalid");
    const description = form.get("description")?.value.toString("utf8") ?? null;
    if (description !== null && [...description].length > MAX_DESCRIPTION)
      return unprocessable(`Validation failed: Description is too long (maximum is ${MAX_DESCRIPTION} characters)`);
    const m: MastodonMedia = {
      id: nextId(),
      mimeType,
      bytes: Buffer.from(file.value),
      description,
      readyAt: now() + processingMs,
    };
    media.push(m);
    return reply(processingMs > 0 ? 202 : 200, mediaJson(m, domain, now()));
  }

  function route(
    method: string,
    url: URL,
    req: IncomingMessage,
    body: Buffer,
  ): { reply: Reply; endpoint?: MastodonEndpoint } {
    const path = url.pathname;
    if (method === "GET" && path === "/api/v2/instance")
      return { reply: reply(200, instanceJson(domain, maxCharacters)), endpoint: "instance" };
    if (req.headers.authorization !== `Bearer ${accessToken}`)
      return { reply: reply(401, { error: "The access token is invalid" }) };
    const needed = scopeFor(method, path);
    if (needed && !scopes.has(needed) && !scopes.has(needed.split(":")[0]!))
      return { reply: reply(403, { error: "This action is outside the authorized scopes" }) };
    const limited = rate(
      method === "POST" && path === "/api/v1/statuses"
        ? "statuses"
        : method === "POST" && path === "/api/v2/media"
          ? "media"
          : "api",
    );
    if ("status" in limited) return { reply: limited as Reply };
    const withHeaders = (r: Reply, endpoint?: MastodonEndpoint) => ({
      reply: { ...r, headers: limited as Record<string, string> },
      endpoint,
    });
    if (method === "GET" && path === "/api/v1/accounts/verify_credentials") {
      return withHeaders(
        reply(200, {
          ...accountJson(account, domain, statuses.length),
          source: { privacy: "public", sensitive: false, language: "en", note: "", fields: [] },
        }),
        "verify_credentials",
      );
    }
    if (method === "POST" && path === "/api/v2/media") return withHeaders(createMedia(req, body), "media");
    const mediaMatch = /^\/api\/v1\/media\/(\d+)$/.exec(path);
    if (method === "GET" && mediaMatch) {
      const m = media.find((x) => x.id === mediaMatch[1]);
      if (!m) return withHeaders(reply(404, { error: "Record not found" }));
      return withHeaders(reply(now() >= m.readyAt ? 200 : 206, mediaJson(m, domain, now())));
    }
    if (method === "POST" && path === "/api/v1/statuses") return withHeaders(createStatus(req, body), "statuses");
    const timeline = /^\/api\/v1\/accounts\/(\d+)\/statuses$/.exec(path);
    if (method === "GET" && timeline) {
      if (timeline[1] !== account.id) return withHeaders(reply(404, { error: "Record not found" }));
      const limit = Math.min(40, Math.max(1, Number(url.searchParams.get("limit") ?? 20) || 20));
      const maxId = url.searchParams.get("max_id");
      const list = [...statuses]
        .reverse()
        .filter((s) => !maxId || BigInt(s.id) < BigInt(maxId))
        .slice(0, limit);
      return withHeaders(
        reply(
          200,
          list.map((s) => statusJson(s, account, domain, media, statuses.length, now())),
        ),
      );
    }
    const one = /^\/api\/v1\/statuses\/(\d+)$/.exec(path);
    if (method === "GET" && one) {
      const s = statuses.find((x) => x.id === one[1]);
      return withHeaders(
        s
          ? reply(200, statusJson(s, account, domain, media, statuses.length, now()))
          : reply(404, { error: "Record not found" }),
      );
    }
    return { reply: reply(404, { error: "Not Found" }) };
  }

  function send(res: ServerResponse, record: MastodonRequestRecord, r: Reply): void {
    record.status = r.status;
    log(`[mastodon] ${record.method} ${record.path} -> ${r.status}`);
    if (r.html !== undefined) {
      res.writeHead(r.status, { "content-type": "text/html", ...r.headers });
      res.end(r.html);
      return;
    }
    res.writeHead(r.status, { "content-type": "application/json; charset=utf-8", ...r.headers });
    res.end(JSON.stringify(r.body));
  }

  function endpointOf(method: string, path: string): MastodonEndpoint | undefined {
    if (method === "POST" && path === "/api/v1/statuses") return "statuses";
    if (method === "POST" && path === "/api/v2/media") return "media";
    if (path === "/api/v2/instance") return "instance";
    if (path === "/api/v1/accounts/verify_credentials") return "verify_credentials";
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://placeholder");
    domain = req.headers.host ?? domain;
    const record: MastodonRequestRecord = { method, path: url.pathname, status: 0 };
    requests.push(record);
    const body = await readBody(req);
    if (body === null) return send(res, record, reply(413, { error: "Request Entity Too Large" }));
    const endpoint = endpointOf(method, url.pathname);
    const index = endpoint ? faults.findIndex((f) => (f.on ?? "statuses") === endpoint) : -1;
    const fault = index >= 0 ? faults.splice(index, 1)[0] : undefined;
    if (fault && "hang" in fault) {
      log(`[mastodon] ${method} ${url.pathname} -> (hanging on purpose)`);
      hung.add(res);
      res.on("close", () => hung.delete(res));
      return;
    }
    if (fault && "status" in fault) {
      if (fault.status === 429) {
        const reset = new Date(now() + (fault.resetInSeconds ?? 3600) * 1000).toISOString();
        return send(res, record, {
          status: 429,
          body: { error: "Too many requests" },
          headers: { "x-ratelimit-limit": "300", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
        });
      }
      if (fault.status === 401) return send(res, record, reply(401, { error: "The access token is invalid" }));
      if (fault.status === 500)
        return send(res, record, reply(500, { error: "We're sorry, but something went wrong on our end." }));
      return send(res, record, {
        status: fault.status,
        html: `<html><head><title>${fault.status} Bad Gateway</title></head><body><center><h1>${fault.status}</h1></center><hr><center>nginx</center></body></html>`,
      });
    }
    const { reply: r } = route(method, url, req, body);
    if (fault && "acceptThenDrop" in fault && r.status < 300) {
      log(`[mastodon] ${method} ${url.pathname} -> stored, then dropped the connection on purpose`);
      req.socket.destroy();
      return;
    }
    send(res, record, r);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`[mastodon] internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ error: "Internal Server Error" }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  domain = `127.0.0.1:${port}`;

  return {
    url: `http://127.0.0.1:${port}`,
    get domain() {
      return domain;
    },
    accessToken,
    account,
    media,
    statuses,
    requests,
    fail(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    forgetIdempotencyKeys() {
      keys.clear();
    },
    reset() {
      media.length = 0;
      statuses.length = 0;
      requests.length = 0;
      faults.length = 0;
      keys.clear();
      windows.clear();
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
