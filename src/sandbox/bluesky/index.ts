// A local Bluesky PDS (the XRPC methods the bot uses) for the demo and the end-to-end tests: sessions with
// app passwords and expiring tokens, blob uploads with real CIDs and the 1,000,000-byte image limit, posts
// checked like the PDS and the AppView check them, record-key conflicts ("Record already exists"), per-account
// rate limits with ratelimit-* headers, and faults on purpose (see BlueskyFault).
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isTid } from "../../x/tid.js";
import { blobCid, checkPost, MAX_BLOB_BYTES, recordCid } from "./records.js";
import type {
  BlueskyAccount,
  BlueskyBlob,
  BlueskyEmulator,
  BlueskyEmulatorOptions,
  BlueskyEndpoint,
  BlueskyFault,
  BlueskyRecord,
  BlueskyRequestRecord,
} from "./types.js";

export type * from "./types.js";

const MAX_BODY = 5 * 1024 * 1024; // the PDS's request limit; images are held to 1,000,000 bytes on top
const ACCESS_TTL_MS = 2 * 60 * 60_000;
const REFRESH_TTL_MS = 90 * 24 * 60 * 60_000;
const RECORD_KEY = /^[A-Za-z0-9._:~-]{1,512}$/;
// Bluesky's published limits: createSession 30 per 5 minutes; writes 5,000 points an hour (a create costs 3).
const LIMITS = { session: { limit: 30, windowMs: 5 * 60_000 }, write: { limit: 5000, windowMs: 60 * 60_000 } };

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
const ok = (body: unknown): Reply => ({ status: 200, body });
const xrpcError = (status: number, error: string, message: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { error, message },
  headers,
});
const invalid = (message: string) => xrpcError(400, "InvalidRequest", message);

interface Session {
  kind: "access" | "refresh";
  expiresAt: number;
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

const MAGIC: Record<string, (b: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
};

export async function startBlueskyEmulator(options: BlueskyEmulatorOptions = {}): Promise<BlueskyEmulator> {
  const now = options.now ?? Date.now;
  const account: BlueskyAccount = {
    did: `did:plc:${randomBytes(15)
      .toString("hex")
      .slice(0, 24)
      .replace(/[0189]/g, "a")}`,
    handle: "keepdancing.bsky.social",
    password: Array.from({ length: 4 }, () => randomBytes(3).toString("hex").slice(0, 4)).join("-"),
    ...options.account,
  };
  const secret = randomBytes(32);
  const sessions = new Map<string, Session>();
  const blobs: BlueskyBlob[] = [];
  const records: BlueskyRecord[] = [];
  const requests: BlueskyRequestRecord[] = [];
  const faults: BlueskyFault[] = [];
  const windows = new Map<string, { used: number; resetAt: number }>();
  const hung = new Set<ServerResponse>();
  const log = options.log ?? (() => {});
  let rev = 0;

  // A JWT-shaped token (HS256), as the PDS issues: the client stores it and sends it back as a Bearer token.
  function token(kind: Session["kind"], ttl: number): string {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const exp = now() + ttl;
    const scope = kind === "access" ? "com.atproto.appPass" : "com.atproto.refresh";
    const head = `${enc({ typ: kind === "access" ? "at+jwt" : "refresh+jwt", alg: "HS256" })}.${enc({ scope, sub: account.did, iat: Math.floor(now() / 1000), exp: Math.floor(exp / 1000), jti: randomBytes(8).toString("hex") })}`;
    const jwt = `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
    sessions.set(jwt, { kind, expiresAt: exp });
    return jwt;
  }

  function newSession(): Reply {
    return ok({
      did: account.did,
      handle: account.handle,
      accessJwt: token("access", ACCESS_TTL_MS),
      refreshJwt: token("refresh", REFRESH_TTL_MS),
      active: true,
      didDoc: undefined,
    });
  }

  function rate(name: keyof typeof LIMITS, cost: number): { reply?: Reply; headers: Record<string, string> } {
    const { limit, windowMs } = LIMITS[name];
    let w = windows.get(name);
    if (!w || w.resetAt <= now()) windows.set(name, (w = { used: 0, resetAt: now() + windowMs }));
    const headers = {
      "ratelimit-limit": String(limit),
      "ratelimit-remaining": String(Math.max(0, limit - w.used - cost)),
      "ratelimit-reset": String(Math.ceil(w.resetAt / 1000)),
      "ratelimit-policy": `${limit};w=${windowMs / 1000}`,
    };
    if (w.used + cost > limit)
      return {
        reply: xrpcError(429, "RateLimitExceeded", "Rate Limit Exceeded", { ...headers, "ratelimit-remaining": "0" }),
        headers,
      };
    w.used += cost;
    return { headers };
  }

  function bearer(req: IncomingMessage, kind: Session["kind"]): Reply | null {
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!auth) return xrpcError(401, "AuthenticationRequired", "Authentication Required");
    const session = sessions.get(auth);
    if (!session || session.kind !== kind) return xrpcError(400, "InvalidToken", "Token could not be verified");
    if (session.expiresAt <= now()) return xrpcError(400, "ExpiredToken", "Token has expired");
    return null;
  }

  function json(body: Buffer, req: IncomingMessage): Record<string, unknown> | null {
    if (!/^application\/json/i.test(req.headers["content-type"] ?? "")) return null;
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      return parsed && typeof parsed === "object" && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }

  async function writeRecord(input: Record<string, unknown>, put: boolean): Promise<Reply> {
    const { repo, collection, rkey, record } = input;
    if (repo !== account.did && repo !== account.handle) return invalid(`Could not find repo: ${String(repo)}`);
    if (collection !== "app.bsky.feed.post")
      return invalid(`Invalid collection: only app.bsky.feed.post is served here`);
    if (rkey !== undefined && (typeof rkey !== "string" || !RECORD_KEY.test(rkey) || rkey === "." || rkey === ".."))
      return invalid("Invalid record key");
    // The PDS stores any record key, but the AppView indexes posts only under TIDs: anything else would never be seen.
    const key = (rkey as string | undefined) ?? (put ? undefined : nextTid());
    if (!key || !isTid(key)) return invalid("Posts must use a TID as record key");
    if (!record || typeof record !== "object" || Array.isArray(record))
      return invalid("Input/record must be an object");
    const problem = checkPost(record as Record<string, unknown>, blobs);
    if (problem) return invalid(problem);
    const existing = records.findIndex((r) => r.rkey === key);
    if (existing >= 0 && !put) return invalid("Record already exists");
    const uri = `at://${account.did}/${collection}/${key}`;
    const cid = await recordCid(record);
    const stored: BlueskyRecord = {
      uri,
      cid,
      collection,
      rkey: key,
      value: record as Record<string, unknown>,
      createdAt: new Date(now()),
    };
    if (existing >= 0) records[existing] = stored;
    else records.push(stored);
    rev++;
    return ok({ uri, cid, commit: { cid: await recordCid({ rev }), rev: nextTid() }, validationStatus: "valid" });
  }

  let tidSeq = 0;
  function nextTid(): string {
    const value = (BigInt(now()) * 1000n + BigInt(tidSeq++ % 1000)) << 10n;
    const alphabet = "234567abcdefghijklmnopqrstuvwxyz";
    let v = value;
    let out = "";
    for (let i = 0; i < 13; i++, v >>= 5n) out = alphabet[Number(v & 31n)] + out;
    return out;
  }

  async function route(
    nsid: string,
    method: string,
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ reply: Reply; endpoint?: BlueskyEndpoint; headers?: Record<string, string> }> {
    switch (`${method} ${nsid}`) {
      case "POST com.atproto.server.createSession": {
        const input = json(body, req);
        if (!input || typeof input.identifier !== "string" || typeof input.password !== "string")
          return { reply: invalid("Input must have identifier and password") };
        const limited = rate("session", 1);
        if (limited.reply) return { reply: limited.reply, endpoint: "createSession" };
        const who = input.identifier.replace(/^@/, "").toLowerCase();
        if ((who !== account.handle && who !== account.did) || input.password !== account.password) {
          return {
            reply: xrpcError(401, "AuthenticationRequired", "Invalid identifier or password"),
            endpoint: "createSession",
            headers: limited.headers,
          };
        }
        return { reply: newSession(), endpoint: "createSession", headers: limited.headers };
      }
      case "POST com.atproto.server.refreshSession": {
        const denied = bearer(req, "refresh");
        if (denied) return { reply: denied };
        sessions.delete(/^Bearer (\S+)$/.exec(req.headers.authorization!)![1]!);
        return { reply: newSession() };
      }
      case "GET com.atproto.server.getSession": {
        const denied = bearer(req, "access");
        return { reply: denied ?? ok({ did: account.did, handle: account.handle, active: true }) };
      }
      case "POST com.atproto.repo.uploadBlob": {
        const denied = bearer(req, "access");
        if (denied) return { reply: denied, endpoint: "uploadBlob" };
        const mimeType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
        if (!mimeType || mimeType === "*/*")
          return { reply: invalid("Missing or invalid content-type"), endpoint: "uploadBlob" };
        if (mimeType.startsWith("image/") && body.length > MAX_BLOB_BYTES) {
          return {
            reply: xrpcError(
              400,
              "BlobTooLarge",
              `This file is too large. It is ${body.length} bytes but the maximum size is ${MAX_BLOB_BYTES} bytes.`,
            ),
            endpoint: "uploadBlob",
          };
        }
        if (MAGIC[mimeType] && !MAGIC[mimeType](body))
          return { reply: invalid(`Blob content does not match ${mimeType}`), endpoint: "uploadBlob" };
        const cid = await blobCid(body);
        if (!blobs.some((b) => b.cid === cid)) blobs.push({ cid, mimeType, bytes: body });
        return {
          reply: ok({ blob: { $type: "blob", ref: { $link: cid }, mimeType, size: body.length } }),
          endpoint: "uploadBlob",
        };
      }
      case "POST com.atproto.repo.createRecord":
      case "POST com.atproto.repo.putRecord": {
        const denied = bearer(req, "access");
        if (denied) return { reply: denied, endpoint: "createRecord" };
        const input = json(body, req);
        if (!input) return { reply: invalid("Request body must be JSON"), endpoint: "createRecord" };
        const limited = rate("write", nsid.endsWith("putRecord") ? 2 : 3);
        if (limited.reply) return { reply: limited.reply, endpoint: "createRecord" };
        return {
          reply: await writeRecord(input, nsid.endsWith("putRecord")),
          endpoint: "createRecord",
          headers: limited.headers,
        };
      }
      case "GET com.atproto.repo.getRecord": {
        const url = new URL(req.url ?? "/", "http://placeholder");
        const found = records.find(
          (r) => r.rkey === url.searchParams.get("rkey") && r.collection === url.searchParams.get("collection"),
        );
        return {
          reply: found
            ? ok({ uri: found.uri, cid: found.cid, value: found.value })
            : xrpcError(400, "RecordNotFound", "Could not locate record"),
        };
      }
      default:
        return { reply: xrpcError(501, "MethodNotImplemented", `Method Not Implemented: ${nsid}`) };
    }
  }

  function send(
    res: ServerResponse,
    record: BlueskyRequestRecord,
    reply: Reply,
    headers: Record<string, string> = {},
  ): void {
    record.status = reply.status;
    log(`[bluesky] ${record.method} ${record.nsid} -> ${reply.status}`);
    res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...headers, ...reply.headers });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://placeholder");
    const nsid = /^\/xrpc\/([a-zA-Z0-9.]+)$/.exec(url.pathname)?.[1] ?? url.pathname;
    const record: BlueskyRequestRecord = { method, nsid, status: 0 };
    requests.push(record);
    const body = await readBody(req);
    if (body === null) return send(res, record, xrpcError(413, "PayloadTooLarge", "request entity too large"));

    const endpoint = nsid.replace(/^com\.atproto\.(server|repo)\./, "").replace("putRecord", "createRecord");
    const index = faults.findIndex((f) => (f.on ?? "createRecord") === endpoint);
    const fault = index >= 0 ? faults.splice(index, 1)[0] : undefined;
    if (fault && "hang" in fault) {
      log(`[bluesky] ${method} ${nsid} -> (hanging on purpose)`);
      hung.add(res);
      res.on("close", () => hung.delete(res));
      return;
    }
    if (fault && "status" in fault) {
      if (fault.status === 429) {
        const reset = String(Math.ceil(now() / 1000) + (fault.resetInSeconds ?? 3600));
        return send(
          res,
          record,
          xrpcError(429, "RateLimitExceeded", "Rate Limit Exceeded", {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": reset,
            "ratelimit-policy": "5000;w=3600",
          }),
        );
      }
      if (fault.status === 401) {
        sessions.clear();
        return send(res, record, xrpcError(401, "AuthenticationRequired", "Authentication Required"));
      }
      return send(
        res,
        record,
        xrpcError(
          fault.status,
          fault.status === 500 ? "InternalServerError" : "UpstreamFailure",
          fault.status === 500 ? "Internal Server Error" : "Upstream Failure",
        ),
      );
    }
    const { reply, headers } = await route(nsid, method, req, body);
    if (fault && "acceptThenDrop" in fault && reply.status < 300) {
      log(`[bluesky] ${method} ${nsid} -> stored, then dropped the connection on purpose`);
      record.status = 0;
      req.socket.destroy();
      return;
    }
    send(res, record, reply, headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`[bluesky] internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ error: "InternalServerError", message: "Internal Server Error" }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    serviceUrl: `http://127.0.0.1:${port}`,
    account,
    blobs,
    records,
    requests,
    fail(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    revokeSessions() {
      sessions.clear();
    },
    reset() {
      blobs.length = 0;
      records.length = 0;
      requests.length = 0;
      faults.length = 0;
      windows.clear();
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
