// What the emulator remembers, and what every route handler receives.
import type { XCredentials, XMedia, XTweet, XUser } from "./types.js";

/** A chunked media upload between INIT and FINALIZE. */
export interface PendingUpload {
  id: string;
  mediaType: string;
  totalBytes: number;
  segments: Map<number, Buffer>;
  received: number;
}

export class XState {
  readonly tweets: XTweet[] = [];
  readonly media: XMedia[] = [];
  readonly uploads = new Map<string, PendingUpload>();
  readonly nonces = new Set<string>();
  // Snowflake-sized ids (19 digits), increasing, so they look and sort like X's.
  private seq = 1_880_000_000_000_000_000n;

  constructor(
    readonly credentials: XCredentials,
    readonly user: XUser,
  ) {}

  nextId(): string {
    this.seq += 1n;
    return this.seq.toString();
  }

  clear(): void {
    this.tweets.length = 0;
    this.media.length = 0;
    this.uploads.clear();
    this.nonces.clear();
  }
}

export interface RouteContext {
  state: XState;
  /** Path parameters captured by the route pattern. */
  params: string[];
  query: URLSearchParams;
  body: Buffer;
  contentType: string | undefined;
}

/** Parses a JSON request body; undefined when absent or malformed. */
export function jsonBody(ctx: RouteContext): Record<string, unknown> | undefined {
  if (!ctx.body.length) return {};
  if (!/^application\/json/i.test(ctx.contentType ?? "")) return undefined;
  try {
    const parsed: unknown = JSON.parse(ctx.body.toString("utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
