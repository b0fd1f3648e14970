// The v2 chunked media upload as twitter-api-v2 1.29 `v2.uploadMedia` calls it:
//   POST /2/media/upload/initialize      JSON { media_type, total_bytes, media_category }
//   POST /2/media/upload/:id/append      multipart: segment_index, media (binary)
//   POST /2/media/upload/:id/finalize    no meaningful body
//   GET  /2/media/upload?command=STATUS&media_id=  only after a FINALIZE with processing_info
// and `v2.createMediaMetadata`: POST /2/media/metadata JSON { id, metadata: { alt_text: { text } } }.
import { boundaryOf, parseMultipart } from "./multipart.js";
import { invalidRequest, notFound, ok, type Reply } from "./replies.js";
import { jsonBody, type PendingUpload, type RouteContext } from "./state.js";

const MB = 1024 * 1024;
const EXPIRES_AFTER_SECS = 86_400;
const MAX_ALT_TEXT = 1000;

// Size limits from X's media documentation: images 5 MB, GIFs 15 MB, videos 512 MB.
function maxBytes(mediaType: string): number | undefined {
  if (mediaType === "image/gif") return 15 * MB;
  if (/^image\/(jpeg|pjpeg|png|webp|bmp|tiff)$/.test(mediaType)) return 5 * MB;
  if (/^video\/(mp4|quicktime|webm)$/.test(mediaType)) return 512 * MB;
  return undefined;
}

// The first bytes of each image format: a PNG labelled image/jpeg is refused, as X would fail to decode it.
const MAGIC: Record<string, (b: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => b.subarray(0, 4).toString("latin1") === "GIF8",
  "image/webp": (b) =>
    b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

function mediaKey(id: string, mediaType: string): string {
  const prefix = mediaType === "image/gif" ? "16" : mediaType.startsWith("video/") ? "7" : "3";
  return `${prefix}_${id}`;
}

export function initUpload(ctx: RouteContext): Reply {
  const body = jsonBody(ctx);
  if (!body) return invalidRequest("body", null, "Request body must be a JSON object.");
  const { media_type: mediaType, total_bytes: totalBytes } = body;
  if (typeof mediaType !== "string") return invalidRequest("media_type", mediaType ?? null, "media_type is required.");
  const limit = maxBytes(mediaType);
  if (limit === undefined) return invalidRequest("media_type", mediaType, `Unsupported media_type ${mediaType}.`);
  if (typeof totalBytes !== "number" || !Number.isInteger(totalBytes) || totalBytes <= 0) {
    return invalidRequest("total_bytes", totalBytes ?? null, "total_bytes must be a positive integer.");
  }
  if (totalBytes > limit) {
    return invalidRequest("total_bytes", totalBytes, `Media of type ${mediaType} must be at most ${limit} bytes.`);
  }
  const id = ctx.state.nextId();
  ctx.state.uploads.set(id, { id, mediaType, totalBytes, segments: new Map(), received: 0 });
  return ok({ data: { id, media_key: mediaKey(id, mediaType), expires_after_secs: EXPIRES_AFTER_SECS } });
}

function pending(ctx: RouteContext): PendingUpload | Reply {
  const upload = ctx.state.uploads.get(ctx.params[0]!);
  return upload ?? invalidRequest("media_id", ctx.params[0], "No upload in progress for this media id.");
}

export function appendUpload(ctx: RouteContext): Reply {
  const upload = pending(ctx);
  if (!("segments" in upload)) return upload;
  const boundary = boundaryOf(ctx.contentType);
  const form = boundary ? parseMultipart(ctx.body, boundary) : null;
  if (!form) return invalidRequest("body", null, "APPEND takes a multipart/form-data body.");
  const index = Number(form.get("segment_index")?.value.toString());
  const media = form.get("media")?.value;
  if (!Number.isInteger(index) || index < 0 || index > 999) {
    return invalidRequest(
      "segment_index",
      form.get("segment_index")?.value.toString() ?? null,
      "segment_index must be 0..999.",
    );
  }
  if (!media?.length) return invalidRequest("media", null, "media is required.");
  const received = upload.received - (upload.segments.get(index)?.length ?? 0) + media.length;
  if (received > upload.totalBytes) {
    return invalidRequest("media", null, `Uploaded bytes exceed the declared total_bytes (${upload.totalBytes}).`);
  }
  upload.segments.set(index, Buffer.from(media));
  upload.received = received;
  return ok({ data: { expires_at: Math.floor(Date.now() / 1000) + EXPIRES_AFTER_SECS } });
}

export function finalizeUpload(ctx: RouteContext): Reply {
  const upload = pending(ctx);
  if (!("segments" in upload)) return upload;
  const indexes = [...upload.segments.keys()].sort((a, b) => a - b);
  if (indexes.some((value, i) => value !== i)) return invalidRequest("media_id", upload.id, "Segments are missing.");
  const bytes = Buffer.concat(indexes.map((i) => upload.segments.get(i)!));
  if (bytes.length !== upload.totalBytes) {
    return invalidRequest(
      "media_id",
      upload.id,
      `Received ${bytes.length} bytes, expected total_bytes ${upload.totalBytes}.`,
    );
  }
  const check = MAGIC[upload.mediaType];
  if (check && !check(bytes))
    return invalidRequest("media", upload.mediaType, "Media content does not match media_type.");

  ctx.state.uploads.delete(upload.id);
  ctx.state.media.push({ id: upload.id, mediaType: upload.mediaType, bytes });
  return ok({
    data: {
      id: upload.id,
      media_key: mediaKey(upload.id, upload.mediaType),
      size: bytes.length,
      expires_after_secs: EXPIRES_AFTER_SECS,
    },
  });
}

export function uploadStatus(ctx: RouteContext): Reply {
  if (ctx.query.get("command") !== "STATUS")
    return invalidRequest("command", ctx.query.get("command"), "command must be STATUS.");
  const id = ctx.query.get("media_id") ?? "";
  const media = ctx.state.media.find((m) => m.id === id);
  if (!media) return notFound(`Could not find media with id: [${id}].`);
  return ok({
    data: {
      id,
      media_key: mediaKey(id, media.mediaType),
      size: media.bytes.length,
      expires_after_secs: EXPIRES_AFTER_SECS,
      processing_info: { state: "succeeded", progress_percent: 100 },
    },
  });
}

export function createMetadata(ctx: RouteContext): Reply {
  const body = jsonBody(ctx);
  if (!body) return invalidRequest("body", null, "Request body must be a JSON object.");
  const id = body.id;
  const alt = (body.metadata as { alt_text?: { text?: unknown } } | undefined)?.alt_text?.text;
  if (typeof id !== "string") return invalidRequest("id", id ?? null, "id is required.");
  if (typeof alt !== "string" || alt.length < 1 || [...alt].length > MAX_ALT_TEXT) {
    return invalidRequest("metadata.alt_text.text", alt ?? null, `Alt text must be 1..${MAX_ALT_TEXT} characters.`);
  }
  const media = ctx.state.media.find((m) => m.id === id);
  if (!media) return invalidRequest("id", id, "Your media ID is invalid.");
  media.altText = alt;
  return ok({ data: { id, associated_metadata: { alt_text: { text: alt } } } });
}
