// What a PDS checks in an app.bsky.feed.post record (the lexicon: text at most 300 graphemes and 3,000
// bytes, facets, an images embed with blobs this account uploaded, at most 1,000,000 bytes each), plus what
// the AppView needs to show the post (a TID record key; facets that point at what they claim, by UTF-8 byte
// offsets). Returns the reason for refusal in the PDS's words, or null.
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import type { BlueskyBlob } from "./types.js";

export const MAX_GRAPHEMES = 300;
export const MAX_TEXT_BYTES = 3000;
export const MAX_BLOB_BYTES = 1_000_000;
export const MAX_IMAGES = 4;
const DAG_CBOR = 0x71;

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
export const graphemes = (text: string): number => [...segmenter.segment(text)].length;

/** A blob's CID as a PDS computes it: CIDv1, raw codec, sha-256 of the bytes. */
export async function blobCid(bytes: Uint8Array): Promise<string> {
  return CID.create(1, raw.code, await sha256.digest(bytes)).toString();
}

/** A record's CID: CIDv1 with the dag-cbor codec (hashed over the record's JSON here, not its CBOR: the client only checks the form). */
export async function recordCid(value: unknown): Promise<string> {
  return CID.create(1, DAG_CBOR, await sha256.digest(new TextEncoder().encode(JSON.stringify(value)))).toString();
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

export function checkPost(record: Record<string, unknown>, blobs: BlueskyBlob[]): string | null {
  const { text, createdAt, facets, embed, langs } = record;
  if (record.$type !== "app.bsky.feed.post") return "Invalid $type: must be app.bsky.feed.post";
  if (typeof text !== "string") return "Record/text must be a string";
  if (Buffer.byteLength(text) > MAX_TEXT_BYTES)
    return `Record/text must not be longer than ${MAX_TEXT_BYTES} characters`;
  if (graphemes(text) > MAX_GRAPHEMES) return `Record/text must not be longer than ${MAX_GRAPHEMES} graphemes`;
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt)) || !/^\d{4}-\d\d-\d\dT/.test(createdAt)) {
    return "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)";
  }
  if (langs !== undefined && (!Array.isArray(langs) || langs.length > 3))
    return "Record/langs must be an array of at most 3 languages";
  if (facets !== undefined) {
    if (!Array.isArray(facets)) return "Record/facets must be an array";
    const bytes = Buffer.from(text);
    for (const [i, facet] of facets.entries()) {
      const problem = checkFacet(facet, bytes);
      if (problem) return `Record/facets/${i} ${problem}`;
    }
  }
  if (embed !== undefined) return checkImages(embed, blobs);
  return null;
}

function checkFacet(facet: unknown, text: Buffer): string | null {
  if (!isObject(facet) || !isObject(facet.index) || !Array.isArray(facet.features) || facet.features.length === 0) {
    return "must have index and features";
  }
  const { byteStart, byteEnd } = facet.index;
  if (
    !Number.isInteger(byteStart) ||
    !Number.isInteger(byteEnd) ||
    (byteStart as number) < 0 ||
    (byteEnd as number) <= (byteStart as number)
  ) {
    return "index must be whole byteStart < byteEnd";
  }
  if ((byteEnd as number) > text.length)
    return `index ends at byte ${String(byteEnd)}, past the text's ${text.length} bytes`;
  const covered = text.subarray(byteStart as number, byteEnd as number).toString("utf8");
  if (covered.includes("\uFFFD")) return "index splits a UTF-8 character (offsets are in bytes, not characters)";
  for (const feature of facet.features) {
    if (!isObject(feature)) return "features must be objects";
    if (feature.$type === "app.bsky.richtext.facet#tag") {
      if (typeof feature.tag !== "string" || covered !== `#${feature.tag}`)
        return `covers "${covered}", not the hashtag #${String(feature.tag)}`;
    } else if (feature.$type === "app.bsky.richtext.facet#link") {
      if (typeof feature.uri !== "string" || !URL.canParse(feature.uri)) return "link uri must be a URI";
      if (!feature.uri.includes(covered.replace(/^https?:\/\//, "").replace(/\.\.\.$/, "")))
        return `covers "${covered}", not the link ${feature.uri}`;
    } else if (feature.$type === "app.bsky.richtext.facet#mention") {
      if (typeof feature.did !== "string" || !feature.did.startsWith("did:")) return "mention did must be a DID";
    } else {
      return `unknown feature ${String(feature.$type)}`;
    }
  }
  return null;
}

function checkImages(embed: unknown, blobs: BlueskyBlob[]): string | null {
  if (!isObject(embed) || embed.$type !== "app.bsky.embed.images")
    return "Record/embed: only app.bsky.embed.images is served here";
  const images = embed.images;
  if (!Array.isArray(images) || images.length < 1 || images.length > MAX_IMAGES)
    return `Record/embed/images must hold 1 to ${MAX_IMAGES} images`;
  for (const [i, image] of images.entries()) {
    if (!isObject(image)) return `Record/embed/images/${i} must be an object`;
    if (typeof image.alt !== "string") return `Record/embed/images/${i} must have the property "alt"`;
    const ref = image.image;
    if (
      !isObject(ref) ||
      ref.$type !== "blob" ||
      !isObject(ref.ref) ||
      typeof ref.ref.$link !== "string" ||
      typeof ref.mimeType !== "string" ||
      typeof ref.size !== "number"
    ) {
      return `Record/embed/images/${i}/image should be a blob ref`;
    }
    const link = ref.ref.$link;
    const blob = blobs.find((b) => b.cid === link);
    if (!blob) return `Could not find blob: ${link}`;
    if (!blob.mimeType.startsWith("image/")) return `Wrong type of blob. Expected image/*, got ${blob.mimeType}`;
    if (blob.bytes.length > MAX_BLOB_BYTES)
      return `This file is too large. It is ${blob.bytes.length} bytes but the maximum size is ${MAX_BLOB_BYTES} bytes.`;
    if (ref.size !== blob.bytes.length || ref.mimeType !== blob.mimeType)
      return `Record/embed/images/${i}/image does not match the uploaded blob`;
  }
  return null;
}
