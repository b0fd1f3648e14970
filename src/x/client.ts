// The X client the bot uses: twitter-api-v2 with OAuth 1.0a user context, an optional base URL
// (the local emulator, or any X-compatible server) and a request timeout; plus the one place that
// turns its errors into the few cases the outbox acts on.
import http from "node:http";
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  TwitterApi,
  type ITwitterApiClientPlugin,
} from "twitter-api-v2";

const X_HOSTS = new Set(["api.x.com", "api.twitter.com", "upload.x.com", "upload.twitter.com"]);
const DEFAULT_TIMEOUT_MS = 10_000;

export interface XClientOptions {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
  /** Base URL replacing X's hosts, e.g. "http://127.0.0.1:4567". Root path only. */
  apiUrl?: string;
  /** Socket inactivity timeout of each request; default 10 s. */
  timeoutMs?: number;
}

export function createXClient(options: XClientOptions): TwitterApi {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let base: URL | undefined;
  if (options.apiUrl) {
    base = new URL(options.apiUrl);
    // twitter-api-v2 picks JSON bodies by the path starting with /2/, so a prefix would break it.
    if (base.pathname !== "/" || base.search) throw new Error(`X apiUrl must be a bare origin, got ${options.apiUrl}`);
  }

  const plugin: ITwitterApiClientPlugin = {
    onBeforeRequestConfig({ url, params }) {
      // Every request gets a timeout unless the caller set one: a silent server must not stall the bot.
      params.timeout ??= timeout;
      // Must stay a string: twitter-api-v2 re-parses params.url and a URL object breaks it.
      if (base && X_HOSTS.has(url.hostname)) params.url = `${base.origin}${url.pathname}${url.search}`;
    },
  };

  return new TwitterApi(
    {
      appKey: options.appKey,
      appSecret: options.appSecret,
      accessToken: options.accessToken,
      accessSecret: options.accessSecret,
    },
    {
      plugins: [plugin],
      // twitter-api-v2 always calls https.request; an http.Agent is what lets it speak plain http.
      // No keep-alive: a reused socket closed by the server in between would fail a post spuriously.
      ...(base?.protocol === "http:" ? { httpAgent: new http.Agent({ keepAlive: false }) } : {}),
    },
  );
}

export type XErrorKind =
  | { kind: "rate_limited"; resetAt: Date }
  | { kind: "duplicate" }
  | { kind: "auth" }
  | { kind: "transient" }
  | { kind: "rejected"; message: string };

const NETWORK_CODES =
  /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_)/;
const DEFAULT_RATE_LIMIT_WAIT_MS = 15 * 60 * 1000;

/**
 * What the outbox should do about an error from the X client:
 * rate_limited (wait until resetAt), duplicate (X already has this text: treat as posted),
 * auth (stop and tell an organizer), transient (retry with backoff), rejected (give up on this post).
 */
export function classifyXError(err: unknown): XErrorKind {
  if (err instanceof ApiResponseError) {
    if (err.code === 429 || err.code === 420) return { kind: "rate_limited", resetAt: resetOf(err) };
    if (err.code === 403 && isDuplicate(err)) return { kind: "duplicate" };
    if (err.code === 401 || err.code === 403) return { kind: "auth" };
    if (err.code >= 500 || err.code === 408) return { kind: "transient" };
    return { kind: "rejected", message: err.message };
  }
  // No answer, or half of one: timeouts, refused or dropped connections. The post may or may not
  // have landed; a retry that meets "duplicate content" settles it.
  if (err instanceof ApiRequestError || err instanceof ApiPartialResponseError) return { kind: "transient" };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NETWORK_CODES.test(code)) return { kind: "transient" };
  return { kind: "rejected", message: err instanceof Error ? err.message : String(err) };
}

function isDuplicate(err: ApiResponseError): boolean {
  const data = err.data as { detail?: unknown; errors?: { code?: number; message?: string }[] } | undefined;
  if (typeof data?.detail === "string" && /duplicate content/i.test(data.detail)) return true;
  // The v1.1 form of the same refusal: code 187 "Status is a duplicate."
  return data?.errors?.some((e) => e.code === 187 || /duplicate/i.test(e.message ?? "")) ?? false;
}

// The window's reset, or a later exhausted 24-hour one (then the 15-minute reset would come too early).
function resetOf(err: ApiResponseError): Date {
  const limit = err.rateLimit;
  const resets = [
    limit?.reset,
    limit?.day?.remaining === 0 ? limit.day.reset : undefined,
    limit?.userDay?.remaining === 0 ? limit.userDay.reset : undefined,
  ].filter((r): r is number => typeof r === "number" && Number.isFinite(r) && r > 0);
  if (!resets.length) return new Date(Date.now() + DEFAULT_RATE_LIMIT_WAIT_MS);
  return new Date(Math.max(...resets) * 1000);
}

/**
 * A one-line description of an X client error for logs (no headers, so no secrets).
 * Needed because twitter-api-v2 1.29.1 stores a request error's cause under `_options.error`
 * while its `requestError` getter reads `_options.requestError`: the cause ("Request timeout.",
 * "socket hang up") is otherwise lost behind "Request failed.".
 */
export function describeXError(err: unknown): string {
  if (err instanceof ApiResponseError) {
    const data = err.data as { title?: unknown; detail?: unknown } | undefined;
    const detail =
      typeof data?.detail === "string" ? data.detail : typeof data?.title === "string" ? data.title : err.message;
    return `X answered ${err.code}: ${detail}`;
  }
  if (err instanceof ApiRequestError) {
    const cause = err.requestError ?? (err as unknown as { _options?: { error?: unknown } })._options?.error;
    return `X request failed: ${cause instanceof Error ? cause.message : "no answer"}`;
  }
  if (err instanceof ApiPartialResponseError) return `X answer cut short: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
