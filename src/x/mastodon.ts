// Posts to Mastodon with masto: the card uploaded with its description (alt text) and waited for until
// processed, then the status with an Idempotency-Key unique to the delivery, so a retry within the hour the
// instance keeps keys returns the status already made. Past that hour a retry first looks for the text among
// the account's latest statuses. The instance's max_characters is read once (500 when it says nothing).
// masto is loaded on first use, not at start: a bot without Mastodon should not pay for it on every start.
import type { MastoHttpError, mastodon } from "masto";
import { fetchWithTimeout, isNetworkFailure, type NetworkPublisher, type PostErrorKind } from "./networks.js";

export const MASTODON_DEFAULT_MAX_CHARACTERS = 500;
export const MASTODON_MAX_ALT = 1500;
/** Instances keep idempotency keys about an hour; look up from a little before that. */
export const IDEMPOTENCY_WINDOW_MS = 55 * 60_000;
const DEFAULT_TIMEOUT_MS = 15_000;
const MEDIA_TIMEOUT_MS = 60_000;
const LOOKUP_LIMIT = 40;
const DEFAULT_RATE_LIMIT_WAIT_MS = 15 * 60_000;

export interface MastodonOptions {
  url: string;
  accessToken: string;
  timeoutMs?: number;
}

export interface MastodonPublisher extends NetworkPublisher {
  /** The instance's max_characters (read once), 500 when absent. */
  maxCharacters(): Promise<number>;
}

/** The plain text of a status's HTML content, for comparing with what we sent. */
export function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p>/gi, "\n\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}

const normalize = (s: string) => s.replace(/\s+/g, " ").trim();

/** The token cannot read the account's statuses, which the look-up past the idempotency hour needs. */
export class MissingScopeError extends Error {
  constructor(detail: string) {
    super(
      `Mastodon refused to list the account's statuses (${detail}): the token needs the read:accounts and read:statuses scopes besides write:statuses and write:media`,
    );
    this.name = "MissingScopeError";
  }
}

export function idempotencyKey(delivery: { id: number; dedupeKey: string }): string {
  return `keep-dancing:${delivery.dedupeKey}:${delivery.id}`;
}

/** Whether an error is of masto's class `name` (or a subclass), told apart without loading the library. */
function isMasto(err: unknown, name: "MastoHttpError" | "MastoTimeoutError" | "MastoUnexpectedError"): boolean {
  for (let p = err ? Object.getPrototypeOf(err) : null; p; p = Object.getPrototypeOf(p))
    if (p.constructor?.name === name) return true;
  return false;
}
const isHttpError = (err: unknown): err is MastoHttpError => isMasto(err, "MastoHttpError");

export function createMastodonPublisher(options: MastodonOptions): MastodonPublisher {
  let clientOnce: Promise<mastodon.rest.Client> | null = null;
  const clientOf = () =>
    (clientOnce ??= import("masto").then(({ createRestAPIClient }) =>
      createRestAPIClient({
        url: options.url,
        accessToken: options.accessToken,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        mediaTimeout: MEDIA_TIMEOUT_MS,
      }),
    ));
  const plainFetch = fetchWithTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let limit: Promise<number> | null = null;
  let accountId: string | null = null;

  async function maxCharacters(): Promise<number> {
    limit ??= (async () => {
      // Read raw: masto types the field as always present, and older servers leave it out.
      const res = await plainFetch(`${options.url.replace(/\/+$/, "")}/api/v2/instance`, {
        headers: { accept: "application/json" },
      });
      if (!res.ok) throw new Error(`Mastodon answered ${res.status} for /api/v2/instance`);
      const body = (await res.json()) as { configuration?: { statuses?: { max_characters?: unknown } } };
      const max = body.configuration?.statuses?.max_characters;
      return typeof max === "number" && Number.isInteger(max) && max > 0 ? max : MASTODON_DEFAULT_MAX_CHARACTERS;
    })().catch((err: unknown) => {
      limit = null;
      throw err;
    });
    return limit;
  }

  /** The status already made for this text, among the account's latest ones. */
  async function lookUp(text: string): Promise<{ id: string; url: string | null } | null> {
    let latest: mastodon.v1.Status[];
    const client = await clientOf();
    try {
      accountId ??= (await client.v1.accounts.verifyCredentials()).id;
      latest = await client.v1.accounts
        .$select(accountId)
        .statuses.list({ limit: LOOKUP_LIMIT, excludeReplies: true, excludeReblogs: true });
    } catch (err) {
      // Posting again without looking could make a second status: refuse, and say which scopes are missing.
      if (isHttpError(err) && (err.statusCode === 401 || err.statusCode === 403))
        throw new MissingScopeError(err.message);
      throw err;
    }
    const found = latest.find((s) => normalize(plainText(s.content)) === normalize(text));
    return found ? { id: found.id, url: found.url ?? found.uri } : null;
  }

  return {
    network: "mastodon",
    maxCharacters,
    async post(text, image, delivery, now) {
      if (delivery.firstAttemptAt && now.getTime() - delivery.firstAttemptAt.getTime() >= IDEMPOTENCY_WINDOW_MS) {
        const found = await lookUp(text);
        if (found) return { ...found, note: "found among the account's statuses: an earlier attempt landed" };
      }
      const client = await clientOf();
      const media = await client.v2.media.create({
        file: new Blob([new Uint8Array(image.png)], { type: "image/png" }),
        description: [...image.alt].slice(0, MASTODON_MAX_ALT).join(""),
      });
      const status = await client.v1.statuses.create(
        { status: text, mediaIds: [media.id], visibility: "public" },
        { requestInit: { headers: { "Idempotency-Key": idempotencyKey(delivery) } } },
      );
      return { id: status.id, url: status.url ?? status.uri };
    },
    classify(err, now) {
      return classifyMastodonError(err, now);
    },
    describe(err) {
      if (err instanceof MissingScopeError) return err.message;
      if (isHttpError(err)) return `Mastodon answered ${err.statusCode}: ${err.message}`;
      if (isMasto(err, "MastoUnexpectedError"))
        return `Mastodon answered something unexpected (${(err as Error).message})`;
      if (isMasto(err, "MastoTimeoutError")) return `Mastodon did not answer in time (${(err as Error).message})`;
      if (err instanceof TypeError && /destructure property 'error'/.test(err.message))
        return "Mastodon answered an error page that is not JSON (a proxy in front of a server that is down)";
      return `Mastodon request failed: ${err instanceof Error ? err.message : String(err)}`;
    },
  };
}

export function classifyMastodonError(err: unknown, now: Date): PostErrorKind {
  if (err instanceof MissingScopeError) return { kind: "auth" };
  if (isHttpError(err)) {
    if (err.statusCode === 429) {
      const header = err.cause instanceof Response ? err.cause.headers.get("x-ratelimit-reset") : null;
      const reset = header ? Date.parse(header) : Number.NaN;
      return {
        kind: "rate_limited",
        resetAt: Number.isFinite(reset) ? new Date(reset) : new Date(now.getTime() + DEFAULT_RATE_LIMIT_WAIT_MS),
      };
    }
    if (err.statusCode === 401 || err.statusCode === 403) return { kind: "auth" };
    if (err.statusCode >= 500 || err.statusCode === 408) return { kind: "transient" };
    // The card was not processed yet when the status came: try again shortly.
    if (err.statusCode === 422 && /not finished processing/i.test(err.message)) return { kind: "transient" };
    return { kind: "rejected", message: err.message };
  }
  // An HTML error page (a proxy in front of a Mastodon that is down), a time-out, no answer at all.
  if (isMasto(err, "MastoUnexpectedError") || isMasto(err, "MastoTimeoutError") || isNetworkFailure(err))
    return { kind: "transient" };
  // masto 8.0.0 meets a non-JSON error page (nginx's 502) with this TypeError instead of an error of its own.
  if (err instanceof TypeError && /destructure property 'error'/.test(err.message)) return { kind: "transient" };
  return { kind: "rejected", message: err instanceof Error ? err.message : String(err) };
}
