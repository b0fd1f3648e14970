// Minimal HTTP plumbing for the REST side: Discord-shaped errors, JSON and multipart bodies, and a
// route table with `:param` segments (decoded, so `%40original` arrives as `@original`).
import type { IncomingMessage } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { message: this.message, code: this.code, ...(this.errors ? { errors: this.errors } : {}) };
  }
}

export const invalidFormBody = (errors: unknown) => new HttpError(400, 50035, "Invalid Form Body", errors);

export interface UploadedFile {
  /** The form field, e.g. "files[0]". */
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedBody {
  json: any;
  files: UploadedFile[];
}

// Discord's upload limit for unboosted guilds is 10 MiB a file; 25 MiB a request is generous.
const MAX_BODY = 25 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 40005, "Request entity too large");
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return { json: undefined, files: [] };
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("multipart/form-data")) return readMultipart(raw, type);
  try {
    return { json: JSON.parse(raw.toString("utf8")), files: [] };
  } catch {
    throw new HttpError(400, 50109, "The request body contains invalid JSON.");
  }
}

// Node's fetch Response knows how to parse multipart/form-data, so no parser of our own.
async function readMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new HttpError(400, 50109, "The request body contains invalid multipart data.");
  }
  let json: any = {};
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === "string") {
      if (field !== "payload_json") continue;
      try {
        json = JSON.parse(value);
      } catch {
        throw new HttpError(400, 50109, "The request body contains invalid JSON.");
      }
    } else {
      files.push({
        field,
        name: value.name || field,
        contentType: value.type || "application/octet-stream",
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return { json, files };
}

export interface Ctx {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  files: UploadedFile[];
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Raw bytes instead of JSON (attachment downloads). */
  raw?: { data: Buffer; contentType: string };
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  /** Whether `Authorization: Bot <token>` is required (not for webhook and callback routes). */
  auth: boolean;
  handler: Handler;
}

export function route(method: string, path: string, handler: Handler, opts: { auth?: boolean } = {}): Route {
  const keys: string[] = [];
  const source = path
    .split("/")
    .map((part) => {
      if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      keys.push(part.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { method, pattern: new RegExp(`^${source}/?$`), keys, auth: opts.auth ?? true, handler };
}

export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((key, i) => {
      params[key] = decodeURIComponent(m[i + 1] ?? "");
    });
    return { route: r, params };
  }
  return undefined;
}

export const ok = (body: unknown, status = 200): Reply => ({ status, body });
export const noContent = (): Reply => ({ status: 204 });
