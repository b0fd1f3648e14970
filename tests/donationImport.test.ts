// /campaign import's rules: each export recognised by its header row, malformed rows refused with their line
// numbers, names kept only for donors who did not ask to stay anonymous, and an import applied once: the same
// file twice adds nothing, a preview confirmed twice writes once. Real database, the test's own clock.
import fs from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setupCampaign } from "../src/services/campaign.js";
import { parseDonationCsv } from "../src/services/donationCsv.js";
import { cancelImport, confirmImport, previewImport } from "../src/services/donationImports.js";
import { ledgerTotal } from "../src/services/donations.js";
import { readMetrics } from "../src/services/metrics.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

const NOW = new Date("2026-11-29T12:00:00Z");
const fixture = (name: string) => fs.readFileSync(`tests/fixtures/imports/${name}`, "utf8");
const opts = { currency: "USD", timeZone: "America/New_York", now: NOW };

describe("reading exports", () => {
  it("GoFundMe: amounts with $ and thousands, anonymous donors unnamed, refunded left out, bad rows refused by line", () => {
    const p = parseDonationCsv(fixture("gofundme.csv"), opts);
    expect(p.source).toBe("gofundme");
    expect(p.rows.map((r) => [r.line, r.sourceId, r.amountCents, r.currency, r.donorName, r.message])).toEqual([
      [2, "gfm-1001", 5_000, "USD", "Maya Lopez", "Keep dancing!"],
      [3, "gfm-1002", 125_000, "USD", null, null],
      [4, "gfm-1003", 2_500, "USD", "Ines M.", null],
      [7, "gfm-1006", 3_000, "EUR", "Ravi Shah", "He danced at our wedding, too"],
    ]);
    expect(p.skipped).toEqual([{ line: 5, reason: "status refunded" }]);
    expect(p.refused).toEqual([{ line: 6, reason: 'amount "forty" is not a number such as 25, 25.00 or 1,000.50' }]);
    // "2026-11-20 09:15:00" is read in the campaign's zone (New York, UTC-5 in November).
    expect(p.rows[0]!.receivedAt).toBe("2026-11-20T14:15:00.000Z");
  });

  it("Givebutter: its transaction ids, failed and refunded left out, an offset honoured, a bad date refused", () => {
    const p = parseDonationCsv(fixture("givebutter.csv"), opts);
    expect(p.source).toBe("givebutter");
    expect(p.rows.map((r) => [r.line, r.sourceId, r.amountCents, r.donorName, r.receivedAt])).toEqual([
      [2, "tx_8f2k1", 10_000, "Chloe Dubois", "2026-11-19T16:05:00.000Z"],
      [3, "tx_8f2k2", 2_000, null, "2026-11-19T17:20:00.000Z"],
      [7, "tx_8f2k6", 25_000, "Finn Moss", "2026-11-21T17:00:00.000Z"],
    ]);
    expect(p.skipped).toEqual([
      { line: 4, reason: "status failed" },
      { line: 5, reason: "refunded" },
    ]);
    expect(p.refused).toEqual([
      { line: 6, reason: 'date "not a date" is not a date such as 2026-11-20, 2026-11-20 14:30 or 11/20/2026' },
    ]);
  });

  it("Donorbox: US dates with AM/PM, its anonymity column", () => {
    const p = parseDonationCsv(fixture("donorbox.csv"), opts);
    expect(p.source).toBe("donorbox");
    expect(p.rows.map((r) => [r.sourceId, r.amountCents, r.donorName, r.receivedAt])).toEqual([
      ["db-77", 4_500, "Grace Kim", "2026-11-18T19:30:00.000Z"],
      ["db-78", 1_500, null, "2026-11-18T20:00:00.000Z"],
    ]);
    expect(p.skipped).toEqual([{ line: 4, reason: "status refunded" }]);
  });

  it("plain files: two identical rows are two donations, with ids stable across reads", () => {
    const p = parseDonationCsv(fixture("plain.csv"), opts);
    expect(p.source).toBe("csv");
    expect(p.rows.map((r) => r.amountCents)).toEqual([31_250, 31_250, 100_000, 2_000]);
    expect(new Set(p.rows.map((r) => r.sourceId)).size).toBe(4);
    expect(parseDonationCsv(fixture("plain.csv"), opts).rows.map((r) => r.sourceId)).toEqual(
      p.rows.map((r) => r.sourceId),
    );
  });

  it("refuses what it cannot read, in words", () => {
    expect(() => parseDonationCsv("when,who,how much\n2026-11-01,a,1\n", opts)).toThrow(/header row/);
    expect(() => parseDonationCsv("", opts)).toThrow(/empty/);
    expect(() => parseDonationCsv('date,name,amount\n2026-11-01,"unclosed,5\n', opts)).toThrow(/not valid CSV/);
    const future = parseDonationCsv(
      "date,name,amount,currency,id\n2027-01-01,Later,5,USD,x\n2026-11-01,Ok,5,XYZ,y\n2026-11-01,Ok,-5,USD,z\n2026-11-01,Dup,5,USD,w\n2026-11-01,Dup,6,USD,w\n",
      opts,
    );
    expect(future.refused.map((r) => [r.line, r.reason.replace(/".*"/, "…")])).toEqual([
      [2, "date 2027-01-01 is in the future"],
      [3, "currency … is not a three-letter code such as USD"],
      [4, "amount … is not a number such as 25, 25.00 or 1,000.50"],
      [6, "id w appears twice in the file"],
    ]);
  });
});

describe("importing", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    for (const table of [
      "donation",
      "donationImport",
      "directMessage",
      "tweetOutbox",
      "milestone",
      "campaign",
      "metric",
    ] as const) {
      await (t.db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
    }
    await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: "1" }, NOW, organizer());
  });

  const raised = async () => (await readMetrics(t.db)).raised_cents;

  it("previews, confirms once, and the same file again adds nothing", async () => {
    const text = fixture("gofundme.csv");
    const preview = await previewImport(t.db, { text, fileName: "gofundme.csv", userId: "1", timeZone: "UTC" }, NOW);
    expect(preview).toMatchObject({
      source: "gofundme",
      rows: 4,
      newRows: 4,
      alreadyImported: 0,
      newCents: 132_500,
      otherCurrencies: ["EUR"],
    });
    expect(await raised()).toBe(0); // a preview changes nothing
    const result = await confirmImport(t.db, preview.importId, NOW, organizer());
    expect(result).toMatchObject({ added: 4, alreadyImported: 0, addedCents: 132_500, totalCents: 132_500 });
    await expect(confirmImport(t.db, preview.importId, NOW, organizer())).rejects.toThrow(/already confirmed/);

    const again = await previewImport(t.db, { text, fileName: "gofundme.csv", userId: "1", timeZone: "UTC" }, NOW);
    expect(again).toMatchObject({ newRows: 0, alreadyImported: 4, newCents: 0 });
    expect(await confirmImport(t.db, again.importId, NOW, organizer())).toMatchObject({
      added: 0,
      alreadyImported: 4,
      addedCents: 0,
      totalCents: 132_500,
    });
    expect(await raised()).toBe(132_500);
    expect(await ledgerTotal(t.db)).toBe(132_500);
    expect(await t.db.donation.count()).toBe(4);
    // The organizer is told about EUR once.
    expect(await t.db.directMessage.count({ where: { dedupeKey: "donation-currency:EUR" } })).toBe(1);
  });

  it("two organizers confirming at once write the rows once", async () => {
    const preview = await previewImport(
      t.db,
      { text: fixture("givebutter.csv"), fileName: "gb.csv", userId: "1", timeZone: "UTC" },
      NOW,
    );
    const results = await Promise.allSettled([
      confirmImport(t.db, preview.importId, NOW, organizer()),
      confirmImport(t.db, preview.importId, NOW, organizer()),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await raised()).toBe(37_000);
  });

  it("a crossing fires its milestone once; a cancelled or stale preview writes nothing", async () => {
    const big = "date,name,amount,currency,id\n2026-11-01,Gala,12000,USD,g1\n";
    const p = await previewImport(t.db, { text: big, fileName: "gala.csv", userId: "1", timeZone: "UTC" }, NOW);
    await confirmImport(t.db, p.importId, NOW, organizer());
    expect((await t.db.tweetOutbox.findMany()).map((r) => r.text)).toEqual([expect.stringMatching(/50% of the goal/)]);
    const c = await previewImport(
      t.db,
      {
        text: "date,name,amount,currency,id\n2026-11-01,X,5,USD,c1\n",
        fileName: "c.csv",
        userId: "1",
        timeZone: "UTC",
      },
      NOW,
    );
    expect(await cancelImport(t.db, c.importId, NOW, organizer())).toBe(true);
    await expect(confirmImport(t.db, c.importId, NOW, organizer())).rejects.toThrow(/already confirmed or cancelled/);
    const s = await previewImport(
      t.db,
      {
        text: "date,name,amount,currency,id\n2026-11-01,X,5,USD,s1\n",
        fileName: "s.csv",
        userId: "1",
        timeZone: "UTC",
      },
      NOW,
    );
    await expect(confirmImport(t.db, s.importId, new Date(NOW.getTime() + 2 * 3_600_000), organizer())).rejects.toThrow(
      /more than an hour old/,
    );
    expect(await raised()).toBe(1_200_000);
  });
});
