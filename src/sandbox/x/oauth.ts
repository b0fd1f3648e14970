// OAuth 1.0a (HMAC-SHA1) verification, as X does it for user-context requests.
// The signature covers method, base URL, query parameters, oauth_* parameters and, only for
// form-urlencoded bodies, the body parameters (JSON and multipart bodies are not signed).
import { createHmac, timingSafeEqual } from "node:crypto";
import type { XCredentials } from "./types.js";

const REQUIRED = ["oauth_consumer_key", "oauth_token", "oauth_signature", "oauth_nonce", "oauth_timestamp"];

// RFC 3986 encoding, the one OAuth 1.0a wants (encodeURIComponent leaves !*'() alone).
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!*'()]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Parses `OAuth k="v", k2="v2"` into decoded pairs; null when it is not an OAuth header. */
export function parseOAuthHeader(header: string | undefined): Map<string, string> | null {
  if (!header || !/^OAuth\s/i.test(header)) return null;
  const params = new Map<string, string>();
  for (const match of header.slice(6).matchAll(/([A-Za-z0-9_%.-]+)="([^"]*)"/g)) {
    try {
      params.set(decodeURIComponent(match[1]!), decodeURIComponent(match[2]!));
    } catch {
      return null;
    }
  }
  return params;
}

export interface SignedRequest {
  method: string;
  /** Scheme, host and path as the client addressed them, without the query. */
  baseUrl: string;
  query: URLSearchParams;
  /** Parameters of a form-urlencoded body; empty for JSON and multipart. */
  formBody: URLSearchParams;
}

export function signatureOf(
  req: SignedRequest,
  oauth: Map<string, string>,
  consumerSecret: string,
  tokenSecret: string,
): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of oauth) if (k !== "oauth_signature") pairs.push([percentEncode(k), percentEncode(v)]);
  for (const [k, v] of req.query) pairs.push([percentEncode(k), percentEncode(v)]);
  for (const [k, v] of req.formBody) pairs.push([percentEncode(k), percentEncode(v)]);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const paramString = pairs.map(([k, v]) => `${k}=${v}`).join("&");
  const base = [req.method.toUpperCase(), percentEncode(req.baseUrl), percentEncode(paramString)].join("&");
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac("sha1", key).update(base).digest("base64");
}

/**
 * Returns null when the request is properly signed with `creds`, or a short reason otherwise.
 * `seenNonces` makes a replayed request fail, as on X.
 */
export function verifyOAuth(
  header: string | undefined,
  req: SignedRequest,
  creds: XCredentials,
  seenNonces: Set<string>,
): string | null {
  const oauth = parseOAuthHeader(header);
  if (!oauth) return "missing OAuth Authorization header";
  const missing = REQUIRED.filter((k) => !oauth.get(k));
  if (missing.length) return `missing ${missing.join(", ")}`;
  if ((oauth.get("oauth_signature_method") ?? "HMAC-SHA1") !== "HMAC-SHA1") return "unsupported signature method";
  if (oauth.get("oauth_consumer_key") !== creds.appKey) return "unknown consumer key";
  if (oauth.get("oauth_token") !== creds.accessToken) return "unknown access token";
  const expected = Buffer.from(signatureOf(req, oauth, creds.appSecret, creds.accessSecret));
  const given = Buffer.from(oauth.get("oauth_signature")!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return "bad signature";
  const nonce = oauth.get("oauth_nonce")!;
  if (seenNonces.has(nonce)) return "replayed nonce";
  seenNonces.add(nonce);
  return null;
}
