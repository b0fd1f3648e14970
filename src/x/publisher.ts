// Posts to X: the card through the v2 media upload with its alt text, then the post. Errors are left to
// the outbox, which classifies them (classifyXError) and decides what to do.
import type { Config } from "../config.js";
import { createXClient } from "./client.js";

export interface PostImage {
  png: Buffer;
  alt: string;
}

export interface Publisher {
  /** Posts text with the image; resolves with the post's id once X accepted it. */
  post(text: string, image: PostImage): Promise<{ id: string }>;
}

/** Alt text is at most 1,000 characters on X. */
const MAX_ALT = 1000;

/** The X publisher, or null without credentials: then every post is a dry run. */
export function createPublisher(
  config: Pick<Config, "twitter" | "TWITTER_API_URL">,
  timeoutMs?: number,
): Publisher | null {
  if (!config.twitter) return null;
  const client = createXClient({ ...config.twitter, apiUrl: config.TWITTER_API_URL, timeoutMs });
  return {
    async post(text, image) {
      const mediaId = await client.v2.uploadMedia(image.png, { media_type: "image/png" });
      await client.v2.createMediaMetadata(mediaId, { alt_text: { text: [...image.alt].slice(0, MAX_ALT).join("") } });
      const result = await client.v2.tweet({ text, media: { media_ids: [mediaId] } });
      return { id: result.data.id };
    },
  };
}
