// DJ offers and the lineup, against a real migrated database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import {
  createOffer,
  pendingOffers,
  reviewOffer,
  validateOffer,
  withdrawOffer,
  withdrawable,
} from "../src/services/djs.js";
import { currentOrNextSet, lineup, lineupCounts, parseSlot, placeSet, withdrawSet } from "../src/services/lineup.js";
import { readMetrics } from "../src/services/metrics.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t.close());

const NOW = new Date("2026-12-01T12:00:00Z");
const at = (iso: string) => new Date(iso);
const form = (djName: string, extra: Partial<Parameters<typeof validateOffer>[0]> = {}) => ({
  djName,
  genres: "disco, house",
  minutes: "90",
  links: "https://example.com/mix",
  note: "Happy to play for free.",
  ...extra,
});

async function approvedDj(userId: string, name: string) {
  const offer = await createOffer(t.db, userId, form(name), NOW);
  await reviewOffer(t.db, offer.id, "approve", NOW, organizer("org"));
  return offer;
}

describe("offer form", () => {
  it("accepts what a DJ would type and tidies it", () => {
    const clean = validateOffer(
      form("  DJ   Lumen ", { minutes: "120 min", links: "https://a.example/x\nhttp://b.example/y" }),
    );
    expect(clean).toMatchObject({
      djName: "DJ Lumen",
      minutes: 120,
      links: ["https://a.example/x", "http://b.example/y"],
    });
  });

  it.each([
    [{ djName: "" }, /DJ name/],
    [{ djName: "x".repeat(61) }, /60 characters/],
    [{ minutes: "ninety" }, /number of minutes/],
    [{ minutes: "5" }, /from 15/],
    [{ links: "javascript:alert(1)" }, /not a web link/],
    [{ links: "ftp://example.com/file" }, /not a web link/],
    [{ links: "https://a.co https://b.co https://c.co https://d.co" }, /at most 3 links/],
    [{ note: "n".repeat(501) }, /500 characters/],
  ])("refuses %o", (extra, message) => {
    expect(() => validateOffer(form("Name", extra))).toThrow(message);
  });
});

describe("offer states", () => {
  it("goes pending, then approved once; a second press is refused and names who decided", async () => {
    const offer = await createOffer(t.db, "u-lumen", form("Lumen"), NOW);
    expect(offer.status).toBe("pending");
    expect((await pendingOffers(t.db)).map((o) => o.id)).toContain(offer.id);

    const [a, b] = await Promise.allSettled([
      reviewOffer(t.db, offer.id, "approve", NOW, organizer("org-1")),
      reviewOffer(t.db, offer.id, "decline", NOW, organizer("org-2")),
    ]);
    const outcomes = [a, b].map((r) => r.status);
    expect(outcomes.sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = [a, b].find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(UserError);
    expect(rejected.reason.message).toMatch(/already/);

    const dms = await t.db.directMessage.findMany({ where: { userId: "u-lumen" } });
    expect(dms).toHaveLength(1);
  });

  it("allows one active offer per member, even when two arrive at once", async () => {
    const results = await Promise.allSettled([
      createOffer(t.db, "u-twice", form("Twice A"), NOW),
      createOffer(t.db, "u-twice", form("Twice B"), NOW),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refusal = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refusal.reason.message).toMatch(/already have an offer waiting for review.*\/dj withdraw/);
  });

  it("a declined DJ is told and may offer again", async () => {
    const offer = await createOffer(t.db, "u-decl", form("Declined"), NOW);
    await reviewOffer(t.db, offer.id, "decline", NOW, organizer("org"));
    const dm = await t.db.directMessage.findUnique({ where: { dedupeKey: `dj-offer:${offer.id}:declined` } });
    expect(dm?.content).toMatch(/could not take your set/);
    const again = await createOffer(t.db, "u-decl", form("Declined Again"), NOW);
    expect(again.status).toBe("pending");
  });

  it("counts approved DJs, and a withdrawal takes the DJ and their sets out", async () => {
    const before = await readMetrics(t.db);
    const offer = await approvedDj("u-wd", "Withdrawer");
    await placeSet(
      t.db,
      { offerId: offer.id, startsAt: at("2026-12-10T20:00:00Z"), endsAt: at("2026-12-10T21:00:00Z"), stage: "Side" },
      NOW,
      organizer(),
    );
    const mid = await readMetrics(t.db);
    expect(mid.djs_approved - before.djs_approved).toBe(1);
    expect(mid.lineup_minutes - before.lineup_minutes).toBe(60);

    expect((await withdrawable(t.db, "u-wd", NOW))?.sets).toHaveLength(1);
    await expect(withdrawOffer(t.db, "someone-else", offer.id, NOW)).rejects.toThrow(/not one of your offers/);
    const { sets } = await withdrawOffer(t.db, "u-wd", offer.id, NOW);
    expect(sets).toHaveLength(1);
    const after = await readMetrics(t.db);
    expect(after.djs_approved).toBe(before.djs_approved);
    expect(after.lineup_sets).toBe(before.lineup_sets);
    expect(after.lineup_minutes).toBe(before.lineup_minutes);
    await expect(withdrawOffer(t.db, "u-wd", offer.id, NOW)).rejects.toThrow(/already withdrawn/);
    await expect(reviewOffer(t.db, offer.id, "approve", NOW, organizer("org"))).rejects.toThrow(/withdrawn by the DJ/);
  });
});

describe("lineup", () => {
  it("refuses an offer that is not approved", async () => {
    const offer = await createOffer(t.db, "u-pend", form("Pending"), NOW);
    await expect(
      placeSet(
        t.db,
        { offerId: offer.id, startsAt: at("2026-12-05T20:00:00Z"), endsAt: at("2026-12-05T21:00:00Z") },
        NOW,
        organizer(),
      ),
    ).rejects.toThrow(/not approved/);
  });

  it("keeps sets on one stage apart, allows them on another, and never double-books a DJ", async () => {
    const a = await approvedDj("u-a", "Alpha");
    const b = await approvedDj("u-b", "Bravo");
    const slot = (s: string, e: string, stage?: string) => ({
      startsAt: at(`2026-12-05T${s}:00Z`),
      endsAt: at(`2026-12-05T${e}:00Z`),
      stage,
    });
    await placeSet(t.db, { offerId: a.id, ...slot("20:00", "21:30") }, NOW, organizer());
    await expect(placeSet(t.db, { offerId: b.id, ...slot("21:00", "22:00") }, NOW, organizer())).rejects.toThrow(
      /overlaps Alpha on Main stage/,
    );
    await expect(
      placeSet(t.db, { offerId: b.id, ...slot("19:00", "23:00", "main STAGE") }, NOW, organizer()),
    ).rejects.toThrow(/overlaps Alpha/);
    // Back to back is fine.
    await placeSet(t.db, { offerId: b.id, ...slot("21:30", "23:00") }, NOW, organizer());
    // Same time, another stage: fine for another DJ, not for Alpha.
    const c = await approvedDj("u-c", "Charlie");
    await placeSet(t.db, { offerId: c.id, ...slot("20:00", "21:00", "Garden") }, NOW, organizer());
    await expect(
      placeSet(t.db, { offerId: a.id, ...slot("21:00", "22:00", "Roof") }, NOW, organizer()),
    ).rejects.toThrow(/Alpha already plays on Main stage/);
  });

  it("lets only one of two overlapping placements in when they arrive at once", async () => {
    const d = await approvedDj("u-d", "Delta");
    const e = await approvedDj("u-e", "Echo");
    const slot = { startsAt: at("2026-12-06T20:00:00Z"), endsAt: at("2026-12-06T22:00:00Z"), stage: "Race" };
    const results = await Promise.allSettled([
      placeSet(t.db, { offerId: d.id, ...slot }, NOW, organizer()),
      placeSet(t.db, { offerId: e.id, ...slot }, NOW, organizer()),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await t.db.djStage.findUniqueOrThrow({ where: { name: "Race" } })).sets).toBe(1);
  });

  it("refuses slots that end before they start, run too long or are over", async () => {
    const f = await approvedDj("u-f", "Foxtrot");
    const place = (s: string, e: string) =>
      placeSet(t.db, { offerId: f.id, startsAt: at(s), endsAt: at(e), stage: "Checks" }, NOW, organizer());
    await expect(place("2026-12-07T22:00:00Z", "2026-12-07T21:00:00Z")).rejects.toThrow(/end after it starts/);
    await expect(place("2026-12-07T08:00:00Z", "2026-12-07T21:00:00Z")).rejects.toThrow(/at most 12 hours/);
    await expect(place("2026-11-07T20:00:00Z", "2026-11-07T21:00:00Z")).rejects.toThrow(/already ended/);
  });

  it("tells the DJ their slot and counts sets and minutes", async () => {
    const g = await approvedDj("u-g", "Golf");
    const before = await readMetrics(t.db);
    const set = await placeSet(
      t.db,
      { offerId: g.id, startsAt: at("2026-12-08T20:00:00Z"), endsAt: at("2026-12-08T21:45:00Z") },
      NOW,
      organizer(),
    );
    const after = await readMetrics(t.db);
    expect(after.lineup_sets - before.lineup_sets).toBe(1);
    expect(after.lineup_minutes - before.lineup_minutes).toBe(105);
    const dm = await t.db.directMessage.findUniqueOrThrow({ where: { dedupeKey: `dj-set:${set.id}:placed` } });
    expect(dm.content).toContain(`<t:${Date.parse("2026-12-08T20:00:00Z") / 1000}:F>`);

    await expect(withdrawSet(t.db, "u-other", set.id, NOW)).rejects.toThrow(/not one of your sets/);
    await withdrawSet(t.db, "u-g", set.id, NOW);
    expect((await readMetrics(t.db)).lineup_minutes).toBe(before.lineup_minutes);
    await expect(withdrawSet(t.db, "u-g", set.id, NOW)).rejects.toThrow(/already out/);
  });

  it("reads slots in the campaign zone, with the end as a time or a length", () => {
    const slot = parseSlot("2026-12-05 20:00", "90", "America/Los_Angeles", NOW);
    expect(slot.startsAt.toISOString()).toBe("2026-12-06T04:00:00.000Z");
    expect(slot.endsAt.toISOString()).toBe("2026-12-06T05:30:00.000Z");
    expect(parseSlot("2026-12-05 20:00", "2026-12-05 23:00", "UTC", NOW).endsAt.toISOString()).toBe(
      "2026-12-05T23:00:00.000Z",
    );
    expect(() => parseSlot("whenever", "90", "UTC", NOW)).toThrow(/could not read/);
  });

  it("shows a day, finds the set playing now, and exposes cheap counts", async () => {
    const day = await lineup(t.db, { from: at("2026-12-05T00:00:00Z"), to: at("2026-12-06T00:00:00Z") }, NOW);
    expect(day.map((s) => s.offer.djName)).toEqual(["Charlie", "Alpha", "Bravo"]); // same start: by stage name
    const now = await currentOrNextSet(t.db, at("2026-12-05T21:40:00Z"));
    expect(now?.offer.djName).toBe("Bravo");
    const counts = await lineupCounts(t.db);
    const metrics = await readMetrics(t.db);
    expect(counts).toMatchObject({
      sets: metrics.lineup_sets,
      minutes: metrics.lineup_minutes,
      approvedDjs: metrics.djs_approved,
    });
    expect(counts.approvedWithoutSet).toBeGreaterThan(0); // Foxtrot, Golf, Echo or Delta wait for a slot
    expect(counts.sets).toBe(await t.db.djSet.count({ where: { status: "scheduled" } }));
  });
});
