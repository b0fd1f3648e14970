// POST /2/tweets, DELETE /2/tweets/:id, GET /2/users/me.
import twitterText from "twitter-text";
import { duplicateContent, invalidRequest, notFound, ok, type Reply } from "./replies.js";
import { jsonBody, type RouteContext } from "./state.js";

const MAX_MEDIA = 4;

export function createTweet(ctx: RouteContext): Reply {
  const body = jsonBody(ctx);
  if (!body) return invalidRequest("body", null, "Request body must be a JSON object.");
  const { text, media } = body;

  if (text !== undefined && typeof text !== "string") return invalidRequest("text", text, "text must be a string.");
  const mediaIds = parseMediaIds(media);
  if (mediaIds instanceof Error) return invalidRequest("media.media_ids", media, mediaIds.message);
  for (const id of mediaIds) {
    if (!ctx.state.media.some((m) => m.id === id))
      return invalidRequest("media.media_ids", id, "Your media IDs are invalid.");
  }

  // X allows a media-only post; otherwise the text must be 1..280 weighted characters.
  if (!text && mediaIds.length === 0) return invalidRequest("text", text ?? null, "Post text or media is required.");
  if (text) {
    const parsed = twitterText.parseTweet(text);
    if (!parsed.valid) {
      return invalidRequest(
        "text",
        text,
        `Tweet text is invalid or too long (${parsed.weightedLength}/280 weighted characters).`,
      );
    }
    // Like X: the same text twice from one account (still standing) is refused.
    if (ctx.state.tweets.some((t) => !t.deleted && t.text === text)) return duplicateContent();
  }

  const id = ctx.state.nextId();
  ctx.state.tweets.push({ id, text: text ?? "", mediaIds, createdAt: new Date() });
  return ok({ data: { id, text: text ?? "", edit_history_tweet_ids: [id] } }, 201);
}

function parseMediaIds(media: unknown): string[] | Error {
  if (media === undefined) return [];
  if (!media || typeof media !== "object") return new Error("media must be an object.");
  const ids = (media as { media_ids?: unknown }).media_ids;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string" && /^\d{1,19}$/.test(id))) {
    return new Error("media.media_ids must be an array of numeric strings.");
  }
  if (ids.length < 1 || ids.length > MAX_MEDIA) return new Error(`media.media_ids must hold 1 to ${MAX_MEDIA} ids.`);
  return ids as string[];
}

export function deleteTweet(ctx: RouteContext): Reply {
  const id = ctx.params[0]!;
  const tweet = ctx.state.tweets.find((t) => t.id === id && !t.deleted);
  if (!tweet) return notFound(`Could not find tweet with id: [${id}].`);
  tweet.deleted = true;
  return ok({ data: { deleted: true } });
}

export function usersMe(ctx: RouteContext): Reply {
  return ok({ data: { ...ctx.state.user } });
}
