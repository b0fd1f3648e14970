// The publishers of the configured destinations, made once per process (so Bluesky logs in once and Mastodon's
// instance limit is read once): X through twitter-api-v2 (the card through the v2 media upload with its alt text,
// then the post), Bluesky through @atproto/api, Mastodon through masto. Errors are left to the outbox, which asks
// the publisher what they mean (classify) and decides what to do.
import type { Config } from "../config.js";
import { createBlueskyPublisher } from "./bluesky.js";
import { classifyXError, createXClient, describeXError } from "./client.js";
import { createMastodonPublisher, MASTODON_DEFAULT_MAX_CHARACTERS } from "./mastodon.js";
import type { TextLimits } from "../services/networkText.js";
import { BLUESKY_MAX_GRAPHEMES } from "../services/networkText.js";
import type { Network, NetworkPublisher, PostImage } from "./networks.js";

export type { PostImage };

/** Alt text is at most 1,000 characters on X. */
const MAX_ALT = 1000;

type PublisherConfig = Pick<Config, "twitter" | "TWITTER_API_URL" | "bluesky" | "mastodon">;

/** The X publisher, or null without credentials. */
export function createXPublisher(
  config: Pick<Config, "twitter" | "TWITTER_API_URL">,
  timeoutMs?: number,
): NetworkPublisher | null {
  if (!config.twitter) return null;
  const client = createXClient({ ...config.twitter, apiUrl: config.TWITTER_API_URL, timeoutMs });
  return {
    network: "x",
    async post(text, image) {
      const mediaId = await client.v2.uploadMedia(image.png, { media_type: "image/png" });
      await client.v2.createMediaMetadata(mediaId, { alt_text: { text: [...image.alt].slice(0, MAX_ALT).join("") } });
      const result = await client.v2.tweet({ text, media: { media_ids: [mediaId] } });
      return { id: result.data.id, url: `https://x.com/i/web/status/${result.data.id}` };
    },
    classify: (err) => classifyXError(err),
    describe: describeXError,
  };
}

export interface Publishers {
  /** Publishers by network, for the destinations that are configured. */
  readonly byNetwork: Partial<Record<Network, NetworkPublisher>>;
  /** Where posts go: X (dry runs without its credentials), then Bluesky and Mastodon when configured. */
  readonly destinations: Network[];
  /** Length limits of Bluesky and Mastodon when configured (Mastodon's read from the instance, 500 if it cannot be read). */
  textLimits(): Promise<TextLimits>;
}

export function createPublishers(config: PublisherConfig, timeoutMs?: number): Publishers {
  const x = createXPublisher(config, timeoutMs);
  const bluesky = config.bluesky ? createBlueskyPublisher({ ...config.bluesky, timeoutMs }) : null;
  const mastodon = config.mastodon ? createMastodonPublisher({ ...config.mastodon, timeoutMs }) : null;
  const byNetwork: Partial<Record<Network, NetworkPublisher>> = {};
  if (x) byNetwork.x = x;
  if (bluesky) byNetwork.bluesky = bluesky;
  if (mastodon) byNetwork.mastodon = mastodon;
  const destinations = (["x", "bluesky", "mastodon"] as const).filter((n) => byNetwork[n]);
  return {
    byNetwork,
    destinations: ["x", ...destinations.filter((n) => n !== "x")],
    async textLimits() {
      const limits: TextLimits = {};
      if (bluesky) limits.bluesky = BLUESKY_MAX_GRAPHEMES;
      if (mastodon) limits.mastodon = await mastodon.maxCharacters().catch(() => MASTODON_DEFAULT_MAX_CHARACTERS);
      return limits;
    },
  };
}
