// The Bluesky emulator driven by the real @atproto/api (AtpAgent) and by our publisher: sessions, blobs with
// real CIDs, record-key conflicts, the grapheme limit, facets checked by byte offsets, each fault as the client
// reports it and classifyBlueskyError on each.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AtpAgent, RichText, XRPCError } from "@atproto/api";
import { CID } from "multiformats/cid";
import { startBlueskyEmulator, type BlueskyEmulator } from "../src/sandbox/bluesky/index.js";
import { classifyBlueskyError, createBlueskyPublisher } from "../src/x/bluesky.js";
import { isTid, tidFor } from "../src/x/tid.js";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

let bsky: BlueskyEmulator;
let agent: AtpAgent;
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

beforeAll(async () => {
  bsky = await startBlueskyEmulator();
});
afterAll(() => bsky.close());
beforeEach(async () => {
  bsky.reset();
  agent = new AtpAgent({ service: bsky.serviceUrl });
  await agent.login({ identifier: bsky.account.handle, password: bsky.account.password });
});

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

const post = (text: string, extra: Record<string, unknown> = {}) => ({
  $type: "app.bsky.feed.post",
  text,
  createdAt: new Date(0).toISOString(),
  ...extra,
});

describe("Bluesky emulator with the real @atproto/api", () => {
  it("logs in, uploads a blob with a real CID, and posts it under a TID record key", async () => {
    const { data } = await agent.uploadBlob(PNG, { encoding: "image/png" });
    expect(CID.parse(data.blob.ref.toString()).code).toBe(0x55); // raw, as a PDS makes blob CIDs
    expect(data.blob.size).toBe(PNG.length);
    const rkey = tidFor(at(0));
    expect(isTid(rkey)).toBe(true);
    const res = await agent.com.atproto.repo.createRecord({
      repo: agent.session!.did,
      collection: "app.bsky.feed.post",
      rkey,
      record: post("Goal reached!", {
        embed: { $type: "app.bsky.embed.images", images: [{ image: data.blob, alt: "The goal bar at 100%" }] },
      }),
    });
    expect(res.data.uri).toBe(`at://${bsky.account.did}/app.bsky.feed.post/${rkey}`);
    expect(CID.parse(res.data.cid).version).toBe(1);
    expect(bsky.records).toHaveLength(1);
    expect(bsky.records[0]!.value).toMatchObject({
      text: "Goal reached!",
      embed: { images: [{ alt: "The goal bar at 100%" }] },
    });
  });

  it("refuses a second create with the same record key, and a wrong password", async () => {
    const rkey = tidFor(at(1));
    const write = () =>
      agent.com.atproto.repo.createRecord({
        repo: agent.session!.did,
        collection: "app.bsky.feed.post",
        rkey,
        record: post("once"),
      });
    await write();
    const again = await caught(write);
    expect(again).toBeInstanceOf(XRPCError);
    expect((again as XRPCError).message).toBe("Record already exists");
    expect(bsky.records).toHaveLength(1);

    const wrong = await caught(() =>
      new AtpAgent({ service: bsky.serviceUrl }).login({
        identifier: bsky.account.handle,
        password: "aaaa-bbbb-cccc-dddd",
      }),
    );
    expect((wrong as XRPCError).status).toBe(401);
    expect(classifyBlueskyError(wrong, at(0)).kind).toBe("auth");
  });

  it("counts graphemes, not code units: 300 accented letters (600 code units) pass, 301 letters do not", async () => {
    const accented = "e\u0301"; // one grapheme, two code points
    await agent.com.atproto.repo.createRecord({
      repo: agent.session!.did,
      collection: "app.bsky.feed.post",
      rkey: tidFor(at(2)),
      record: post(accented.repeat(300)),
    });
    const long = await caught(() =>
      agent.com.atproto.repo.createRecord({
        repo: agent.session!.did,
        collection: "app.bsky.feed.post",
        rkey: tidFor(at(3)),
        record: post("a".repeat(301)),
      }),
    );
    expect((long as XRPCError).status).toBe(400);
    expect((long as XRPCError).message).toMatch(/300 graphemes/);
  });

  it("takes facets from RichText.detectFacets (byte offsets over emoji) and refuses ones counted in characters", async () => {
    const text = "🎉💃 We passed $10,000! #KeepDancing";
    const rt = new RichText({ text });
    await rt.detectFacets(agent);
    const tag = rt.facets![0]!;
    expect(Buffer.from(text).subarray(tag.index.byteStart, tag.index.byteEnd).toString()).toBe("#KeepDancing");
    await agent.com.atproto.repo.createRecord({
      repo: agent.session!.did,
      collection: "app.bsky.feed.post",
      rkey: tidFor(at(4)),
      record: post(rt.text, { facets: rt.facets }),
    });

    const start = text.indexOf("#"); // UTF-16 offsets: wrong once emoji precede the tag
    const wrong = [
      {
        index: { byteStart: start, byteEnd: start + 12 },
        features: [{ $type: "app.bsky.richtext.facet#tag", tag: "KeepDancing" }],
      },
    ];
    const err = await caught(() =>
      agent.com.atproto.repo.createRecord({
        repo: agent.session!.did,
        collection: "app.bsky.feed.post",
        rkey: tidFor(at(5)),
        record: post(text, { facets: wrong }),
      }),
    );
    expect((err as XRPCError).message).toMatch(/facets\/0/);
    expect(bsky.records).toHaveLength(1);
  });

  it("refuses blobs over 1,000,000 bytes and a post whose blob was never uploaded", async () => {
    const big = Buffer.concat([PNG.subarray(0, 8), Buffer.alloc(1_000_001 - 8)]);
    const err = await caught(() => agent.uploadBlob(big, { encoding: "image/png" }));
    expect((err as XRPCError).error).toBe("BlobTooLarge");
    const forged = {
      $type: "blob",
      ref: { $link: "bafkreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe" },
      mimeType: "image/png",
      size: 3,
    };
    const missing = await caught(() =>
      agent.com.atproto.repo.createRecord({
        repo: agent.session!.did,
        collection: "app.bsky.feed.post",
        rkey: tidFor(at(6)),
        record: post("x", { embed: { $type: "app.bsky.embed.images", images: [{ image: forged, alt: "" }] } }),
      }),
    );
    expect((missing as XRPCError).message).toMatch(/Could not find blob/);
  });

  it("reports 429 with its reset, 5xx, and a refused session the way the outbox acts on them", async () => {
    const record = () =>
      agent.com.atproto.repo.createRecord({
        repo: agent.session!.did,
        collection: "app.bsky.feed.post",
        rkey: tidFor(at(7)),
        record: post("x"),
      });
    bsky.fail({ status: 429, resetInSeconds: 3600 });
    const limited = classifyBlueskyError(await caught(record), at(0));
    expect(limited.kind).toBe("rate_limited");
    expect(limited.kind === "rate_limited" && limited.resetAt.getTime() - Date.now()).toBeGreaterThan(3500_000);
    bsky.fail({ status: 502 });
    expect(classifyBlueskyError(await caught(record), at(0)).kind).toBe("transient");
    bsky.fail({ status: 401 });
    expect(classifyBlueskyError(await caught(record), at(0)).kind).toBe("auth");
  });
});

describe("the Bluesky publisher", () => {
  const publisherFor = (timeoutMs?: number) =>
    createBlueskyPublisher({
      service: bsky.serviceUrl,
      identifier: bsky.account.handle,
      password: bsky.account.password,
      timeoutMs,
    });

  it("posts text, facets and the card with alt text; the same record key again is the same post", async () => {
    const publisher = publisherFor();
    const delivery = { id: 1, dedupeKey: "milestone:1", recordKey: tidFor(at(8)), firstAttemptAt: null };
    const first = await publisher.post(
      "💃 We passed 50%! #KeepDancing",
      { png: PNG, alt: "A progress bar at 50%" },
      delivery,
      at(0),
    );
    expect(first.url).toMatch(/^https:\/\/bsky\.app\/profile\/did:plc:/);
    const again = await publisher.post(
      "💃 We passed 50%! #KeepDancing",
      { png: PNG, alt: "A progress bar at 50%" },
      { ...delivery, firstAttemptAt: at(0) },
      at(1000),
    );
    expect(again.id).toBe(first.id);
    expect(again.note).toMatch(/already/);
    expect(bsky.records).toHaveLength(1);
    expect(bsky.records[0]!.value).toMatchObject({
      facets: [{ features: [{ tag: "KeepDancing" }] }],
      embed: { images: [{ alt: "A progress bar at 50%" }] },
    });
  });

  it("re-encodes a card over 1,000,000 bytes as a JPEG that fits", async () => {
    const { createCanvas } = await import("@napi-rs/canvas");
    const canvas = createCanvas(1200, 900);
    const ctx = canvas.getContext("2d");
    const noise = ctx.createImageData(1200, 900);
    noise.data.set(randomBytes(noise.data.length));
    ctx.putImageData(noise, 0, 0);
    const png = await canvas.encode("png");
    expect(png.length).toBeGreaterThan(1_000_000);
    await publisherFor().post(
      "Big card",
      { png, alt: "noise" },
      { id: 2, dedupeKey: "milestone:2", recordKey: tidFor(at(9)), firstAttemptAt: null },
      at(0),
    );
    expect(bsky.blobs[0]!.mimeType).toBe("image/jpeg");
    expect(bsky.blobs[0]!.bytes.length).toBeLessThanOrEqual(1_000_000);
  });

  it("gives up on a silent server after its time-out, as a transient failure", async () => {
    const publisher = publisherFor(300);
    bsky.fail({ hang: true });
    const err = await caught(() =>
      publisher.post(
        "x",
        { png: PNG, alt: "a" },
        { id: 3, dedupeKey: "milestone:3", recordKey: tidFor(at(10)), firstAttemptAt: null },
        at(0),
      ),
    );
    expect(publisher.classify(err, at(0)).kind).toBe("transient");
  });
});
