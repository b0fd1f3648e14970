// The tweet outbox against the X emulator: each fault X can answer, caps, quiet hours, dry runs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderCard } from "../src/card/card.js";
import { startXEmulator, type XEmulator } from "../src/sandbox/x/index.js";
import { resumePosting, setupCampaign } from "../src/services/campaign.js";
import { announceMilestones } from "../src/x/announce.js";
import { flushTweets, type AnnouncedPost, type OutboxDeps } from "../src/x/outbox.js";
import { createXPublisher } from "../src/x/publisher.js";
import { failedTweets, queueTweet, requeueFailedTweet } from "../src/services/tweetOutbox.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";
import { OUTBOX_CONFIG, SAMPLE_CARD, silentLog } from "./support/outbox.js";

let t: TestDb;
let x: XEmulator;
// The X emulator's clock: its outages end by it, and the tests move it with the times they pass to flushTweets.
let xClock = 0;
beforeAll(async () => {
  t = await freshDb();
  x = await startXEmulator({ now: () => xClock });
});
afterAll(async () => {
  await x.close();
  await t.close();
});

const ORGANIZER = "100000000000000001";
const card = SAMPLE_CARD;
const config = OUTBOX_CONFIG;
const log = silentLog;

function announcerLog() {
  const calls: { kind: string; post: AnnouncedPost }[] = [];
  return {
    calls,
    announcer: {
      milestone: async (post: AnnouncedPost) => void calls.push({ kind: "milestone", post }),
      dryRun: async (post: AnnouncedPost) => void calls.push({ kind: "dry", post }),
    },
  };
}

function deps(overrides: Partial<OutboxDeps> = {}): OutboxDeps {
  const publisher = createXPublisher({ twitter: x.credentials, TWITTER_API_URL: x.apiUrl }, 400)!;
  return {
    db: t.db,
    config,
    log,
    publishers: { x: publisher },
    announcer: null,
    random: () => 0.5,
    perTick: 5,
    ...overrides,
  };
}

let seq = 0;
async function queue(n = 1, now = new Date("2026-10-01T00:00:00Z")) {
  for (let i = 0; i < n; i++) {
    seq++;
    await queueTweet(
      t.db,
      {
        dedupeKey: `test:${seq}`,
        kind: "milestone",
        text: `Milestone number ${seq} reached!`,
        altText: "A progress card.",
        card,
        announce: true,
      },
      now,
    );
  }
}
const rows = () => t.db.tweetOutbox.findMany({ orderBy: { id: "asc" } });
const notices = () => t.db.directMessage.findMany({ where: { dedupeKey: { startsWith: "tweet-notice:" } } });
const tweetPosts = () => x.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets");
const NOON = new Date("2026-11-29T12:00:00Z");
const later = (d: Date, ms: number) => new Date(d.getTime() + ms);

beforeEach(async () => {
  x.reset();
  await t.db.tweetDelivery.deleteMany();
  await t.db.postingNetwork.deleteMany();
  await t.db.tweetOutbox.deleteMany();
  await t.db.directMessage.deleteMany();
  await t.db.campaign.deleteMany();
  await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: ORGANIZER }, NOON, organizer());
});

describe("posting", () => {
  it("uploads the card with alt text, posts, and records the tweet id", async () => {
    await queue();
    expect(await flushTweets(deps(), NOON)).toEqual({ posted: 1, dryRuns: 0, retrying: 0, failed: 0 });
    const [row] = await rows();
    expect(x.tweets).toHaveLength(1);
    expect(row).toMatchObject({ status: "posted", tweetId: x.tweets[0]!.id, attempts: 1, dryRun: false });
    expect(x.tweets[0]!.mediaIds).toHaveLength(1);
    const media = x.media.find((m) => m.id === x.tweets[0]!.mediaIds[0]);
    expect(media?.mediaType).toBe("image/png");
    expect(media?.altText).toBe("A progress card.");
    expect(await flushTweets(deps(), later(NOON, 60_000))).toMatchObject({ posted: 0 });
    expect(x.tweets).toHaveLength(1);
  });

  it("without credentials, records a dry run and shows it in the announce channel with the card", async () => {
    await queue();
    const seen = announcerLog();
    expect(await flushTweets(deps({ publishers: {}, announcer: seen.announcer }), NOON)).toMatchObject({ dryRuns: 1 });
    expect(seen.calls).toHaveLength(1);
    expect(seen.calls[0]!.kind).toBe("dry");
    expect(seen.calls[0]!.post.png.subarray(1, 4).toString()).toBe("PNG");
    expect((await rows())[0]).toMatchObject({ status: "posted", dryRun: true, tweetId: null });
    expect(x.requests).toHaveLength(0);
  });

  it("shows each milestone once in the announce channel, whatever the X schedule", async () => {
    await queue(2);
    const seen = announcerLog();
    expect(await announceMilestones({ db: t.db, log, announcer: seen.announcer })).toBe(2);
    expect(await announceMilestones({ db: t.db, log, announcer: seen.announcer })).toBe(0);
    expect(seen.calls.map((c) => c.kind)).toEqual(["milestone", "milestone"]);
    expect(seen.calls[0]!.post.headline).toBe("Milestone: 50% of the goal");
  });
});

describe("faults", () => {
  it("a 429 waits until its reset, for every post", async () => {
    // X's reset is a time on X's clock (the emulator's, which is this process's): this test lives on that one.
    const now = new Date();
    await queue(2, now);
    x.fail({ status: 429, resetInSeconds: 600 });
    expect(await flushTweets(deps(), now)).toMatchObject({ posted: 0, held: "rate_limited" });
    const campaign = { xRetryAt: (await t.db.postingNetwork.findUniqueOrThrow({ where: { network: "x" } })).retryAt };
    expect(campaign.xRetryAt!.getTime()).toBeGreaterThan(now.getTime() + 590_000);
    const before = tweetPosts().length;
    expect(await flushTweets(deps(), later(now, 300_000))).toMatchObject({ held: "rate_limited" });
    expect(tweetPosts().length).toBe(before); // nothing sent before the reset
    expect(await flushTweets(deps(), later(campaign.xRetryAt!, 1000))).toMatchObject({ posted: 2 });
    expect(x.tweets).toHaveLength(2);
  });

  it("5xx retries with exponential backoff, at most an hour apart", async () => {
    await queue();
    x.fail({ status: 503 }, 9);
    let now = NOON;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      await flushTweets(deps(), now);
      const row = (await rows())[0]!;
      waits.push(row.notBefore.getTime() - now.getTime());
      expect(await flushTweets(deps(), later(row.notBefore, -1000))).toMatchObject({ posted: 0 }); // not due yet
      now = row.notBefore;
    }
    expect(waits.map((w) => w / 60_000)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
    expect(await flushTweets(deps(), now)).toMatchObject({ posted: 1 });
  });

  /** Runs the posting job every `everyMinutes` (TWEET_CRON's default: 15) from `from` for `hours`, X's clock in step. */
  async function runFor(from: Date, hours: number, everyMinutes = 15): Promise<Date> {
    let now = from;
    while (now.getTime() <= from.getTime() + hours * 3_600_000) {
      xClock = now.getTime();
      await flushTweets(deps(), now);
      now = later(now, everyMinutes * 60_000);
    }
    return now;
  }

  it("X down for six hours, far past the old give-up time of about 15 minutes: posted once when X is back", async () => {
    await queue();
    x.outage({ status: 503 }, NOON.getTime() + 6 * 3_600_000);
    await runFor(NOON, 5.75);
    const during = (await rows())[0]!;
    expect(during.status).toBe("posting");
    expect(during.attempts).toBeGreaterThan(5); // the old limit
    expect(x.tweets).toHaveLength(0);
    await runFor(later(NOON, 6 * 3_600_000), 2);
    expect(x.tweets).toHaveLength(1);
    expect((await rows())[0]).toMatchObject({ status: "posted", tweetId: x.tweets[0]!.id });
    expect(await notices()).toHaveLength(0); // nothing to tell: nothing was lost
  }, 90_000);

  it("X down longer than TWEET_RETRY_HOURS: the post fails, the organizer is told once, and /campaign retry queues it again, exactly once", async () => {
    await queue();
    x.outage({ status: 502 }, NOON.getTime() + 60 * 3_600_000);
    // Hourly ticks: the backoff is an hour by then, so a 15-minute schedule would only add runs that find nothing due.
    const end = await runFor(NOON, 49, 60);
    const [row] = await rows();
    expect(row).toMatchObject({ status: "failed" });
    expect(row!.lastError).toMatch(/over 48 h: X answered 502/);
    expect(row!.lastAttemptAt!.getTime() - row!.firstAttemptAt!.getTime()).toBeGreaterThanOrEqual(47 * 3_600_000);
    const dms = await notices();
    expect(dms).toHaveLength(1);
    expect(dms[0]).toMatchObject({ userId: ORGANIZER, dedupeKey: `tweet-notice:failed:${row!.id}` });
    expect(dms[0]!.content).toContain("/campaign retry");
    expect((await failedTweets(t.db)).map((r) => r.id)).toEqual([row!.id]);

    // X is back; two organizers press retry at once: queued once.
    const back = later(NOON, 61 * 3_600_000);
    const [a, b] = await Promise.all([
      requeueFailedTweet(t.db, row!.id, back, 48, organizer()),
      requeueFailedTweet(t.db, row!.id, back, 48, organizer()),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    xClock = back.getTime();
    expect(await flushTweets(deps(), back)).toMatchObject({ posted: 1 });
    expect(await flushTweets(deps(), later(back, 900_000))).toMatchObject({ posted: 0 });
    expect(x.tweets).toHaveLength(1);
    expect(await requeueFailedTweet(t.db, row!.id, later(back, 1_800_000), 48, organizer())).toBeNull(); // posted: nothing to retry
    expect(end.getTime()).toBeGreaterThan(NOON.getTime());
  }, 90_000);

  it("a retried post whose earlier attempt had landed counts as posted, not posted twice", async () => {
    await queue();
    x.fail({ acceptThenDrop: true });
    await flushTweets(deps(), NOON);
    expect(x.tweets).toHaveLength(1);
    const [row] = await rows();
    await t.db.tweetOutbox.update({ where: { id: row!.id }, data: { status: "failed" } }); // as if it had run out of time
    expect(await requeueFailedTweet(t.db, row!.id, later(NOON, 3_600_000), 48, organizer())).not.toBeNull();
    expect(await flushTweets(deps(), later(NOON, 3_600_000))).toMatchObject({ posted: 1 });
    expect(x.tweets).toHaveLength(1);
  });

  it("spreads retries with jitter", async () => {
    await queue();
    x.fail({ status: 500 });
    await flushTweets(deps({ random: () => 0 }), NOON);
    expect((await rows())[0]!.notBefore.getTime() - NOON.getTime()).toBe(30_000);
  });

  it("a time-out is retried; the post lands once", async () => {
    await queue();
    x.fail({ hang: true });
    expect(await flushTweets(deps(), NOON)).toMatchObject({ retrying: 1 });
    expect((await rows())[0]).toMatchObject({ status: "posting" });
    expect(await flushTweets(deps(), later(NOON, 3_600_000))).toMatchObject({ posted: 1 });
    expect(x.tweets).toHaveLength(1);
  });

  it("X accepted it but the answer was lost: the retry's duplicate answer counts as posted, once", async () => {
    await queue();
    x.fail({ acceptThenDrop: true });
    expect(await flushTweets(deps(), NOON)).toMatchObject({ retrying: 1 });
    expect(x.tweets).toHaveLength(1);
    expect(await flushTweets(deps(), later(NOON, 3_600_000))).toMatchObject({ posted: 1 });
    expect(x.tweets).toHaveLength(1);
    expect((await rows())[0]).toMatchObject({ status: "posted", tweetId: null, attempts: 2 });
    expect((await rows())[0]!.lastError).toMatch(/duplicate/);
  });

  it("a crash after X accepted but before the row was marked: the next run settles it as posted", async () => {
    await queue();
    const [row] = await rows();
    // What the crashed run did: marked the attempt, and X took the post.
    await t.db.tweetOutbox.update({
      where: { id: row!.id },
      data: { status: "posting", attempts: 1, firstAttemptAt: NOON },
    });
    await deps().publishers.x!.post(
      row!.text,
      { png: await renderCard(card), alt: "A progress card." },
      { id: 0, dedupeKey: row!.dedupeKey, recordKey: null, firstAttemptAt: null },
      NOON,
    );
    expect(x.tweets).toHaveLength(1);
    expect(await flushTweets(deps(), NOON)).toMatchObject({ posted: 1 });
    expect(x.tweets).toHaveLength(1);
    expect((await rows())[0]).toMatchObject({ status: "posted", attempts: 2 });
  });

  it("a duplicate answer counts as posted", async () => {
    await queue();
    x.fail({ duplicate: true });
    expect(await flushTweets(deps(), NOON)).toMatchObject({ posted: 1 });
    expect((await rows())[0]).toMatchObject({ status: "posted", tweetId: null });
  });

  it.each([401, 403] as const)(
    "a %i pauses all posting and tells the organizer once, instead of hammering",
    async (status) => {
      await queue(3);
      x.fail({ status });
      expect(await flushTweets(deps(), NOON)).toMatchObject({ held: "auth" });
      const sent = x.requests.length;
      for (let i = 1; i <= 3; i++)
        expect(await flushTweets(deps(), later(NOON, i * 900_000))).toMatchObject({ held: "auth" });
      expect(x.requests.length).toBe(sent);
      expect(await notices()).toHaveLength(1);
      expect((await rows()).map((r) => r.status)).toEqual(["pending", "pending", "pending"]);
      await resumePosting(t.db, later(NOON, 3_600_000), organizer());
      expect(await flushTweets(deps(), later(NOON, 4_000_000))).toMatchObject({ posted: 3 });
      expect(x.tweets).toHaveLength(3);
    },
  );

  it("a post X refuses for its content fails at once and tells the organizer", async () => {
    await queueTweet(
      t.db,
      {
        dedupeKey: "bad",
        kind: "milestone",
        text: `${"x".repeat(300)} {milestone}`,
        altText: "a",
        card,
        announce: false,
      },
      NOON,
    );
    expect(await flushTweets(deps(), NOON)).toMatchObject({ failed: 1 });
    expect(x.requests).toHaveLength(0); // checked before spending a call
    expect(await notices()).toHaveLength(1);
  });
});

describe("limits", () => {
  it("never exceeds the daily cap; holds the rest and tells the organizer once", async () => {
    await queue(5);
    const capped = deps({ config: { ...config, TWEET_DAILY_CAP: 2 } });
    expect(await flushTweets(capped, NOON)).toMatchObject({ posted: 2, held: "daily_cap" });
    expect(await flushTweets(capped, later(NOON, 3_600_000))).toMatchObject({ posted: 0, held: "daily_cap" });
    expect(x.tweets).toHaveLength(2);
    expect(await notices()).toHaveLength(1);
    expect(await flushTweets(capped, new Date("2026-11-30T00:05:00Z"))).toMatchObject({ posted: 2, held: "daily_cap" });
    expect(x.tweets).toHaveLength(4);
    expect(await notices()).toHaveLength(2); // one per day held
  });

  it("never exceeds the monthly cap", async () => {
    await queue(4);
    const capped = deps({ config: { ...config, TWEET_MONTHLY_CAP: 3 }, perTick: 1 });
    for (let day = 27; day <= 30; day++) await flushTweets(capped, new Date(`2026-11-${day}T12:00:00Z`));
    expect(x.tweets).toHaveLength(3);
    expect(await flushTweets(capped, new Date("2026-11-30T18:00:00Z"))).toMatchObject({ held: "monthly_cap" });
    expect(await flushTweets(capped, new Date("2026-12-01T09:00:00Z"))).toMatchObject({ posted: 1 });
  });

  it("counts the caps in the campaign's time zone", async () => {
    await queue(2);
    const la = deps({
      config: { ...config, CAMPAIGN_TIMEZONE: "America/Los_Angeles", TWEET_DAILY_CAP: 1 },
      perTick: 1,
    });
    await flushTweets(la, new Date("2026-11-29T20:00:00Z")); // 12:00 in Los Angeles
    // 07:00 UTC the next day is still Nov 29 (23:00) in Los Angeles: the same day, held.
    expect(await flushTweets(la, new Date("2026-11-30T07:00:00Z"))).toMatchObject({ held: "daily_cap" });
    expect(await flushTweets(la, new Date("2026-11-30T08:30:00Z"))).toMatchObject({ posted: 1 });
  });

  it("holds posts during quiet hours, in the campaign's time zone, across a daylight-saving change", async () => {
    await queue(2);
    const quiet = deps({
      config: { ...config, CAMPAIGN_TIMEZONE: "America/Los_Angeles", TWEET_QUIET_HOURS: "23-08" },
      perTick: 1,
    });
    // 2026-11-01 is the day Los Angeles goes from PDT (UTC-7) to PST (UTC-8).
    expect(await flushTweets(quiet, new Date("2026-11-01T06:30:00Z"))).toMatchObject({ held: "quiet_hours" }); // 23:30 PDT Oct 31
    expect(await flushTweets(quiet, new Date("2026-11-01T15:30:00Z"))).toMatchObject({ held: "quiet_hours" }); // 07:30 PST
    expect(await flushTweets(quiet, new Date("2026-11-01T16:00:00Z"))).toMatchObject({ posted: 1 }); // 08:00 PST (it would be 09:00 PDT)
    expect(await flushTweets(quiet, new Date("2026-11-02T06:59:00Z"))).toMatchObject({ posted: 1 }); // 22:59 PST
  });
});
