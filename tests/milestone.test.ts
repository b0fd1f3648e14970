// Milestones: found by comparing a metric before and after a change, in the change's transaction;
// a jump over several posts once, for the highest; nothing is posted twice.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addDonation, setRaisedTotal, setupCampaign } from "../src/services/campaign.js";
import { adjustMetric, readMetrics, setMetric } from "../src/services/metrics.js";
import {
  addMilestone,
  checkMilestones,
  milestoneSummary,
  parseThreshold,
  removeMilestone,
} from "../src/services/milestones.js";
import { announceMilestones } from "../src/x/announce.js";
import { flushTweets, type AnnouncedPost } from "../src/x/outbox.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";
import { OUTBOX_CONFIG, silentLog } from "./support/outbox.js";

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t.close());

async function reset() {
  const db = t.db;
  await db.tweetOutbox.deleteMany();
  await db.milestone.deleteMany();
  await db.campaignAmountChange.deleteMany();
  await db.campaign.deleteMany();
  await db.metric.deleteMany();
}

const ORGANIZER = "100000000000000001";
const outbox = () => t.db.tweetOutbox.findMany({ orderBy: { id: "asc" } });
// The test's own clock: any fixed moment works, since every rule here takes `now` from its caller.
const NOW = new Date("2026-11-29T12:00:00Z");
const milestone = (metric: string, threshold: number) =>
  t.db.milestone.findUniqueOrThrow({ where: { metric_threshold: { metric, threshold } } });

describe("milestone crossings", () => {
  beforeEach(async () => {
    await reset();
    await setupCampaign(
      t.db,
      { name: "A dance party for the dancing man", goalCents: 2_000_000, hashtag: "KeepDancing", userId: ORGANIZER },
      NOW,
      organizer(),
    );
  });

  it("installs the default milestones with the first setup", async () => {
    const rows = await t.db.milestone.findMany({ orderBy: [{ metric: "asc" }, { threshold: "asc" }] });
    const by = (metric: string) => rows.filter((r) => r.metric === metric).map((r) => r.threshold);
    expect(by("raised_cents")).toEqual([500_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 4_000_000]);
    expect(by("rsvps_going")).toEqual([100, 250, 500, 1000]);
    expect(by("volunteers")).toEqual([10, 25, 50, 100]);
    expect(rows.every((r) => r.status === "open")).toBe(true);
  });

  it("writes one outbox row when a donation crosses a milestone, in the same transaction", async () => {
    await addDonation(t.db, 400_000, organizer(ORGANIZER), null, NOW);
    expect(await outbox()).toHaveLength(0);
    const change = await addDonation(t.db, 150_000, organizer(ORGANIZER), "bake sale", NOW);
    expect(change).toEqual({ beforeCents: 400_000, afterCents: 550_000 });
    const rows = await outbox();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: "milestone",
      status: "pending",
      announce: "pending",
      dedupeKey: `milestone:${(await milestone("raised_cents", 500_000)).id}`,
    });
    expect(rows[0]!.text).toBe(
      "A dance party for the dancing man just passed 25% of the goal: $5,500 raised of $20,000 (27%). Thank you to everyone who gave! #KeepDancing",
    );
    expect(JSON.parse(rows[0]!.card)).toMatchObject({
      raisedCents: 550_000,
      goalCents: 2_000_000,
      headline: "Milestone: 25% of the goal",
    });
    expect((await milestone("raised_cents", 500_000)).status).toBe("reached");
  });

  it("posts once for the highest of several crossed at once and marks the others passed over", async () => {
    await setRaisedTotal(t.db, 800_000, organizer(ORGANIZER), null, NOW); // 40 %: crosses 25 %
    await setRaisedTotal(t.db, 2_400_000, organizer(ORGANIZER), null, NOW); // 120 %: crosses 50, 75, 100
    const rows = await outbox();
    expect(rows.map((r) => JSON.parse(r.card).headline)).toEqual([
      "Milestone: 25% of the goal",
      "Milestone: 100% of the goal",
    ]);
    expect((await milestone("raised_cents", 1_000_000)).status).toBe("passed");
    expect((await milestone("raised_cents", 1_500_000)).status).toBe("passed");
    expect((await milestone("raised_cents", 2_000_000)).status).toBe("reached");
    expect((await milestone("raised_cents", 3_000_000)).status).toBe("open");
  });

  it("never posts a milestone twice when the number drops and climbs again", async () => {
    await t.db.$transaction((tx) => adjustMetric(tx, "rsvps_going", 100, NOW));
    await t.db.$transaction((tx) => adjustMetric(tx, "rsvps_going", -3, NOW));
    await t.db.$transaction((tx) => adjustMetric(tx, "rsvps_going", 3, NOW));
    expect(await outbox()).toHaveLength(1);
    await setRaisedTotal(t.db, 1_000_000, organizer(ORGANIZER), null, NOW);
    await setRaisedTotal(t.db, 900_000, organizer(ORGANIZER), "correction", NOW);
    await setRaisedTotal(t.db, 1_000_000, organizer(ORGANIZER), null, NOW);
    expect(await outbox()).toHaveLength(2);
  });

  it("keeps RSVP milestones going every 1,000 after 1,000, created when crossed", async () => {
    await t.db.$transaction((tx) => adjustMetric(tx, "rsvps_going", 990, NOW));
    await t.db.$transaction((tx) => adjustMetric(tx, "rsvps_going", 20, NOW)); // 1,010: crosses 1,000
    await t.db.$transaction((tx) => adjustMetric(tx, "rsvps_going", 2_500, NOW)); // 3,510: crosses 2,000 and 3,000
    const rows = await outbox();
    expect(rows.map((r) => JSON.parse(r.card).headline)).toEqual([
      "Milestone: 500 going",
      "Milestone: 1,000 going",
      "Milestone: 3,000 going",
    ]);
    expect(rows[2]!.text).toMatch(/^3,000 people are going to A dance party/);
    expect((await milestone("rsvps_going", 3000)).status).toBe("reached");
  });

  it("does nothing for a change that crosses nothing, and nothing before a campaign exists", async () => {
    expect(await checkMilestones(t.db, { name: "volunteers", before: 3, after: 4 }, NOW)).toBeNull();
    await reset();
    await t.db.$transaction((tx) => adjustMetric(tx, "volunteers", 500, NOW));
    expect(await outbox()).toHaveLength(0);
  });

  it("rolls the crossing back with the change when the transaction fails", async () => {
    await expect(
      t.db.$transaction(async (tx) => {
        await adjustMetric(tx, "volunteers", 10, NOW);
        throw new Error("the shift claim failed");
      }),
    ).rejects.toThrow("the shift claim failed");
    expect(await outbox()).toHaveLength(0);
    expect((await milestone("volunteers", 10)).status).toBe("open");
    expect((await readMetrics(t.db)).volunteers).toBe(0);
  });

  it("posts each milestone exactly once under concurrent changes", async () => {
    await Promise.all(Array.from({ length: 40 }, () => addDonation(t.db, 100_000, organizer(ORGANIZER), null, NOW)));
    expect((await readMetrics(t.db)).raised_cents).toBe(4_000_000);
    const rows = await outbox();
    const ids = rows.map((r) => r.milestoneId);
    expect(new Set(ids).size).toBe(ids.length);
    const money = await t.db.milestone.findMany({ where: { metric: "raised_cents" } });
    expect(money.every((m) => m.status !== "open")).toBe(true);
    expect(money.filter((m) => m.status === "reached")).toHaveLength(rows.length);
    expect(await t.db.campaignAmountChange.count()).toBe(40);
  });

  it("setMetric works inside a caller's transaction and on its own", async () => {
    const inside = await t.db.$transaction((tx) => setMetric(tx, "lineup_sets", 4, NOW));
    expect(inside).toEqual({ name: "lineup_sets", before: 0, after: 4 });
    expect(await setMetric(t.db, "lineup_sets", 6, NOW)).toEqual({ name: "lineup_sets", before: 4, after: 6 });
  });

  it("moves the open percent milestones with a new goal; those now below the total are passed, not posted", async () => {
    await setRaisedTotal(t.db, 1_200_000, organizer(ORGANIZER), null, NOW); // 60 % of 20,000: 25 and 50 reached/passed
    await setupCampaign(
      t.db,
      { name: "A dance party for the dancing man", goalCents: 1_500_000, userId: ORGANIZER },
      NOW,
      organizer(),
    ); // now 80 %
    const money = await t.db.milestone.findMany({ where: { metric: "raised_cents" }, orderBy: { threshold: "asc" } });
    expect(money.map((m) => [m.percent, m.threshold, m.status])).toEqual([
      [25, 500_000, "passed"],
      [50, 1_000_000, "reached"],
      [75, 1_125_000, "passed"],
      [100, 1_500_000, "open"],
      [150, 2_250_000, "open"],
      [200, 3_000_000, "open"],
    ]);
    expect(await outbox()).toHaveLength(1);
  });
});

describe("an organizer's threshold as typed", () => {
  it("reads a percent of the goal, an amount, or a count, and refuses the rest", () => {
    expect(parseThreshold("raised_cents", "125%", 2_000_000)).toEqual({ threshold: 2_500_000, percent: 125 });
    expect(parseThreshold("raised_cents", "5,000", 2_000_000)).toEqual({ threshold: 500_000, percent: null });
    expect(parseThreshold("rsvps_going", " 1,000 ", 2_000_000)).toEqual({ threshold: 1000, percent: null });
    expect(() => parseThreshold("raised_cents", "0%", 2_000_000)).toThrow(/from 1% to 1000%/);
    expect(() => parseThreshold("rsvps_going", "1.000,5", 2_000_000)).toThrow(/could not read/);
    expect(() => parseThreshold("rsvps_going", "50%", 2_000_000)).toThrow(/could not read/);
  });

  it("says a milestone in the words lists use", () => {
    expect(milestoneSummary({ metric: "raised_cents", threshold: 1_000_000, percent: 50 }, "USD")).toBe(
      "50% of the goal",
    );
    expect(milestoneSummary({ metric: "raised_cents", threshold: 1_000_000, percent: null }, "USD")).toBe(
      "$10,000 raised",
    );
    expect(milestoneSummary({ metric: "lineup_sets", threshold: 8, percent: null }, "USD")).toBe(
      "8 sets (lineup full)",
    );
    expect(milestoneSummary({ metric: "track_votes", threshold: 500, percent: null }, "USD")).toBe(
      "500 votes on requested tracks",
    );
  });
});

describe("organizer milestones", () => {
  beforeEach(async () => {
    await reset();
    await setupCampaign(
      t.db,
      { name: "A dance party for the dancing man", goalCents: 2_000_000, userId: ORGANIZER },
      NOW,
      organizer(),
    );
  });
  const input = { userId: ORGANIZER, allowLinks: false, currency: "USD" };

  it("a full lineup is a lineup_sets milestone at the planned number of sets", async () => {
    await addMilestone(t.db, { ...input, metric: "lineup_sets", threshold: 8 }, NOW, organizer());
    await t.db.$transaction((tx) => adjustMetric(tx, "lineup_sets", 7, NOW));
    expect(await outbox()).toHaveLength(0);
    await t.db.$transaction((tx) => adjustMetric(tx, "lineup_sets", 1, NOW));
    const [row] = await outbox();
    expect(row!.text).toBe("The lineup for A dance party for the dancing man is full: 8 DJ sets are ready to play.");
  });

  it("uses the organizer's template, and refuses thresholds already reached or taken", async () => {
    await addMilestone(
      t.db,
      { ...input, metric: "volunteers", threshold: 5, template: "{milestone} helpers! {volunteers} now 🎉" },
      NOW,
      organizer(),
    );
    await expect(
      addMilestone(t.db, { ...input, metric: "volunteers", threshold: 5 }, NOW, organizer()),
    ).rejects.toThrow(/already a milestone/);
    await t.db.$transaction((tx) => adjustMetric(tx, "volunteers", 6, NOW));
    expect((await outbox())[0]!.text).toBe("5 helpers! 6 now 🎉");
    await expect(
      addMilestone(t.db, { ...input, metric: "volunteers", threshold: 6 }, NOW, organizer()),
    ).rejects.toThrow(/already at 6/);
    await expect(addMilestone(t.db, { ...input, metric: "nope", threshold: 6 }, NOW, organizer())).rejects.toThrow(
      /Pick a metric/,
    );
  });

  it("removes open milestones only", async () => {
    const m = await addMilestone(t.db, { ...input, metric: "track_votes", threshold: 50 }, NOW, organizer());
    await removeMilestone(t.db, m.id, NOW, organizer(), "USD");
    const reached = await milestone("volunteers", 10);
    await t.db.$transaction((tx) => adjustMetric(tx, "volunteers", 10, NOW));
    await expect(removeMilestone(t.db, reached.id, NOW, organizer(), "USD")).rejects.toThrow(/already reached/);
    await expect(removeMilestone(t.db, m.id, NOW, organizer(), "USD")).rejects.toThrow(/no longer exists/);
  });
});

describe("a milestone whose number falls back before it goes out", () => {
  beforeEach(async () => {
    await reset();
    await setupCampaign(
      t.db,
      { name: "A dance party for the dancing man", goalCents: 2_000_000, userId: ORGANIZER },
      NOW,
      organizer(),
    );
  });
  const log = silentLog;
  const config = OUTBOX_CONFIG;
  const shown: string[] = [];
  const announcer = {
    milestone: async (p: AnnouncedPost) => void shown.push(`milestone:${p.text}`),
    dryRun: async (p: AnnouncedPost) => void shown.push(`dry:${p.text}`),
  };
  const deps = () => ({ db: t.db, config, log, publishers: {}, announcer });
  const at = (ms: number) => new Date(NOW.getTime() + ms);

  it("guests pushed RSVPs over 100 and then declined: held, not posted nor announced, until 100 are going again", async () => {
    shown.length = 0;
    await adjustMetric(t.db, "rsvps_going", 120, NOW); // one member going with guests to many events
    const [row] = await outbox();
    expect(row).toMatchObject({ kind: "milestone", status: "pending" });
    await adjustMetric(t.db, "rsvps_going", -90, NOW); // ...then declining everything
    expect(await announceMilestones({ db: t.db, log, announcer })).toBe(0);
    expect(await flushTweets(deps(), at(1_000))).toEqual({ posted: 0, dryRuns: 0, retrying: 0, failed: 0 });
    expect(shown).toEqual([]);
    expect(await t.db.tweetOutbox.findUniqueOrThrow({ where: { id: row!.id } })).toMatchObject({
      status: "pending",
      attempts: 0,
    });
    // Held on its delivery (each network's; X's here, a dry run without credentials).
    const held = await t.db.tweetDelivery.findFirstOrThrow({ where: { outboxId: row!.id } });
    expect(held).toMatchObject({ network: "x", status: "pending", attempts: 0 });
    expect(held.lastError).toMatch(/held: rsvps_going is 30, back under 100/);

    await adjustMetric(t.db, "rsvps_going", 75, NOW); // 105: reached again
    expect(await announceMilestones({ db: t.db, log, announcer })).toBe(1);
    expect((await flushTweets(deps(), at(2 * 60_000))).dryRuns).toBe(1);
    expect(shown).toHaveLength(2);
    expect(await outbox()).toHaveLength(1); // the same post, once
  });

  it("a refund that takes the total back under holds a money milestone too", async () => {
    shown.length = 0;
    await setRaisedTotal(t.db, 1_100_000, organizer(ORGANIZER), null, NOW); // crosses 50 %
    await setRaisedTotal(t.db, 900_000, organizer(ORGANIZER), "refund", NOW);
    expect((await flushTweets(deps(), at(1_000))).dryRuns).toBe(0);
    await setRaisedTotal(t.db, 1_000_000, organizer(ORGANIZER), null, NOW);
    expect((await flushTweets(deps(), at(2 * 60_000))).dryRuns).toBe(1);
  });
});
