// The X emulator driven by the real twitter-api-v2 through createXClient: the happy paths, each
// fault as the client really reports it, and classifyXError on each.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiRequestError, ApiResponseError } from "twitter-api-v2";
import { startXEmulator, type XEmulator } from "../src/sandbox/x/index.js";
import { classifyXError, createXClient, describeXError } from "../src/x/client.js";

// A 1x1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

let x: XEmulator;
let client: ReturnType<typeof createXClient>;

beforeAll(async () => {
  x = await startXEmulator();
  client = createXClient({ ...x.credentials, apiUrl: x.apiUrl });
});
afterAll(() => x.close());
beforeEach(() => x.reset());

/** Runs `fn`, expecting it to throw, and returns what it threw. */
async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("X emulator with the real twitter-api-v2", () => {
  it("posts a tweet, reads the account, deletes the tweet", async () => {
    const posted = await client.v2.tweet("We passed 50% of the goal!");
    expect(posted.data.text).toBe("We passed 50% of the goal!");
    expect(x.tweets).toMatchObject([{ id: posted.data.id, text: "We passed 50% of the goal!", mediaIds: [] }]);

    const me = await client.v2.me();
    expect(me.data.id).toBe(x.user.id);

    const deleted = await client.v2.deleteTweet(posted.data.id);
    expect(deleted.data.deleted).toBe(true);
    expect(x.tweets[0]!.deleted).toBe(true);
    expect(x.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["POST 201", "GET 200", "DELETE 200"]);
  });

  it("uploads a PNG in chunks, sets alt text and posts it", async () => {
    const mediaId = await client.v2.uploadMedia(PNG, { media_type: "image/png" }, 20);
    await client.v2.createMediaMetadata(mediaId, { alt_text: { text: "The goal bar at 100%" } });
    const posted = await client.v2.tweet("Goal reached!", { media: { media_ids: [mediaId] } });

    expect(x.media).toHaveLength(1);
    expect(x.media[0]!.bytes.equals(PNG)).toBe(true);
    expect(x.media[0]).toMatchObject({ id: mediaId, mediaType: "image/png", altText: "The goal bar at 100%" });
    expect(x.tweets[0]).toMatchObject({ id: posted.data.id, mediaIds: [mediaId] });
    // A signed query string (STATUS) passes the signature check too.
    const status = await client.v2.get("media/upload", { command: "STATUS", media_id: mediaId });
    expect(status.data.processing_info.state).toBe("succeeded");
    const appends = x.requests.filter((r) => r.path.endsWith("/append"));
    expect(appends.length).toBe(Math.ceil(PNG.length / 20));
  });

  it("refuses images over 5 MB, bytes that are not the declared type, and unknown media ids", async () => {
    const big = Buffer.concat([PNG.subarray(0, 8), Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await caught(() => client.v2.uploadMedia(big, { media_type: "image/png" }));
    expect((tooBig as ApiResponseError).code).toBe(400);

    const notJpeg = await caught(() => client.v2.uploadMedia(PNG, { media_type: "image/jpeg" }));
    expect((notJpeg as ApiResponseError).code).toBe(400);

    const unknown = await caught(() => client.v2.tweet("hi", { media: { media_ids: ["123"] } }));
    expect((unknown as ApiResponseError).code).toBe(400);
    expect(x.media).toHaveLength(0);
    expect(x.tweets).toHaveLength(0);
  });

  it("rejects a text over 280 weighted characters with 400", async () => {
    const err = await caught(() => client.v2.tweet("a".repeat(281)));
    expect(err).toBeInstanceOf(ApiResponseError);
    expect((err as ApiResponseError).code).toBe(400);
    expect(classifyXError(err)).toMatchObject({ kind: "rejected" });
    // 140 CJK characters weigh 280: accepted; one more is not.
    await client.v2.tweet("舞".repeat(140));
    expect(((await caught(() => client.v2.tweet("舞".repeat(141)))) as ApiResponseError).code).toBe(400);
  });

  it("answers 401 to wrong credentials (unknown key, or a bad signature)", async () => {
    const wrongKey = createXClient({ ...x.credentials, appKey: "nope", apiUrl: x.apiUrl });
    const wrongSecret = createXClient({ ...x.credentials, appSecret: "nope", apiUrl: x.apiUrl });
    for (const c of [wrongKey, wrongSecret]) {
      const err = await caught(() => c.v2.tweet("hello"));
      expect((err as ApiResponseError).code).toBe(401);
      expect((err as ApiResponseError).rateLimit?.limit).toBe(100); // rate headers on every answer
      expect(classifyXError(err)).toEqual({ kind: "auth" });
    }
    expect(x.tweets).toHaveLength(0);
  });

  it("refuses the same text twice as X does: 403 duplicate content", async () => {
    await client.v2.tweet("Doors open at 8");
    const err = await caught(() => client.v2.tweet("Doors open at 8"));
    expect((err as ApiResponseError).code).toBe(403);
    expect((err as ApiResponseError).data.detail).toContain("duplicate content");
    expect(classifyXError(err)).toEqual({ kind: "duplicate" });
  });
});

describe("faults of POST /2/tweets", () => {
  it("429 carries the rate limit and its reset", async () => {
    x.fail({ status: 429, resetInSeconds: 120 });
    const err = await caught(() => client.v2.tweet("one"));
    expect(err).toBeInstanceOf(ApiResponseError);
    const res = err as ApiResponseError;
    expect(res.rateLimitError).toBe(true);
    expect(res.rateLimit?.remaining).toBe(0);
    const reset = res.rateLimit!.reset;
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(classifyXError(err)).toEqual({ kind: "rate_limited", resetAt: new Date(reset * 1000) });
    // The fault was for one call only.
    await client.v2.tweet("one");
    expect(x.tweets).toHaveLength(1);
  });

  it("503 is transient; faults queue up for the next calls", async () => {
    x.fail({ status: 503 }, 2);
    for (let i = 0; i < 2; i++) {
      const err = await caught(() => client.v2.tweet("two"));
      expect((err as ApiResponseError).code).toBe(503);
      expect(classifyXError(err)).toEqual({ kind: "transient" });
    }
    await client.v2.tweet("two");
    expect(x.requests.map((r) => r.status)).toEqual([503, 503, 201]);
  });

  it("a hanging server ends in a timeout error", async () => {
    const impatient = createXClient({ ...x.credentials, apiUrl: x.apiUrl, timeoutMs: 200 });
    x.fail({ hang: true });
    const err = await caught(() => impatient.v2.tweet("three"));
    expect(err).toBeInstanceOf(ApiRequestError);
    expect(describeXError(err)).toMatch(/timeout/i);
    expect(x.requests.at(-1)).toMatchObject({ method: "POST", path: "/2/tweets", status: 0 });
    expect(classifyXError(err)).toEqual({ kind: "transient" });
  });

  it("forced duplicate, 401 and plain 403", async () => {
    x.fail({ duplicate: true });
    x.fail({ status: 401 });
    x.fail({ status: 403 });
    const dup = (await caught(() => client.v2.tweet("four"))) as ApiResponseError;
    expect(dup.code).toBe(403);
    expect(dup.data.detail).toContain("duplicate content");
    expect(classifyXError(dup)).toEqual({ kind: "duplicate" });
    expect(describeXError(dup)).toBe("X answered 403: You are not allowed to create a Tweet with duplicate content.");
    const unauthorized = await caught(() => client.v2.tweet("four"));
    expect((unauthorized as ApiResponseError).code).toBe(401);
    expect(classifyXError(unauthorized)).toEqual({ kind: "auth" });
    const forbidden = await caught(() => client.v2.tweet("four"));
    expect((forbidden as ApiResponseError).code).toBe(403);
    expect(classifyXError(forbidden)).toEqual({ kind: "auth" });
    expect(x.tweets).toHaveLength(0);
  });

  it("acceptThenDrop: the client sees a transient error, X has the tweet, the retry meets duplicate", async () => {
    x.fail({ acceptThenDrop: true });
    const err = await caught(() => client.v2.tweet("Lineup announced"));
    expect(classifyXError(err)).toEqual({ kind: "transient" });
    expect(x.tweets).toMatchObject([{ text: "Lineup announced" }]);

    const retry = await caught(() => client.v2.tweet("Lineup announced"));
    expect(classifyXError(retry)).toEqual({ kind: "duplicate" });
    expect(x.tweets).toHaveLength(1);
  });
});

describe("classifyXError on errors that do not come from a response", () => {
  it("network codes are transient, anything else is rejected", () => {
    expect(classifyXError(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toEqual({ kind: "transient" });
    expect(classifyXError(new TypeError("boom"))).toEqual({ kind: "rejected", message: "boom" });
  });
});
