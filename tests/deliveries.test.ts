// One delivery per destination: X, Bluesky and Mastodon each post, wait and fail on their own (the outbox
// against the three emulators, on a real database): refused credentials pause one network only, a 429 holds
// one network only, X's caps hold X only, content one network refuses fails that delivery only.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBlueskyEmulator, type BlueskyEmulator } from "../src/sandbox/bluesky/index.js";
import { startMastodonEmulator, type MastodonEmulator } from "../src/sandbox/mastodon/index.js";
import { startXEmulator, type XEmulator } from "../src/sandbox/x/index.js";
import { resumePosting, setupCampaign } from "../src/services/campaign.js";
import { flushTweets, type OutboxConfig, type OutboxDeps } from "../src/x/outbox.js";
import { createPublishers } from "../src/x/publisher.js";
import { queueTweet } from "../src/services/tweetOutbox.js";
import { isTid } from "../src/x/tid.js";
import { requeueFailedPost } from "../src/x/deliveries.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";
import { OUTBOX_CONFIG, SAMPLE_CARD, silentLog } from "./support/outbox.js";

let t: TestDb;
let x: XEmulator;
let bsky: BlueskyEmulator;
let masto: MastodonEmulator;
let shortMasto: MastodonEmulator;
beforeAll(async () => {
  t = await freshDb();
  x = await startXEmulator();
  bsky = await startBlueskyEmulator();
  masto = await startMastodonEmulator({ processingMs: 0 });
  shortMasto = await startMastodonEmulator({ processingMs: 0, maxCharacters: 30 });
});
afterAll(async () => {
  await Promise.all([x.close(), bsky.close(), masto.close(), shortMasto.close()]);
  await t.close();
});

const ORGANIZER = "100000000000000001";
const card = SAMPLE_CARD;
const config = OUTBOX_CONFIG;
const log = silentLog;
const NOON = new Date("2026-11-29T12:00:00Z");
const later = (ms: number) => new Date(NOON.getTime() + ms);

function deps(
  options: { blueskyPassword?: string; mastodon?: MastodonEmulator; config?: Partial<OutboxConfig> } = {},
): OutboxDeps {
  const m = options.mastodon ?? masto;
  const publishers = createPublishers(
    {
      twitter: x.credentials,
      TWITTER_API_URL: x.apiUrl,
      bluesky: {
        service: bsky.serviceUrl,
        identifier: bsky.account.handle,
        password: options.blueskyPassword ?? bsky.account.password,
      },
      mastodon: { url: m.url, accessToken: m.accessToken },
    },
    2000,
  );
  return {
    db: t.db,
    config: { ...config, ...options.config },
    log,
    publishers: publishers.byNetwork,
    announcer: null,
    random: () => 0.5,
    perTick: 5,
  };
}

let seq = 0;
async function queue(n = 1) {
  for (let i = 0; i < n; i++) {
    seq++;
    await queueTweet(
      t.db,
      {
        dedupeKey: `test:${seq}`,
        kind: "milestone",
        text: `Milestone ${seq} reached! #KeepDancing`,
        altText: "A progress card.",
        card,
        announce: false,
      },
      NOON,
    );
  }
}
const deliveries = (network: string) => t.db.tweetDelivery.findMany({ where: { network }, orderBy: { id: "asc" } });
const notices = () => t.db.directMessage.findMany({ where: { dedupeKey: { startsWith: "tweet-notice:" } } });

beforeEach(async () => {
  x.reset();
  bsky.reset();
  masto.reset();
  shortMasto.reset();
  await t.db.tweetDelivery.deleteMany();
  await t.db.postingNetwork.deleteMany();
  await t.db.tweetOutbox.deleteMany();
  await t.db.directMessage.deleteMany();
  await t.db.campaign.deleteMany();
  await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: ORGANIZER }, NOON, organizer());
});

describe("deliveries per destination", () => {
  it("posts each row once on each network; Bluesky's record key is chosen before the first attempt and used", async () => {
    await queue(2);
    expect(await flushTweets(deps(), NOON)).toMatchObject({ posted: 6, failed: 0 });
    expect([x.tweets.length, bsky.records.length, masto.statuses.length]).toEqual([2, 2, 2]);
    const keys = (await deliveries("bluesky")).map((d) => d.recordKey!);
    expect(keys.every(isTid)).toBe(true);
    expect(bsky.records.map((r) => r.rkey)).toEqual(keys);
    expect((await t.db.tweetOutbox.findMany()).map((r) => r.status)).toEqual(["posted", "posted"]);
    expect(await flushTweets(deps(), later(60_000))).toMatchObject({ posted: 0 });
  });

  it("refused Bluesky credentials pause Bluesky only, tell the organizer once, and /campaign resume lifts it", async () => {
    await queue(2);
    expect(await flushTweets(deps({ blueskyPassword: "aaaa-bbbb-cccc-dddd" }), NOON)).toMatchObject({
      posted: 4,
      heldBy: { bluesky: "auth" },
    });
    expect([x.tweets.length, bsky.records.length, masto.statuses.length]).toEqual([2, 0, 2]);
    await flushTweets(deps({ blueskyPassword: "aaaa-bbbb-cccc-dddd" }), later(900_000));
    const told = await notices();
    expect(told).toHaveLength(1);
    expect(told[0]!.content).toMatch(
      /Posting to Bluesky is paused.*BLUESKY_APP_PASSWORD.*the other networks keep posting/,
    );
    expect((await t.db.tweetOutbox.findMany()).map((r) => r.status)).toEqual(["pending", "pending"]);
    await resumePosting(t.db, later(1_000_000), organizer());
    expect(await flushTweets(deps(), later(1_800_000))).toMatchObject({ posted: 2 });
    expect(bsky.records).toHaveLength(2);
    expect((await t.db.tweetOutbox.findMany()).map((r) => r.status)).toEqual(["posted", "posted"]);
  });

  it("a Mastodon 429 holds Mastodon until its reset; X and Bluesky go on", async () => {
    await queue(2);
    masto.fail({ status: 429, resetInSeconds: 3600 });
    const first = await flushTweets(deps(), NOON);
    expect(first).toMatchObject({ posted: 4, heldBy: { mastodon: "rate_limited" } });
    expect(masto.statuses).toHaveLength(0);
    const held = await t.db.postingNetwork.findUniqueOrThrow({ where: { network: "mastodon" } });
    expect(held.retryAt!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    // The reset is the emulator's (the wall clock); the posts were queued at NOON: both must have come.
    const after = Math.max(held.retryAt!.getTime(), NOON.getTime()) + 1000;
    expect(await flushTweets(deps(), new Date(after))).toMatchObject({ posted: 2 });
    expect(masto.statuses).toHaveLength(2);
  });

  it("X's daily cap holds X only: Bluesky and Mastodon cost nothing per post", async () => {
    await queue(3);
    expect(await flushTweets(deps({ config: { TWEET_DAILY_CAP: 1 } }), NOON)).toMatchObject({
      posted: 7,
      heldBy: { x: "daily_cap" },
    });
    expect([x.tweets.length, bsky.records.length, masto.statuses.length]).toEqual([1, 3, 3]);
  });

  it("text one network refuses fails that delivery only, and tells the organizer which network", async () => {
    await queue(1);
    expect(await flushTweets(deps({ mastodon: shortMasto }), NOON)).toMatchObject({ posted: 2, failed: 1 });
    const [delivery] = await deliveries("mastodon");
    expect(delivery).toMatchObject({ status: "failed" });
    expect(delivery!.lastError).toMatch(/character limit of 30/);
    expect((await notices())[0]!.content).toMatch(/A post to Mastodon failed/);
    expect((await t.db.tweetOutbox.findFirstOrThrow()).status).toBe("failed");
    expect([x.tweets.length, bsky.records.length]).toEqual([1, 1]);
  });

  it("a Bluesky 5xx retries with backoff and lands once under the same record key", async () => {
    await queue(1);
    bsky.fail({ status: 502 });
    expect(await flushTweets(deps(), NOON)).toMatchObject({ posted: 2, retrying: 1 });
    const [waiting] = await deliveries("bluesky");
    expect(waiting).toMatchObject({ status: "posting", attempts: 1 });
    expect(await flushTweets(deps(), later(3_600_000))).toMatchObject({ posted: 1 });
    expect(bsky.records).toHaveLength(1);
    expect(bsky.records[0]!.rkey).toBe(waiting!.recordKey);
  });
  it("a delivery failing past TWEET_RETRY_HOURS fails the row; /campaign retry sends that delivery again, once, and the others are not posted twice", async () => {
    await queue(1);
    bsky.fail({ status: 502 }, 100);
    const short = { config: { TWEET_RETRY_HOURS: 1 } };
    expect(await flushTweets(deps(short), NOON)).toMatchObject({ posted: 2, retrying: 1 });
    expect(await flushTweets(deps(short), later(3_600_000))).toMatchObject({ failed: 1 });
    const [failed] = await deliveries("bluesky");
    expect(failed).toMatchObject({ status: "failed" });
    expect(failed!.lastError).toMatch(/gave up after 2 attempts over 1 h/);
    const row = await t.db.tweetOutbox.findFirstOrThrow();
    expect(row.status).toBe("failed");
    expect((await notices())[0]!.content).toMatch(/A post to Bluesky failed.*\/campaign retry/s);

    bsky.reset();
    const back = later(2 * 3_600_000);
    const [a, b] = await Promise.all([
      requeueFailedPost(t.db, row.id, back, 1, organizer()),
      requeueFailedPost(t.db, row.id, back, 1, organizer()),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const [again] = await deliveries("bluesky");
    expect(again).toMatchObject({ status: "posting", giveUpAt: later(3 * 3_600_000) });
    expect((await deliveries("x"))[0]).toMatchObject({ status: "posted" });
    expect(await flushTweets(deps(short), back)).toMatchObject({ posted: 1 });
    expect([x.tweets.length, bsky.records.length, masto.statuses.length]).toEqual([1, 1, 1]);
    expect(bsky.records[0]!.rkey).toBe(failed!.recordKey);
    expect((await t.db.tweetOutbox.findFirstOrThrow()).status).toBe("posted");
  });

  it("/campaign retry on a row marked failed whose deliveries all landed settles it as posted at once, without a new attempt", async () => {
    await queue(1);
    expect(await flushTweets(deps(), NOON)).toMatchObject({ posted: 3 });
    const row = await t.db.tweetOutbox.findFirstOrThrow();
    await t.db.tweetOutbox.update({ where: { id: row.id }, data: { status: "failed" } });
    expect(await requeueFailedPost(t.db, row.id, later(60_000), 48, organizer())).not.toBeNull();
    expect((await t.db.tweetOutbox.findFirstOrThrow()).status).toBe("posted");
    expect([x.tweets.length, bsky.records.length, masto.statuses.length]).toEqual([1, 1, 1]);
    expect(await requeueFailedPost(t.db, row.id, later(120_000), 48, organizer())).toBeNull();
  });
});
