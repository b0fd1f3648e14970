// Posts to Bluesky with the official @atproto/api: one login per process (the session refreshes itself), the
// card as a blob (re-encoded as JPEG when over the 1,000,000-byte limit) with its alt text, hashtags and links
// as facets (RichText.detectFacets, byte offsets), and the post written under the delivery's record key. A
// retry after a crash writes the same key: "Record already exists" then means an earlier attempt landed.
//
// @atproto/api is loaded on first use, not at start: importing it takes seconds (its lexicons), and a bot
// without Bluesky should not pay that on every start.
import type { AtpAgent, XRPCError } from "@atproto/api";
import { reencodeUnder } from "../card/reencode.js";
import { fetchWithTimeout, isNetworkFailure, type NetworkPublisher, type PostErrorKind } from "./networks.js";

export const BLUESKY_MAX_BLOB = 1_000_000;
/** Bluesky's alt text has no documented limit; its app stops at 2,000 characters. */
const MAX_ALT = 2000;
const COLLECTION = "app.bsky.feed.post";
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_RATE_LIMIT_WAIT_MS = 15 * 60_000;

export interface BlueskyOptions {
  service: string;
  identifier: string;
  password: string;
  timeoutMs?: number;
}

/** https://bsky.app/profile/<did>/post/<rkey> for an at:// URI. */
export function blueskyPostUrl(uri: string): string | null {
  const m = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([^/]+)$/.exec(uri);
  return m ? `https://bsky.app/profile/${m[1]}/post/${m[2]}` : null;
}

/** An error of the XRPC client (XRPCError or one of its subclasses), told apart without loading the library. */
export function isXrpcError(err: unknown): err is XRPCError {
  for (let p = err ? Object.getPrototypeOf(err) : null; p; p = Object.getPrototypeOf(p))
    if (p.constructor?.name === "XRPCError") return true;
  return false;
}

export function createBlueskyPublisher(options: BlueskyOptions): NetworkPublisher {
  let agentOnce: Promise<AtpAgent> | null = null;
  const agentOf = () =>
    (agentOnce ??= import("@atproto/api").then(
      ({ AtpAgent }) =>
        new AtpAgent({ service: options.service, fetch: fetchWithTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) }),
    ));
  let login: Promise<unknown> | null = null;

  async function session(agent: AtpAgent): Promise<string> {
    if (!agent.session) {
      login ??= agent
        .login({ identifier: options.identifier, password: options.password })
        .finally(() => (login = null));
      await login;
    }
    return agent.session!.did;
  }

  return {
    network: "bluesky",
    async post(text, image, delivery, now) {
      if (!delivery.recordKey) throw new Error("a Bluesky delivery needs its record key before the first attempt");
      const agent = await agentOf();
      const { RichText } = await import("@atproto/api");
      const did = await session(agent);
      const uri = `at://${did}/${COLLECTION}/${delivery.recordKey}`;
      const card = await reencodeUnder(image.png, BLUESKY_MAX_BLOB);
      const { data } = await agent.uploadBlob(card.bytes, { encoding: card.mimeType });
      const rt = new RichText({ text });
      await rt.detectFacets(agent); // hashtags and links (templates carry no mentions: nothing to resolve)
      const record = {
        $type: COLLECTION,
        text: rt.text,
        ...(rt.facets?.length ? { facets: rt.facets } : {}),
        createdAt: now.toISOString(),
        embed: {
          $type: "app.bsky.embed.images",
          images: [
            {
              image: data.blob,
              alt: [...image.alt].slice(0, MAX_ALT).join(""),
              aspectRatio: { width: 1200, height: 675 },
            },
          ],
        },
      };
      try {
        const res = await agent.com.atproto.repo.createRecord({
          repo: did,
          collection: COLLECTION,
          rkey: delivery.recordKey,
          record,
        });
        return { id: res.data.uri, url: blueskyPostUrl(res.data.uri) };
      } catch (err) {
        if (!(isXrpcError(err) && err.status === 400 && /already exists/i.test(err.message))) throw err;
        // Our key is taken: by an earlier attempt of this delivery (the same text), or, in theory, by another post.
        const existing = await agent.com.atproto.repo.getRecord({
          repo: did,
          collection: COLLECTION,
          rkey: delivery.recordKey,
        });
        if ((existing.data.value as { text?: unknown }).text !== rt.text)
          throw new Error(`record key ${delivery.recordKey} holds another post`, { cause: err });
        return {
          id: uri,
          url: blueskyPostUrl(uri),
          note: "Bluesky already had this record key: an earlier attempt landed",
        };
      }
    },
    classify(err, now) {
      return classifyBlueskyError(err, now);
    },
    describe(err) {
      if (isXrpcError(err))
        return `Bluesky answered ${err.status}: ${err.error ?? ""}${err.message && err.message !== err.error ? ` ${err.message}` : ""}`.trim();
      return `Bluesky request failed: ${err instanceof Error ? err.message : String(err)}`;
    },
  };
}

export function classifyBlueskyError(err: unknown, now: Date): PostErrorKind {
  if (isXrpcError(err)) {
    if (err.status === 429) {
      const reset = Number(err.headers?.["ratelimit-reset"]);
      return {
        kind: "rate_limited",
        resetAt:
          Number.isFinite(reset) && reset > 0
            ? new Date(reset * 1000)
            : new Date(now.getTime() + DEFAULT_RATE_LIMIT_WAIT_MS),
      };
    }
    if (
      err.status === 401 ||
      ["AuthenticationRequired", "InvalidToken", "ExpiredToken", "AccountTakedown", "AccountDeactivated"].includes(
        err.error ?? "",
      )
    )
      return { kind: "auth" };
    if (err.status >= 500 || err.status < 100) return { kind: "transient" }; // < 100: no answer, or one that did not parse
    return { kind: "rejected", message: err.message };
  }
  if (isNetworkFailure(err)) return { kind: "transient" };
  return { kind: "rejected", message: err instanceof Error ? err.message : String(err) };
}
