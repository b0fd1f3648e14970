// Each network's length rule for the same post text: X counts 280 weighted characters (twitter-text: emoji and
// CJK 2, a URL 23), Bluesky 300 graphemes (a URL at its full length), Mastodon the instance's max_characters in
// graphemes with a URL as 23. Templates are checked against every configured destination when added.
import twitterText from "twitter-text";
import { graphemeLength } from "./graphemes.js";

/** X's limit in weighted characters (postText.ts re-exports it with X's other rules). */
export const MAX_TWEET_WEIGHT = 280;

export const NETWORKS = ["x", "bluesky", "mastodon"] as const;
export type Network = (typeof NETWORKS)[number];
export const NETWORK_NAMES: Record<Network, string> = { x: "X", bluesky: "Bluesky", mastodon: "Mastodon" };

export const BLUESKY_MAX_GRAPHEMES = 300;
export const BLUESKY_MAX_BYTES = 3000;
const MASTODON_URL_WEIGHT = 23;
const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;

/** The limits of the destinations besides X that are configured (X's rule always applies: dry runs are X's). */
export interface TextLimits {
  bluesky?: number;
  mastodon?: number;
}

export function lengthOn(network: Network, text: string): number {
  if (network === "x") return twitterText.parseTweet(text).weightedLength;
  if (network === "bluesky") return graphemeLength(text);
  return graphemeLength(text.replace(URL_PATTERN, "x".repeat(MASTODON_URL_WEIGHT)));
}

export function unitOf(network: Network): string {
  return network === "x" ? "weighted characters" : network === "bluesky" ? "graphemes" : "characters";
}

export function maxOn(network: Network, limits: TextLimits): number {
  return network === "x"
    ? MAX_TWEET_WEIGHT
    : network === "bluesky"
      ? (limits.bluesky ?? BLUESKY_MAX_GRAPHEMES)
      : (limits.mastodon ?? 500);
}

/** Why a text is too long for one of the configured destinations besides X, or null. */
export function lengthProblem(
  text: string,
  limits: TextLimits,
): { network: Network; length: number; max: number; message: string } | null {
  for (const network of ["bluesky", "mastodon"] as const) {
    if (limits[network] === undefined) continue;
    const length = lengthOn(network, text);
    const max = maxOn(network, limits);
    if (length > max || (network === "bluesky" && Buffer.byteLength(text) > BLUESKY_MAX_BYTES)) {
      return { network, length, max, message: `${length} ${unitOf(network)}; ${NETWORK_NAMES[network]} allows ${max}` };
    }
  }
  return null;
}
