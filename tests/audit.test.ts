// The audit trail against a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL): every organizer action,
// driven through its service as the command would, writes exactly one row naming the organizer, the kind and the
// subject; an action that fails (a refusal, or a crash inside its transaction) writes none; pages are newest first,
// filters by member and kind work, the CSV export is complete and safe in a spreadsheet, and forgetting a member
// leaves no row naming them.
import { parse } from "csv-parse/sync";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../src/db/client.js";
import { UserError } from "../src/errors.js";
import {
  AUDIT_CSV_HEADER,
  AUDIT_KINDS,
  auditCsvRows,
  auditPage,
  checkFilter,
  FORMER_MEMBER,
  forgetAuditMember,
  recordAudit,
  type AuditKind,
} from "../src/services/audit.js";
import {
  addDonation,
  pausePosting,
  requireCampaign,
  resumePosting,
  setRaisedTotal,
  setupCampaign,
} from "../src/services/campaign.js";
import { cardData } from "../src/services/cardData.js";
import { csvStream } from "../src/services/csv.js";
import { createOffer, reviewOffer } from "../src/services/djs.js";
import { cancelImport, confirmImport, previewImport } from "../src/services/donationImports.js";
import { cancelEvent, createEvent, editEvent } from "../src/services/events.js";
import { placeSet } from "../src/services/lineup.js";
import { readMetrics } from "../src/services/metrics.js";
import { addMilestone, removeMilestone } from "../src/services/milestones.js";
import { answerRsvp, removeRsvp } from "../src/services/rsvps.js";
import { checkInMember, markNoShow } from "../src/services/shiftCheckins.js";
import type { ShiftConfig } from "../src/services/shiftCore.js";
import { addShift, editShift, removeShift } from "../src/services/shifts.js";
import { queueTweet, requeueFailedTweet } from "../src/services/tweetOutbox.js";
import { claimShift } from "../src/services/volunteers.js";
import { auditLine } from "../src/discord/views/audit.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

const NOW = new Date("2026-11-29T12:00:00Z");
const MIN = 60_000;
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MIN);
const ADA = organizer("300000000000000001", "Ada the organizer");
const BEN = organizer("300000000000000002", "Ben");
const MEMBER = "400000000000000001";
const DJ = "400000000000000002";
const SETTINGS = { timeZone: "UTC", reminderHours: [24] };
const SHIFTS: ShiftConfig = {
  SHIFT_DROP_CUTOFF_HOURS: 24,
  SHIFT_REMINDER_HOURS: [24],
  CAMPAIGN_TIMEZONE: "UTC",
  MAX_SHIFTS_PER_VOLUNTEER: undefined,
};
const offerForm = (djName: string) => ({
  djName,
  genres: "disco",
  minutes: "60",
  links: "https://example.com/mix",
  note: "",
});

let t: TestDb;
let db: Db;
beforeAll(async () => {
  t = await freshDb();
  db = t.db;
});
afterAll(() => t.close());

const count = () => db.auditEntry.count();
const newest = async () => (await db.auditEntry.findMany({ orderBy: { id: "desc" }, take: 1 }))[0]!;

/** Runs one organizer action and checks that it wrote exactly one row, of this kind, by this organizer. */
async function one<T>(kind: AuditKind, action: () => Promise<T>, actor = ADA): Promise<T> {
  const before = await count();
  const result = await action();
  expect(await count(), kind).toBe(before + 1);
  const row = await newest();
  expect(row, kind).toMatchObject({ kind, actorId: actor.id, actorName: actor.name });
  return result;
}

/** Runs an action that must fail, and checks that it left no row. */
async function none(action: () => Promise<unknown>, error: RegExp | typeof UserError = UserError): Promise<void> {
  const before = await count();
  await expect(action()).rejects.toThrow(error);
  expect(await count()).toBe(before);
}

describe("every organizer action writes one row, in its own transaction", () => {
  it("campaign setup, money, imports, milestones, pause and resume, retry", async () => {
    await none(() => setRaisedTotal(db, 100, ADA, null, NOW), /no campaign yet/);
    await one("campaign.setup", () =>
      setupCampaign(db, { name: "Dance party", goalCents: 2_000_000, userId: ADA.id }, NOW, ADA),
    );
    expect(JSON.parse((await newest()).after!)).toMatchObject({ name: "Dance party", goalCents: 2_000_000 });
    expect((await newest()).before).toBeNull();
    await one(
      "campaign.setup",
      () => setupCampaign(db, { name: "Dance party", goalCents: 3_000_000, userId: BEN.id }, NOW, BEN),
      BEN,
    );
    expect(JSON.parse((await newest()).before!)).toEqual({ goalCents: 2_000_000 });
    expect(JSON.parse((await newest()).after!)).toEqual({ goalCents: 3_000_000 });

    await one("money.raised", () => setRaisedTotal(db, 50_000, ADA, "from the page", NOW));
    expect(JSON.parse((await newest()).after!)).toEqual({ raisedCents: 50_000, note: "from the page" });
    await one("money.donation", () => addDonation(db, 2_500, ADA, null, NOW));
    expect(JSON.parse((await newest()).before!)).toEqual({ raisedCents: 50_000 });
    // Refused after the total moved inside the transaction: the total and the trail both roll back.
    await none(() => addDonation(db, 2_147_450_000, ADA, null, NOW), /21,474,836.47/);
    expect((await readMetrics(db)).raised_cents).toBe(52_500);

    const rows = await count();
    const csv = "date,name,amount,currency,id\n2026-11-01,Zoe,5,USD,a1\n2026-11-02,Yan,7,USD,a2\n";
    const preview = await previewImport(db, { text: csv, fileName: "gf.csv", userId: ADA.id, timeZone: "UTC" }, NOW);
    expect(await count()).toBe(rows); // a preview changes nothing, so it is no action
    await one("money.import", () => confirmImport(db, preview.importId, NOW, ADA));
    expect(JSON.parse((await newest()).after!)).toMatchObject({ added: 2, addedCents: 1_200 });
    await none(() => confirmImport(db, preview.importId, NOW, ADA), /already confirmed/);
    const other = await previewImport(
      db,
      { text: csv.replace(/a1/, "b1").replace(/a2/, "b2"), fileName: "gf2.csv", userId: ADA.id, timeZone: "UTC" },
      NOW,
    );
    await one("money.import_cancel", () => cancelImport(db, other.importId, NOW, ADA));
    expect(await cancelImport(db, other.importId, NOW, ADA)).toBe(false);
    expect(await count()).toBe(rows + 2); // the second press changed nothing: no row

    const m = await one("milestone.add", () =>
      addMilestone(
        db,
        { metric: "volunteers", threshold: 40, userId: ADA.id, allowLinks: false, currency: "USD" },
        NOW,
        ADA,
      ),
    );
    await none(() =>
      addMilestone(
        db,
        { metric: "volunteers", threshold: 40, userId: ADA.id, allowLinks: false, currency: "USD" },
        NOW,
        ADA,
      ),
    );
    await one("milestone.remove", () => removeMilestone(db, m.id, NOW, ADA, "USD"));
    await none(() => removeMilestone(db, m.id, NOW, ADA, "USD"), /no longer exists/);

    await one("posting.pause", () => pausePosting(db, ADA, NOW));
    expect(await pausePosting(db, ADA, NOW)).toBe(false); // already paused: nothing done, nothing recorded
    expect(await pausePosting(db, "auth", NOW)).toBe(false);
    const before = await count();
    await one("posting.resume", () => resumePosting(db, NOW, ADA));
    expect(await pausePosting(db, "auth", NOW)).toBe(true); // the outbox pausing itself is no organizer's action
    expect(await count()).toBe(before + 1);

    const campaign = await requireCampaign(db);
    await queueTweet(
      db,
      {
        dedupeKey: "audit:1",
        kind: "digest",
        text: "A digest",
        altText: "A card",
        card: cardData(campaign, await readMetrics(db)),
        announce: false,
      },
      NOW,
    );
    const tweet = (await db.tweetOutbox.findFirstOrThrow({ where: { dedupeKey: "audit:1" } })).id;
    expect(await requeueFailedTweet(db, tweet, NOW, 24, ADA)).toBeNull(); // not failed: no action, no row
    expect(await count()).toBe(before + 1);
    await db.tweetOutbox.update({ where: { id: tweet }, data: { status: "failed", lastError: "X said no" } });
    await one("post.retry", () => requeueFailedTweet(db, tweet, NOW, 24, ADA));
    expect(await newest()).toMatchObject({ subjectType: "post", subjectId: String(tweet) });
  });

  it("events: create, edit, capacity, answer removal, cancel", async () => {
    await none(() =>
      createEvent(db, { name: "Past", starts: "2020-01-01 20:00", createdBy: ADA.id, now: NOW }, SETTINGS, ADA),
    );
    const event = await one("event.create", () =>
      createEvent(
        db,
        { name: "The party", starts: "2026-12-05 20:00", capacity: 1, createdBy: ADA.id, now: NOW },
        SETTINGS,
        ADA,
      ),
    );
    expect(await newest()).toMatchObject({
      subjectType: "event",
      subjectId: String(event.id),
      subjectLabel: "The party",
    });

    await one("event.edit", () => editEvent(db, event.id, { name: "The big party", now: NOW }, SETTINGS, ADA));
    expect(JSON.parse((await newest()).before!)).toEqual({ name: "The party" });
    expect(JSON.parse((await newest()).after!)).toEqual({ name: "The big party" });
    await none(() => editEvent(db, event.id, { now: NOW }, SETTINGS, ADA), /Nothing to change/);

    const answer = (userId: string) =>
      answerRsvp(db, {
        eventId: event.id,
        userId,
        displayName: userId,
        answer: "going",
        guests: 0,
        now: NOW,
        maxGuests: 2,
      });
    const rows = await count();
    await answer(MEMBER);
    await answer("400000000000000009"); // waitlisted: one seat
    expect(await count()).toBe(rows); // members' own answers are not organizer actions

    await one("event.capacity", () => editEvent(db, event.id, { capacity: 2, now: NOW }, SETTINGS, ADA));
    expect(JSON.parse((await newest()).after!)).toEqual({ capacity: 2, promoted: 1 });

    await one("rsvp.remove", () => removeRsvp(db, { eventId: event.id, userId: MEMBER, now: NOW }, ADA));
    expect(await newest()).toMatchObject({ memberId: MEMBER, subjectType: "event" });
    expect(JSON.parse((await newest()).before!)).toEqual({ answer: "going", guests: 0 });
    await none(
      () => removeRsvp(db, { eventId: event.id, userId: MEMBER, now: NOW }, ADA),
      /no answer|nothing to remove/,
    );

    await one("event.cancel", () => cancelEvent(db, event.id, { reason: "Rain", now: NOW, timeZone: "UTC" }, ADA));
    expect(JSON.parse((await newest()).after!)).toMatchObject({ status: "cancelled", reason: "Rain" });
    await none(() => cancelEvent(db, event.id, { now: NOW, timeZone: "UTC" }, ADA), /already cancelled/);
  });

  it("shifts: add, edit, check-in, no-show, remove", async () => {
    await none(() =>
      addShift(
        db,
        { roleName: "Door", startsAt: at(-60), endsAt: at(60), capacity: 2, createdBy: ADA.id, now: NOW },
        ADA,
      ),
    );
    const shift = await one("shift.create", () =>
      addShift(
        db,
        { roleName: "Door", startsAt: at(20), endsAt: at(140), capacity: 2, createdBy: ADA.id, now: NOW },
        ADA,
      ),
    );
    expect((await newest()).subjectLabel).toBe("Door shift, 2026-11-29 12:20 UTC");

    await one("shift.edit", () => editShift(db, SHIFTS, { shiftId: shift.id, capacity: 3, now: NOW }, ADA));
    expect(JSON.parse((await newest()).before!)).toEqual({ capacity: 2 });
    await claimShift(db, SHIFTS, shift.id, { userId: MEMBER, userName: "Mia", roleIds: [] }, NOW);
    await none(() => editShift(db, SHIFTS, { shiftId: shift.id, capacity: 0, now: NOW }, ADA));

    await one("shift.checkin", () => checkInMember(db, shift.id, MEMBER, at(25), ADA));
    expect(await newest()).toMatchObject({ memberId: MEMBER, subjectType: "shift", subjectId: String(shift.id) });
    await none(() => checkInMember(db, shift.id, MEMBER, at(26), ADA), /Already checked in/);
    await one("shift.noshow", () => markNoShow(db, shift.id, MEMBER, at(30), BEN), BEN);
    expect(JSON.parse((await newest()).after!)).toEqual({ noShow: true, minutesTakenBack: 120 });
    await none(() => markNoShow(db, shift.id, MEMBER, at(31), BEN), /Already recorded/);

    await one("shift.delete", () => removeShift(db, shift.id, NOW, ADA));
    expect(JSON.parse((await newest()).before!)).toMatchObject({ role: "Door", holders: 1 });
    await none(() => removeShift(db, shift.id, NOW, ADA));
  });

  it("DJs: approve, decline, place in the lineup", async () => {
    const offer = await createOffer(db, DJ, offerForm("DJ Lumen"), NOW);
    await one("dj.approve", () => reviewOffer(db, offer.id, "approve", NOW, ADA));
    expect(await newest()).toMatchObject({
      subjectType: "offer",
      memberId: DJ,
      subjectLabel: `DJ offer #${offer.id} (DJ Lumen)`,
    });
    await none(() => reviewOffer(db, offer.id, "decline", NOW, BEN), /already approved/);
    const second = await createOffer(db, "400000000000000003", offerForm("DJ Two"), NOW);
    await one("dj.decline", () => reviewOffer(db, second.id, "decline", NOW, BEN), BEN);

    const set = await one("lineup.place", () =>
      placeSet(db, { offerId: offer.id, startsAt: at(600), endsAt: at(660), stage: "Main" }, NOW, ADA),
    );
    expect(await newest()).toMatchObject({ subjectType: "set", subjectId: String(set.id), memberId: DJ });
    await none(() => placeSet(db, { offerId: offer.id, startsAt: at(630), endsAt: at(700), stage: "Main" }, NOW, ADA));
    await none(() => placeSet(db, { offerId: second.id, startsAt: at(800), endsAt: at(860), stage: "Main" }, NOW, ADA));
  });

  it("a crash after the row was written in the transaction leaves no row", async () => {
    const before = await count();
    await expect(
      db.$transaction(async (tx) => {
        await recordAudit(tx, ADA, NOW, {
          kind: "event.edit",
          subject: { type: "event", id: 1, label: "x" },
        });
        throw new Error("crash");
      }),
    ).rejects.toThrow("crash");
    expect(await count()).toBe(before);
  });

  it("has a kind for every organizer command listed above, and only those", async () => {
    const kinds = (await db.auditEntry.findMany({ select: { kind: true }, distinct: ["kind"] })).map((r) => r.kind);
    // member.forget belongs to the privacy commands (forget on behalf), written there.
    expect(kinds.sort()).toEqual(
      Object.keys(AUDIT_KINDS)
        .filter((k) => k !== "member.forget")
        .sort(),
    );
  });
});

describe("reading the trail", () => {
  let page: TestDb;
  beforeAll(async () => {
    page = await freshDb();
    // 25 rows, one a minute: Ada's even ones, Ben's odd ones; every third concerns MEMBER.
    for (let i = 0; i < 25; i++) {
      await page.db.$transaction((tx) =>
        recordAudit(tx, i % 2 ? BEN : ADA, at(i), {
          kind: i % 3 ? "event.edit" : "rsvp.remove",
          subject: { type: "event", id: 1, label: `Edit ${i}` },
          memberId: i % 3 ? null : MEMBER,
          before: { n: i - 1 },
          after: { n: i },
        }),
      );
    }
  });
  afterAll(() => page.close());

  it("pages newest first, with a next page while there is one", async () => {
    const first = await auditPage(page.db, {}, 0, 10);
    expect(first.rows.map((r) => r.subjectLabel)).toEqual(
      [24, 23, 22, 21, 20, 19, 18, 17, 16, 15].map((i) => `Edit ${i}`),
    );
    expect(first.hasNext).toBe(true);
    const last = await auditPage(page.db, {}, 2, 10);
    expect(last.rows.map((r) => r.subjectLabel)).toEqual([4, 3, 2, 1, 0].map((i) => `Edit ${i}`));
    expect(last.hasNext).toBe(false);
    expect((await auditPage(page.db, {}, 3, 10)).rows).toEqual([]);
  });

  it("filters by member (acting or concerned) and by kind", async () => {
    const bens = await auditPage(page.db, { memberId: BEN.id }, 0, 50);
    expect(bens.rows).toHaveLength(12);
    expect(bens.rows.every((r) => r.actorId === BEN.id)).toBe(true);
    const about = await auditPage(page.db, { memberId: MEMBER }, 0, 50);
    expect(about.rows.map((r) => r.subjectLabel)).toEqual([24, 21, 18, 15, 12, 9, 6, 3, 0].map((i) => `Edit ${i}`));
    const removals = await auditPage(page.db, { kind: "rsvp.remove" }, 0, 50);
    expect(removals.rows).toHaveLength(9);
    const both = await auditPage(page.db, { kind: "rsvp.remove", memberId: ADA.id }, 0, 50);
    expect(both.rows.map((r) => r.subjectLabel)).toEqual([24, 18, 12, 6, 0].map((i) => `Edit ${i}`));
  });

  it("refuses a forged filter before the database is asked", () => {
    expect(() => checkFilter({ memberId: "1 OR 1=1" })).toThrow(UserError);
    expect(() => checkFilter({ kind: "event.drop" })).toThrow(UserError);
    expect(checkFilter({ memberId: MEMBER, kind: "shift.edit" })).toEqual({ memberId: MEMBER, kind: "shift.edit" });
    expect(checkFilter({})).toEqual({ memberId: null, kind: null });
  });

  it("exports every matching row as CSV, oldest first, safe to open in a spreadsheet", async () => {
    await page.db.$transaction((tx) =>
      recordAudit(tx, organizer("300000000000000003", '=HYPERLINK("https://evil.example","x")'), at(30), {
        kind: "money.raised",
        subject: { type: "campaign", id: 1, label: "+1 party, with a comma" },
        before: { note: "-2" },
        after: { note: "@sum\nnext line" },
      }),
    );
    const all = parse(await text(csvStream(AUDIT_CSV_HEADER, auditCsvRows(page.db, {})))) as string[][];
    expect(all[0]).toEqual(AUDIT_CSV_HEADER);
    expect(all).toHaveLength(27);
    expect(all[1]!.slice(1, 8)).toEqual([at(0).toISOString(), ADA.id, ADA.name, "rsvp.remove", "event", "1", "Edit 0"]);
    expect(all[1]![8]).toBe(MEMBER);
    expect(JSON.parse(all[1]![10]!)).toEqual({ n: 0 });
    const evil = all[26]!;
    expect(evil[3]).toBe(`'=HYPERLINK("https://evil.example","x")`);
    expect(evil[7]).toBe("'+1 party, with a comma");
    expect(evil[10]).toBe('{"note":"@sum\\nnext line"}'); // JSON: begins with {, so no formula; no raw line break
    const filtered = parse(
      await text(csvStream(AUDIT_CSV_HEADER, auditCsvRows(page.db, { kind: "rsvp.remove", memberId: BEN.id }))),
    ) as string[][];
    expect(filtered.slice(1).map((r) => r[7])).toEqual([3, 9, 15, 21].map((i) => `Edit ${i}`));
  });

  it("shows names and labels escaped, with what changed", async () => {
    const [row] = (await auditPage(page.db, { kind: "money.raised" }, 0, 1)).rows;
    const line = auditLine({ ...row!, actorName: "**Eve** <@&1> [link](https://x.example)" });
    expect(line).toContain("\\*\\*Eve\\*\\*");
    expect(line).toContain("\\<@&1");
    expect(line).not.toContain("](https://");
    expect(line).toContain("note \\-2 → @sum");
  });

  it("forgetting a member leaves no row that names them, and keeps the rows", async () => {
    const dj = await freshDb();
    try {
      const mia = organizer("500000000000000001", "Mia Forgettable");
      await dj.db.$transaction(async (tx) => {
        await recordAudit(tx, mia, NOW, { kind: "event.create", subject: { type: "event", id: 1, label: "Party" } });
        await recordAudit(tx, ADA, NOW, {
          kind: "dj.approve",
          subject: { type: "offer", id: 7, label: "DJ offer #7 (Mia's alias)" },
          memberId: mia.id,
        });
        await recordAudit(tx, ADA, NOW, {
          kind: "member.forget",
          subject: { type: "member", id: mia.id, label: mia.name },
        });
      });
      expect(await dj.db.$transaction((tx) => forgetAuditMember(tx, mia.id))).toBe(4);
      const rows = await dj.db.auditEntry.findMany({ orderBy: { id: "asc" } });
      expect(rows).toHaveLength(3);
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(mia.id);
      expect(dump).not.toContain("Mia");
      expect(rows[0]).toMatchObject({ actorName: FORMER_MEMBER, kind: "event.create" });
      expect(rows[2]).toMatchObject({ subjectLabel: FORMER_MEMBER, actorName: ADA.name });
    } finally {
      await dj.close();
    }
  });
});
