// The destinations a post can go to, and what every publisher offers the outbox: post once (with the card and
// its alt text), and say what an error means. Each network's exactly-once device lives in its publisher:
// X's duplicate-content refusal, Bluesky's record key chosen before the first attempt, Mastodon's
// Idempotency-Key plus a look-up among the account's latest statuses once the key may have lapsed.
import type { Network } from "../services/networkText.js";

export { NETWORKS, NETWORK_NAMES, type Network } from "../services/networkText.js";

export interface PostImage {
  png: Buffer;
  alt: string;
}

/** What a publisher knows of the delivery it posts (one row of TweetDelivery). */
export interface DeliveryRef {
  id: number;
  /** The outbox row's unique key (milestone:<id>, digest:<time>): part of the idempotency key. */
  dedupeKey: string;
  /** Bluesky: the TID record key, chosen and stored before the first attempt. */
  recordKey: string | null;
  /** When the first attempt started (null on the first attempt itself). */
  firstAttemptAt: Date | null;
}

export interface Posted {
  /** X's tweet id, Bluesky's at:// URI, Mastodon's status id. */
  id: string;
  /** A link people can open. */
  url: string | null;
  /** Set when the network already had it (an earlier attempt landed before we could record it). */
  note?: string;
}

export type PostErrorKind =
  | { kind: "rate_limited"; resetAt: Date }
  | { kind: "duplicate" }
  | { kind: "auth" }
  | { kind: "transient" }
  | { kind: "rejected"; message: string };

export interface NetworkPublisher {
  readonly network: Network;
  post(text: string, image: PostImage, delivery: DeliveryRef, now: Date): Promise<Posted>;
  classify(err: unknown, now: Date): PostErrorKind;
  describe(err: unknown): string;
}

export const NETWORK_CODES =
  /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_)/;

/** fetch failures with no answer (refused, reset, DNS, our own time-out): the post may or may not have landed. */
export function isNetworkFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const name = (e as { name?: unknown }).name;
    if (typeof code === "string" && NETWORK_CODES.test(code)) return true;
    if (name === "TimeoutError" || name === "AbortError") return true;
    if (e instanceof TypeError && /fetch failed|terminated|other side closed/i.test(e.message)) return true;
  }
  return false;
}

/** A fetch that gives up after `ms` (a silent server must not stall the outbox). */
export function fetchWithTimeout(ms: number): typeof fetch {
  return (input, init) =>
    fetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms),
    });
}
