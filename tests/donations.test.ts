// The donation ledger on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): each delivery writes
// its row and moves raised_cents in one transaction, replays change nothing, milestones fire once, another
// currency is recorded but not added, and the ledger's counted rows always add up to the total.
import fs from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addDonation, setRaisedTotal, setupCampaign } from "../src/services/campaign.js";
import { verifyKofi } from "../src/services/donationSources/kofi.js";
import { verifyStandardWebhook } from "../src/services/donationSources/standard.js";
import { verifyStripe } from "../src/services/donationSources/stripe.js";
import { createDonationBatcher } from "../src/services/donationBatcher.js";
import {
  latestDonations,
  ledgerTotal,
  NoCampaignError,
  recordDonation,
  sourceTotals,
  type DonationInput,
} from "../src/services/donations.js";
import { readMetrics } from "../src/services/metrics.js";
import {
  checkoutSession,
  kofiRequest,
  newStandardSecret,
  refundedCharge,
  standardRequest,
  stripeRequest,
} from "../src/sandbox/donations.js";
import { freshDb, testPostgresUrl, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t.close());

const ORGANIZER = "100000000000000001";
// The test's own clock: every rule here takes `now` from its caller.
const NOW = new Date("2026-11-29T12:00:00Z");
const STRIPE_SECRET = "whsec_ledger_test";
const KOFI_TOKEN = "kofi-ledger-token";
const STANDARD_SECRET = newStandardSecret();

const raised = async () => (await readMetrics(t.db)).raised_cents;
const donation = (over: Partial<DonationInput> = {}): DonationInput => ({
  source: "webhook",
  sourceId: "d-1",
  amountCents: 2_500,
  currency: "USD",
  public: true,
  donorName: "Lee",
  ...over,
});

beforeEach(async () => {
  for (const table of [
    "donation",
    "directMessage",
    "tweetOutbox",
    "milestone",
    "campaignAmountChange",
    "campaign",
    "metric",
  ] as const) {
    await (t.db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
});

describe("without a campaign", () => {
  it("stores nothing, so the sender retries once the campaign is set up", async () => {
    await expect(recordDonation(t.db, donation(), NOW)).rejects.toBeInstanceOf(NoCampaignError);
    expect(await t.db.donation.count()).toBe(0);
    expect(await raised()).toBe(0);
  });
});

describe("deliveries", () => {
  beforeEach(async () => {
    await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: ORGANIZER }, NOW, organizer());
  });

  it("one row and one move of the total per delivery; a replay changes nothing", async () => {
    const first = await recordDonation(t.db, donation(), NOW, { thank: true });
    expect(first).toMatchObject({ status: "recorded", counted: true, amountCents: 2_500, totalCents: 2_500 });
    expect(await recordDonation(t.db, donation(), NOW, { thank: true })).toEqual({ status: "duplicate" });
    // The same id from another source is another donation.
    expect(await recordDonation(t.db, donation({ source: "kofi" }), NOW)).toMatchObject({ status: "recorded" });
    expect(await raised()).toBe(5_000);
    const rows = await t.db.donation.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.source, r.sourceId, r.amountCents, r.thanks])).toEqual([
      ["webhook", "d-1", 2_500, "pending"],
      ["kofi", "d-1", 2_500, "none"],
    ]);
  });

  it("keeps the name and message only for a public donor", async () => {
    await recordDonation(t.db, donation({ sourceId: "p", donorName: "Pat", message: "hi" }), NOW);
    await recordDonation(t.db, donation({ sourceId: "q", public: false, donorName: "Quinn", message: "secret" }), NOW);
    const rows = await t.db.donation.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.donorName, r.message])).toEqual([
      ["Pat", "hi"],
      [null, null],
    ]);
  });

  it("fires the milestone at the crossing once, and a refund takes money back", async () => {
    await recordDonation(t.db, donation({ sourceId: "big", amountCents: 1_050_000 }), NOW);
    await recordDonation(t.db, donation({ sourceId: "big", amountCents: 1_050_000 }), NOW);
    const posts = await t.db.tweetOutbox.findMany();
    expect(posts).toHaveLength(1); // 50% (25% passed over), once
    expect(posts[0]!.text).toMatch(/50% of the goal/);
    await recordDonation(
      t.db,
      donation({ sourceId: "refund:big", amountCents: -50_000, refundOf: "big", public: false }),
      NOW,
    );
    expect(await raised()).toBe(1_000_000);
    expect(await ledgerTotal(t.db)).toBe(1_000_000);
    expect(await t.db.tweetOutbox.count()).toBe(1);
  });

  it("records another currency without adding it, and tells the organizer once per currency", async () => {
    await recordDonation(t.db, donation({ sourceId: "e1", currency: "EUR" }), NOW);
    await recordDonation(t.db, donation({ sourceId: "e2", currency: "eur" }), NOW);
    await recordDonation(t.db, donation({ sourceId: "g1", currency: "GBP" }), NOW);
    expect(await raised()).toBe(0);
    const rows = await t.db.donation.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.currency, r.counted])).toEqual([
      ["EUR", false],
      ["EUR", false],
      ["GBP", false],
    ]);
    const dms = await t.db.directMessage.findMany({ orderBy: { id: "asc" } });
    expect(dms.map((d) => [d.dedupeKey, d.userId])).toEqual([
      ["donation-currency:EUR", ORGANIZER],
      ["donation-currency:GBP", ORGANIZER],
    ]);
    expect(dms[0]!.content).toMatch(/counts USD, so it is recorded but not added/);
    const totals = await sourceTotals(t.db);
    expect(totals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: "webhook", currency: "EUR", counted: false, totalCents: 5_000, count: 2 }),
      ]),
    );
  });

  it("a Stripe charge refunded without its list takes back only what earlier events did not", async () => {
    const session = stripeRequest(
      "checkout.session.completed",
      checkoutSession({ sessionId: "cs_r", amountCents: 5_000 }, NOW),
      STRIPE_SECRET,
      NOW,
    );
    const partial = stripeRequest(
      "charge.refunded",
      { ...refundedCharge("ch_r", 5_000, null), amount_refunded: 1_000 },
      STRIPE_SECRET,
      NOW,
    );
    const full = stripeRequest("charge.refunded", refundedCharge("ch_r", 5_000, null), STRIPE_SECRET, NOW);
    for (const r of [session, partial, partial, full, full]) {
      for (const d of verifyStripe(Buffer.from(r.body), r.headers, STRIPE_SECRET, NOW).donations)
        await recordDonation(t.db, d, NOW);
    }
    expect(await raised()).toBe(0);
    expect((await t.db.donation.findMany({ orderBy: { id: "asc" } })).map((r) => r.amountCents)).toEqual([
      5_000, -1_000, -4_000,
    ]);
  });

  it("/campaign raised and /campaign donation write the ledger too: its counted rows add up to the total", async () => {
    await recordDonation(t.db, donation({ sourceId: "w" }), NOW);
    await addDonation(t.db, 10_000, organizer(ORGANIZER), "cash", NOW);
    await setRaisedTotal(t.db, 50_000, organizer(ORGANIZER), "from the page", NOW);
    await setRaisedTotal(t.db, 40_000, organizer(ORGANIZER), null, NOW);
    await setRaisedTotal(t.db, 40_000, organizer(ORGANIZER), null, NOW); // no change: no row
    expect(await raised()).toBe(40_000);
    expect(await ledgerTotal(t.db)).toBe(40_000);
    const rows = await latestDonations(t.db);
    expect(rows.map((r) => [r.source, r.amountCents])).toEqual([
      ["adjustment", -10_000],
      ["adjustment", 37_500],
      ["manual", 10_000],
      ["webhook", 2_500],
    ]);
    expect(await t.db.campaignAmountChange.count()).toBe(4); // the audit trail keeps every command
  });
});

describe("the migration", () => {
  it("turns the total kept before the ledger into its opening row, in the campaign's currency", async () => {
    await setupCampaign(
      t.db,
      { name: "A dance party", goalCents: 2_000_000, currency: "EUR", userId: ORGANIZER },
      NOW,
      organizer(),
    );
    await t.db.metric.create({ data: { name: "raised_cents", value: 1_234_500, updatedAt: NOW } });
    // The data statement of the migration, as each database runs it.
    const folder = testPostgresUrl() ? "prisma/postgres/migrations" : "prisma/migrations";
    const sql = fs.readFileSync(`${folder}/20261201235000_donations/migration.sql`, "utf8");
    await t.db.$executeRawUnsafe(sql.slice(sql.indexOf('INSERT INTO "Donation"')).trim().replace(/;$/, ""));
    const rows = await t.db.donation.findMany();
    expect(rows.map((r) => [r.source, r.sourceId, r.amountCents, r.currency, r.counted])).toEqual([
      ["adjustment", "opening-balance", 1_234_500, "EUR", true],
    ]);
    expect(rows[0]!.receivedAt.toISOString()).toBe(NOW.toISOString());
    expect(await ledgerTotal(t.db)).toBe(await raised());
  });
});

describe("a burst from the three sources", () => {
  it("200 deliveries, a third of them repeated, 32 at a time: the exact sum, each milestone once", async () => {
    await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: ORGANIZER }, NOW, organizer());
    const requests: {
      kind: "stripe" | "kofi" | "webhook";
      body: string;
      headers: Record<string, string>;
      cents: number;
    }[] = [];
    for (let i = 0; i < 200; i++) {
      const cents = 5_000 + i * 137; // every amount different, so a lost or doubled one shows in the sum
      const major = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
      if (i % 3 === 0)
        requests.push({
          kind: "stripe",
          cents,
          ...stripeRequest(
            "checkout.session.completed",
            checkoutSession({ sessionId: `cs_burst_${i}`, amountCents: cents }, NOW),
            STRIPE_SECRET,
            NOW,
          ),
        });
      else if (i % 3 === 1)
        requests.push({
          kind: "kofi",
          cents,
          ...kofiRequest({ messageId: `kofi-burst-${i}`, amount: major }, KOFI_TOKEN, NOW),
        });
      else
        requests.push({
          kind: "webhook",
          cents,
          ...standardRequest(
            { type: "donation.created", data: { id: `burst-${i}`, amount: major, currency: "USD" } },
            STANDARD_SECRET,
            NOW,
          ),
        });
    }
    const expected = requests.reduce((s, r) => s + r.cents, 0);
    const deliveries = [...requests, ...requests.filter((_, i) => i % 3 === 0)];
    const verify = (r: (typeof requests)[number]) => {
      const raw = Buffer.from(r.body);
      if (r.kind === "stripe") return verifyStripe(raw, r.headers, STRIPE_SECRET, NOW);
      if (r.kind === "kofi") return verifyKofi(raw, KOFI_TOKEN, NOW);
      return verifyStandardWebhook(raw, r.headers, STANDARD_SECRET, NOW);
    };
    // One transaction per delivery, 32 in flight at a time (as many as the bot answers at once): an unbounded
    // burst of separate transactions would only measure the pool's wait (the webhooks group them instead).
    const outcomes: Awaited<ReturnType<typeof recordDonation>>[] = [];
    const queue = [...deliveries];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          for (const d of verify(r).donations) outcomes.push(await recordDonation(t.db, d, NOW, { thank: true }));
        }
      }),
    );
    const flat = outcomes;
    expect(flat.filter((o) => o.status === "recorded")).toHaveLength(200);
    expect(flat.filter((o) => o.status === "duplicate")).toHaveLength(deliveries.length - 200);
    expect(await raised()).toBe(expected);
    expect(await ledgerTotal(t.db)).toBe(expected);
    expect(await t.db.donation.count()).toBe(200);
    // Every threshold below the total was reached or passed exactly once; each reached one has one post.
    const milestones = await t.db.milestone.findMany({ where: { metric: "raised_cents" } });
    for (const m of milestones) expect(m.status === "open", `${m.threshold}`).toBe(m.threshold > expected);
    const posts = await t.db.tweetOutbox.findMany();
    expect(posts.length).toBe(milestones.filter((m) => m.status === "reached").length);
    expect(new Set(posts.map((p) => p.dedupeKey)).size).toBe(posts.length);
  }, 120_000); // 200 transactions on a loaded machine: room, not a timing

  it("group commit: 200 submitted at once, a third repeated, each caller told its own outcome, the exact sum", async () => {
    await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: ORGANIZER }, NOW, organizer());
    const batcher = createDonationBatcher(t.db, { maxBatch: 50 });
    const inputs = Array.from({ length: 200 }, (_, i) =>
      donation({
        source: (["stripe", "kofi", "webhook"] as const)[i % 3],
        sourceId: `g-${i}`,
        amountCents: 1_000 + i * 3,
      }),
    );
    const all = [...inputs, ...inputs.filter((_, i) => i % 3 === 1)];
    const outcomes = await Promise.all(all.map((d) => batcher.submit(d, NOW)));
    expect(outcomes.slice(0, 200).every((o) => o.status === "recorded")).toBe(true);
    expect(outcomes.slice(200).every((o) => o.status === "duplicate")).toBe(true);
    const expected = inputs.reduce((s, d) => s + d.amountCents, 0);
    expect(await raised()).toBe(expected);
    expect(await ledgerTotal(t.db)).toBe(expected);
    // No campaign: every caller of the batch is refused, nothing stored.
    await t.db.campaign.deleteMany();
    await expect(batcher.submit(donation({ sourceId: "late" }), NOW)).rejects.toBeInstanceOf(NoCampaignError);
    expect(await t.db.donation.count({ where: { sourceId: "late" } })).toBe(0);
  }, 120_000);
});
