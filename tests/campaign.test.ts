// The campaign: setup rules, every change of the money kept with who and when, posting pause, the digest,
// and the milestone check staying on its index.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  addDonation,
  amountHistory,
  pausePosting,
  resumePosting,
  setRaisedTotal,
  setupCampaign,
} from "../src/services/campaign.js";
import { adjustMetric } from "../src/services/metrics.js";
import { queueDigest } from "../src/x/digest.js";
import { freshDb, testPostgresUrl, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t.close());

const ORGANIZER = "100000000000000001";
const OTHER = "100000000000000002";
// The test's own clock: any fixed moment works, since every rule here takes `now` from its caller.
const NOW = new Date("2026-11-29T12:00:00Z");

beforeEach(async () => {
  for (const table of ["tweetOutbox", "milestone", "campaignAmountChange", "campaign", "metric"] as const)
    await (t.db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
});

describe("setup", () => {
  it("keeps one campaign: a second setup changes it", async () => {
    expect(
      (await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: ORGANIZER }, NOW, organizer()))
        .created,
    ).toBe(true);
    const again = await setupCampaign(
      t.db,
      { name: "A bigger dance party", goalCents: 3_000_000, currency: "eur", hashtag: "#KeepDancing", userId: OTHER },
      NOW,
      organizer(),
    );
    expect(again.created).toBe(false);
    expect(again.campaign).toMatchObject({
      name: "A bigger dance party",
      goalCents: 3_000_000,
      currency: "EUR",
      hashtag: "KeepDancing",
      createdBy: ORGANIZER,
    });
    expect(await t.db.campaign.count()).toBe(1);
    const cleared = await setupCampaign(
      t.db,
      { name: "A bigger dance party", goalCents: 3_000_000, hashtag: "", userId: OTHER },
      NOW,
      organizer(),
    );
    expect(cleared.campaign).toMatchObject({ hashtag: null, currency: "EUR" });
  });

  it("refuses what cannot go into a post", async () => {
    await expect(
      setupCampaign(t.db, { name: "Party", goalCents: 0, userId: ORGANIZER }, NOW, organizer()),
    ).rejects.toThrow(/more than zero/);
    await expect(
      setupCampaign(t.db, { name: "Party", goalCents: 100, currency: "XYZ", userId: ORGANIZER }, NOW, organizer()),
    ).rejects.toThrow(/currency code/);
    await expect(
      setupCampaign(t.db, { name: "Party", goalCents: 100, hashtag: "two words", userId: ORGANIZER }, NOW, organizer()),
    ).rejects.toThrow(/hashtag/);
    await expect(
      setupCampaign(t.db, { name: "see dance.party", goalCents: 100, userId: ORGANIZER }, NOW, organizer()),
    ).rejects.toThrow(/link/);
  });

  it("needs a campaign before money is recorded", async () => {
    await expect(addDonation(t.db, 100, organizer(ORGANIZER), null, NOW)).rejects.toThrow(/no campaign yet/);
  });
});

describe("money", () => {
  beforeEach(async () => {
    await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: ORGANIZER }, NOW, organizer());
  });

  it("keeps every change with who made it, when, and the totals before and after", async () => {
    const when = new Date("2026-11-20T10:00:00Z");
    await addDonation(t.db, 25_000, organizer(ORGANIZER), "  cash at the bake sale  ", when);
    await setRaisedTotal(t.db, 1_000_000, organizer(OTHER), "fundraising page", when);
    await setRaisedTotal(t.db, 900_000, organizer(OTHER), null, when);
    const history = await amountHistory(t.db);
    expect(history.map((h) => [h.kind, h.amountCents, h.beforeCents, h.afterCents, h.userId, h.note])).toEqual([
      ["total", 900_000, 1_000_000, 900_000, OTHER, null],
      ["total", 1_000_000, 25_000, 1_000_000, OTHER, "fundraising page"],
      ["donation", 25_000, 0, 25_000, ORGANIZER, "cash at the bake sale"],
    ]);
    expect(history.every((h) => h.createdAt.getTime() === when.getTime())).toBe(true);
  });

  it("refuses a donation past the largest total, leaving nothing behind", async () => {
    await setRaisedTotal(t.db, 2_147_000_000, organizer(ORGANIZER), null, NOW);
    await expect(addDonation(t.db, 1_000_000, organizer(ORGANIZER), null, NOW)).rejects.toThrow(/21,474,836.47/);
    expect(await t.db.campaignAmountChange.count()).toBe(1);
    expect((await t.db.metric.findUniqueOrThrow({ where: { name: "raised_cents" } })).value).toBe(2_147_000_000);
  });

  it("pauses and resumes posting", async () => {
    expect(await pausePosting(t.db, organizer(), NOW)).toBe(true);
    expect(await pausePosting(t.db, organizer(), NOW)).toBe(false);
    expect((await resumePosting(t.db, NOW, organizer())).pausedReason).toBeNull();
  });
});

describe("digest", () => {
  beforeEach(async () => {
    await setupCampaign(
      t.db,
      { name: "A dance party", goalCents: 2_000_000, hashtag: "KeepDancing", userId: ORGANIZER },
      NOW,
      organizer(),
    );
  });

  it("posts a status only when the numbers moved since the last one, dated in the campaign's zone", async () => {
    const day1 = new Date("2026-11-29T02:00:00Z"); // Nov 28, 18:00 in Los Angeles
    expect(await queueDigest(t.db, "America/Los_Angeles", day1)).toBe(false); // nothing to say yet
    await addDonation(t.db, 300_000, organizer(ORGANIZER), null, NOW);
    await t.db.$transaction((tx) => adjustMetric(tx, "rsvps_going", 42, NOW));
    expect(await queueDigest(t.db, "America/Los_Angeles", day1)).toBe(true);
    expect(await queueDigest(t.db, "America/Los_Angeles", day1)).toBe(false); // same tick, same key
    expect(await queueDigest(t.db, "America/Los_Angeles", new Date("2026-11-30T02:00:00Z"))).toBe(false); // nothing moved
    await t.db.$transaction((tx) => adjustMetric(tx, "volunteers", 3, NOW));
    expect(await queueDigest(t.db, "America/Los_Angeles", new Date("2026-12-01T02:00:00Z"))).toBe(true);
    const digests = await t.db.tweetOutbox.findMany({ where: { kind: "digest" }, orderBy: { id: "asc" } });
    expect(digests.map((d) => d.text)).toEqual([
      "A dance party, Nov 28: $3,000 raised of $20,000 (15%), 42 going, 0 volunteers. #KeepDancing",
      "A dance party, Nov 30: $3,000 raised of $20,000 (15%), 42 going, 3 volunteers. #KeepDancing",
    ]);
    expect(digests.every((d) => d.announce === "none")).toBe(true);
  });
});

describe("the milestone check stays cheap", () => {
  // SQLite's plan; PostgreSQL may rightly scan a table this small.
  it.skipIf(testPostgresUrl())(
    "finds crossings through the (metric, status, threshold) index, never a scan",
    async () => {
      const plan = await t.db.$queryRawUnsafe<{ detail: string }[]>(
        `EXPLAIN QUERY PLAN SELECT "id" FROM "Milestone" WHERE "metric" = ? AND "status" = 'open' AND "threshold" <= ? ORDER BY "threshold" DESC`,
        "rsvps_going",
        500,
      );
      expect(plan.map((p) => p.detail).join(" ")).toMatch(
        /USING (COVERING )?INDEX Milestone_metric_status_threshold_idx/,
      );
    },
  );
});
