// Members own their data (issue 20), against a real database (SQLite, and PostgreSQL with
// `npm run test:postgres`): a member with answers (seated and waitlisted), shifts (one served), a DJ offer
// with a placed set, track requests and votes, DMs, and rows made as an organizer forgets themselves.
// Afterwards no row in any table names them (every text column of every table scanned, from the database's
// own catalogue), every counter equals a recount, the right people moved up, the lineup and the queue are
// consistent, and the export taken before listed every row the forget touched. A forget racing with answers
// to the same event keeps capacity exact. Retention runs on a clock of its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDonation, setupCampaign } from "../src/services/campaign.js";
import { feedLink } from "../src/services/calendarFeeds.js";
import { queueDm } from "../src/services/directMessages.js";
import { createOffer, reviewOffer } from "../src/services/djs.js";
import { createEvent } from "../src/services/events.js";
import { placeSet } from "../src/services/lineup.js";
import {
  FORMER_MEMBER,
  MEMBER_DATA,
  exportJson,
  exportMemberData,
  forgetMember,
  memberCounts,
} from "../src/services/privacy.js";
import { applyRetention } from "../src/services/privacyRetention.js";
import { answerRsvp } from "../src/services/rsvps.js";
import { checkInSelf } from "../src/services/shiftCheckins.js";
import type { ShiftConfig } from "../src/services/shiftCore.js";
import { addShift } from "../src/services/shifts.js";
import { closeRequest, requestTrack, toggleVote } from "../src/services/trackRequests.js";
import { claimShift, joinWaitlist } from "../src/services/volunteers.js";
import { freshDb, type TestDb } from "./support/db.js";
import { counterDifferences, rowKey, rowsNaming } from "./support/memberScan.js";

const H = 3600_000;
const NOW = new Date("2026-10-20T12:00:00Z");
const at = (hours: number) => new Date(NOW.getTime() + hours * H);
const iso = (d: Date) => d.toISOString().slice(0, 16) + "+00:00";
const config: ShiftConfig = {
  SHIFT_DROP_CUTOFF_HOURS: 24,
  SHIFT_REMINDER_HOURS: [24, 2],
  CAMPAIGN_TIMEZONE: "UTC",
  MAX_SHIFTS_PER_VOLUNTEER: undefined,
};
const limits = { REQUEST_COOLDOWN_SECONDS: 0, REQUEST_MAX_OPEN_PER_SET: 5, REQUEST_BLOCKED_WORDS: [] };
const settings = { timeZone: "UTC", reminderHours: [24, 1] };

const ME = "300000000000000001";
const MY_NAME = "Zephyrine Quill";
/** Who did an organizer's action, for the audit trail. */
const actor = (userId: string, name = "Organizer Oona") => ({ id: userId, name });
const id = (n: number) => `40000000000000${String(n).padStart(4, "0")}`;
const [X, W1, W2, Y, V1, V2, V3, DJ2, ORG] = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(id) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t.close());

function answer(
  eventId: number,
  userId: string,
  kind: "going" | "maybe" | "declined",
  guests = 0,
  now = NOW,
  db = t.db,
) {
  return answerRsvp(db, {
    eventId,
    userId,
    displayName: userId === ME ? MY_NAME : `member ${userId.slice(-2)}`,
    answer: kind,
    guests,
    now,
    maxGuests: 5,
  });
}
const member = (userId: string) => ({
  userId,
  userName: userId === ME ? MY_NAME : `volunteer ${userId.slice(-2)}`,
  roleIds: [],
});

describe("a member forgets themselves", () => {
  const ids = {
    full: 0,
    small: 0,
    past: 0,
    mine: 0,
    s1: 0,
    s2: 0,
    s3: 0,
    s4: 0,
    mySet: 0,
    otherSet: 0,
    alone: 0,
    backed: 0,
    theirs: 0,
    played: 0,
  };
  let exported: Awaited<ReturnType<typeof exportMemberData>>;
  let before: Set<string>;
  let result: Awaited<ReturnType<typeof forgetMember>>;

  beforeAll(async () => {
    const db = t.db;
    await setupCampaign(
      db,
      { name: "A dance party for the dancing man", goalCents: 2_000_000, userId: ME },
      NOW,
      actor(ME, MY_NAME),
    );
    await addDonation(db, 5_000, actor(ME, MY_NAME), "cash at the door", NOW);
    // Event "full": 3 seats. I go with a guest (2), X goes (1): full. W1 (with a guest) then W2 wait.
    ids.full = (
      await createEvent(
        db,
        { name: "Full", starts: iso(at(72)), capacity: 3, createdBy: ORG, now: NOW },
        settings,
        actor(ORG),
      )
    ).id;
    await answer(ids.full, ME, "going", 1);
    await answer(ids.full, X, "going");
    expect((await answer(ids.full, W1, "going", 1)).status).toBe("waitlisted");
    expect((await answer(ids.full, W2, "going")).status).toBe("waitlisted");
    // Event "small": 1 seat, Y holds it, I wait.
    ids.small = (
      await createEvent(
        db,
        { name: "Small", starts: iso(at(96)), capacity: 1, createdBy: ORG, now: NOW },
        settings,
        actor(ORG),
      )
    ).id;
    await answer(ids.small, Y, "going");
    expect((await answer(ids.small, ME, "going")).status).toBe("waitlisted");
    // An event I created, and said maybe to.
    ids.mine = (
      await createEvent(
        db,
        { name: "Mine", starts: iso(at(120)), createdBy: ME, now: NOW },
        settings,
        actor(ME, MY_NAME),
      )
    ).id;
    await answer(ids.mine, ME, "maybe");
    // An event that is over: I went.
    const before30 = at(-30 * 24);
    ids.past = (
      await createEvent(
        db,
        { name: "Past", starts: iso(at(-20 * 24)), capacity: 10, createdBy: ORG, now: before30 },
        settings,
        actor(ORG),
      )
    ).id;
    await answer(ids.past, ME, "going", 2, before30);
    await answer(ids.past, X, "going", 0, before30);

    // Shifts: S1 (one slot) I hold, V1 waits; S2 (one slot) V2 holds, I wait; S3 is over, I served it.
    const shift = (start: number, capacity: number, now = NOW) =>
      addShift(
        db,
        { roleName: "Door", startsAt: at(start), endsAt: at(start + 2), capacity, createdBy: ORG, now },
        actor(ORG),
      );
    ids.s1 = (await shift(48, 1)).id;
    expect((await claimShift(db, config, ids.s1, member(ME), NOW)).status).toBe("claimed");
    expect((await joinWaitlist(db, config, ids.s1, member(V1), NOW)).status).toBe("waiting");
    ids.s2 = (await shift(50, 1)).id;
    await claimShift(db, config, ids.s2, member(V2), NOW);
    expect((await joinWaitlist(db, config, ids.s2, member(ME), NOW)).status).toBe("waiting");
    ids.s4 = (await shift(10, 2)).id; // within the drop cut-off, nobody waiting: its organizer is told
    await claimShift(db, config, ids.s4, member(ME), NOW);
    ids.s3 = (await shift(-10 * 24, 2, before30)).id;
    await claimShift(db, config, ids.s3, member(ME), before30);
    await checkInSelf(db, ME, at(-10 * 24 - 0.25));

    // DJs: my offer, approved, with a set; DJ2's set, where requests go.
    const form = (djName: string) => ({
      djName,
      genres: "disco",
      minutes: 60,
      links: "https://example.com/mix",
      note: "hello",
    });
    const mine = await createOffer(db, ME, form(MY_NAME), NOW);
    await reviewOffer(db, mine.id, "approve", NOW, actor(ORG));
    ids.mySet = (
      await placeSet(db, { offerId: mine.id, startsAt: at(30), endsAt: at(31), stage: "Main stage" }, NOW, actor(ORG))
    ).id;
    const other = await createOffer(db, DJ2, form("Lumen"), NOW);
    await reviewOffer(db, other.id, "approve", NOW, actor(ORG));
    ids.otherSet = (
      await placeSet(db, { offerId: other.id, startsAt: at(24), endsAt: at(26), stage: "Main stage" }, NOW, actor(ORG))
    ).id;
    const req = (userId: string, title: string) =>
      requestTrack(db, limits, { userId, title, artist: "Someone", setId: ids.otherSet }, NOW);
    ids.alone = (await req(ME, "Only mine")).request.id;
    ids.backed = (await req(ME, "Backed")).request.id;
    await req(V3, "Backed"); // a vote of V3 on my request
    ids.theirs = (await req(V3, "Theirs")).request.id;
    await toggleVote(db, ME, ids.theirs, NOW); // my vote on V3's request
    // In my own set, V3 asked to be told when their track plays; I played it (a DM to V3 with my DJ name).
    const inMine = await requestTrack(
      db,
      limits,
      { userId: V3, title: "For me", artist: "Someone", setId: ids.mySet, notify: true },
      NOW,
    );
    await closeRequest(db, { userId: ME, organizer: false }, inMine.request.id, "played", NOW);
    ids.played = (await req(ME, "Played already")).request.id;
    await toggleVote(db, V3, ids.played, NOW);
    await closeRequest(db, { userId: DJ2, organizer: false }, ids.played, "played", NOW);

    // DMs to me (one sent), one to someone else that mentions me; my calendar feed and reminder setting.
    await queueDm(db, { dedupeKey: "test:1", userId: ME, content: "Hello you" }, NOW);
    await queueDm(db, { dedupeKey: "test:2", userId: ME, content: "Sent already" }, NOW);
    await db.directMessage.update({ where: { dedupeKey: "test:2" }, data: { status: "sent", sentAt: NOW } });
    await queueDm(db, { dedupeKey: "test:3", userId: X, content: `<@${ME}> took the shift you offered.` }, NOW);
    await feedLink(db, ME, NOW, false);
    await db.rsvpSetting.create({ data: { userId: ME, remindersOff: true, updatedAt: NOW } });

    expect(await counterDifferences(db)).toEqual([]);
    before = new Set((await rowsNaming(db, [ME, MY_NAME])).map((f) => rowKey(f.table, f.row)));
    exported = JSON.parse(exportJson(await exportMemberData(db, ME, NOW))) as typeof exported;
    result = await forgetMember(db, ME, config, at(1), null);
  });

  it("the export before the forget listed every row that named them, and the forget left none", async () => {
    expect(before.size).toBeGreaterThan(20);
    const modelTable = (model: string) => model[0]!.toUpperCase() + model.slice(1);
    const listed = new Set<string>();
    for (const table of MEMBER_DATA) {
      for (const row of exported.tables[table.key] ?? []) listed.add(rowKey(modelTable(table.model), row));
    }
    const missing = [...before].filter((k) => !listed.has(k));
    expect(missing).toEqual([]);
    expect(await rowsNaming(t.db, [ME, MY_NAME])).toEqual([]);
    expect(result.left).toBe(0);
    expect(Object.values(await memberCounts(t.db, ME)).every((n) => n === 0)).toBe(true);
  });

  it("every counter equals a recount", async () => {
    expect(await counterDifferences(t.db)).toEqual([]);
  });

  it("their seats went to the first on the waitlist who fits, and their place on a waitlist is gone", async () => {
    const full = await t.db.event.findUniqueOrThrow({ where: { id: ids.full }, include: { rsvps: true } });
    expect(full.seatsTaken).toBe(3);
    const status = (u: string) => full.rsvps.find((r) => r.userId === u)?.status;
    expect([status(X), status(W1), status(W2)]).toEqual(["going", "going", "waitlisted"]);
    expect(result.promoted).toEqual([{ userId: W1, guests: 1 }]);
    const small = await t.db.event.findUniqueOrThrow({ where: { id: ids.small } });
    expect([small.seatsTaken, small.waitlisted]).toEqual([1, 0]);
    const mine = await t.db.event.findUniqueOrThrow({ where: { id: ids.mine } });
    expect(mine.maybeCount).toBe(0);
    // W1 is told by DM, as for any promotion.
    expect(await t.db.directMessage.count({ where: { userId: W1, dedupeKey: { startsWith: "rsvp-promoted:" } } })).toBe(
      1,
    );
  });

  it("the past event keeps its numbers, credited to a former member", async () => {
    const past = await t.db.event.findUniqueOrThrow({ where: { id: ids.past }, include: { rsvps: true } });
    expect(past.seatsTaken).toBe(4);
    const former = past.rsvps.find((r) => r.displayName === FORMER_MEMBER)!;
    expect(former.userId).toBe(result.pseudonym);
    expect([former.status, former.guests]).toEqual(["going", 2]);
  });

  it("their shift went to the first waiting, the served one stays with its hours under the pseudonym", async () => {
    const s1 = await t.db.shiftAssignment.findMany({ where: { shiftId: ids.s1 } });
    expect(s1.map((a) => a.userId)).toEqual([V1]);
    expect(result.shiftPromoted).toEqual([V1]);
    expect(await t.db.shiftWaitlist.count({ where: { shiftId: ids.s2 } })).toBe(0);
    const s3 = await t.db.shiftAssignment.findMany({ where: { shiftId: ids.s3 } });
    expect(s3.map((a) => [a.userId, a.userName])).toEqual([[result.pseudonym, FORMER_MEMBER]]);
    const v = await t.db.volunteer.findUniqueOrThrow({ where: { userId: result.pseudonym } });
    expect([v.heldCount, v.minutesServed]).toEqual([1, 120]);
  });

  it("their offer is withdrawn and their set left the lineup; the other set keeps its queue, consistent", async () => {
    expect(result.offer).not.toBeNull();
    expect(result.setsRemoved.map((s) => s.id)).toEqual([ids.mySet]);
    expect((await t.db.djSet.findUniqueOrThrow({ where: { id: ids.mySet } })).status).toBe("withdrawn");
    expect((await t.db.djSet.findUniqueOrThrow({ where: { id: ids.otherSet } })).status).toBe("scheduled");
    const offers = await t.db.djOffer.findMany({ where: { userId: result.pseudonym } });
    expect(offers.map((o) => [o.status, o.djName, o.links, o.note, o.activeKey])).toEqual([
      ["withdrawn", FORMER_MEMBER, "", "", null],
    ]);
    const requests = await t.db.trackRequest.findMany({ where: { setId: ids.otherSet }, include: { voters: true } });
    const byId = new Map(requests.map((r) => [r.id, r]));
    expect(byId.has(ids.alone)).toBe(false); // nobody else backed it
    const backed = byId.get(ids.backed)!;
    expect([backed.status, backed.votes, backed.requestedBy, backed.voters.map((v) => v.userId)]).toEqual([
      "queued",
      1,
      result.pseudonym,
      [V3],
    ]);
    expect(backed.queueKey).not.toBeNull();
    const theirs = byId.get(ids.theirs)!;
    expect([theirs.votes, theirs.voters.map((v) => v.userId)]).toEqual([1, [V3]]);
    const played = byId.get(ids.played)!;
    expect([played.status, played.votes, played.requestedBy]).toEqual(["played", 2, result.pseudonym]);
    expect([result.requestsRemoved, result.votesRemoved]).toEqual([1, 1]);
  });

  it("a shift freed within the drop cut-off with nobody waiting is told to its organizer", async () => {
    const s4 = await t.db.shift.findUniqueOrThrow({ where: { id: ids.s4 } });
    expect(s4.taken).toBe(0);
    const told = await t.db.directMessage.findMany({ where: { dedupeKey: { startsWith: "shift-forgotten:" } } });
    expect(told.map((d) => d.userId)).toEqual([ORG]);
    expect(result.shiftsFreed).toBe(2);
  });

  it("DMs to them are gone; money rows keep their numbers", async () => {
    expect(result.dmsDeleted).toBeGreaterThanOrEqual(2);
    const toX = await t.db.directMessage.findUniqueOrThrow({ where: { dedupeKey: "test:3" } });
    expect(toX.content).toBe(`${FORMER_MEMBER} took the shift you offered.`);
    const money = await t.db.campaignAmountChange.findMany();
    expect(money.map((m) => [m.amountCents, m.userId])).toEqual([[5_000, result.pseudonym]]);
  });

  it("coming back starts fresh", async () => {
    await answer(ids.mine, ME, "going", 0, at(2));
    const counts = await memberCounts(t.db, ME);
    expect(counts.answers).toBe(1);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
    expect(await counterDifferences(t.db)).toEqual([]);
  });
});

describe("a forget racing with answers to the same event", () => {
  it("keeps capacity exact and the waitlist fair", async () => {
    const db = t.db;
    const event = await createEvent(
      db,
      { name: "Race", starts: iso(at(200)), capacity: 5, createdBy: ORG, now: NOW },
      settings,
      actor(ORG),
    );
    const racer = "300000000000000777";
    await answer(event.id, racer, "going", 2);
    for (let i = 0; i < 2; i++) await answer(event.id, id(100 + i), "going");
    for (let i = 0; i < 4; i++) await answer(event.id, id(200 + i), "going", i % 2); // all wait
    const newcomers = Array.from({ length: 8 }, (_, i) => id(300 + i));
    const leaving = [id(100), id(201)];
    await Promise.all([
      forgetMember(db, racer, config, at(1), null),
      ...newcomers.map((u, i) => answer(event.id, u, "going", i % 3, at(1))),
      ...leaving.map((u) => answer(event.id, u, "declined", 0, at(1))),
    ]);
    const after = await db.event.findUniqueOrThrow({ where: { id: event.id } });
    expect(after.seatsTaken).toBeLessThanOrEqual(5);
    expect(await db.rsvp.count({ where: { eventId: event.id, userId: racer } })).toBe(0);
    expect(await counterDifferences(db)).toEqual([]);
    // Seats were wanted by more people than there are: all of them are taken.
    expect(after.seatsTaken).toBeGreaterThanOrEqual(4);
  });
});

describe("retention", () => {
  it("deletes old sent DMs and takes names off what ended long ago, keeping the counts", async () => {
    const r = await freshDb();
    try {
      const db = r.db;
      // Its own clock: a year after NOW.
      const clock = new Date(NOW.getTime() + 365 * 24 * H);
      const old = await createEvent(
        db,
        { name: "Old", starts: iso(at(24)), capacity: 4, createdBy: ORG, now: NOW },
        settings,
        actor(ORG),
      );
      await answer(old.id, X, "going", 1, NOW, db);
      await answer(old.id, Y, "going", 1, NOW, db);
      const recentStart = new Date(clock.getTime() - 10 * 24 * H);
      const recentCreated = new Date(recentStart.getTime() - 5 * 24 * H);
      const recent = await createEvent(
        db,
        { name: "Recent", starts: iso(recentStart), createdBy: ORG, now: recentCreated },
        settings,
        actor(ORG),
      );
      await answerRsvp(db, {
        eventId: recent.id,
        userId: X,
        displayName: "member X",
        answer: "going",
        now: recentCreated,
        maxGuests: 5,
      });
      const oldShift = await addShift(
        db,
        {
          roleName: "Door",
          startsAt: at(24),
          endsAt: at(26),
          capacity: 2,
          createdBy: ORG,
          now: NOW,
        },
        actor(ORG),
      );
      await claimShift(db, config, oldShift.id, member(V1), NOW);
      const offer = await createOffer(
        db,
        DJ2,
        { djName: "Lumen", genres: "disco", minutes: 60, links: "", note: "" },
        NOW,
      );
      await reviewOffer(db, offer.id, "approve", NOW, actor(ORG));
      const oldSet = await placeSet(db, { offerId: offer.id, startsAt: at(30), endsAt: at(31) }, NOW, actor(ORG));
      const asked = await requestTrack(db, limits, { userId: X, title: "Old one", artist: "A", setId: oldSet.id }, NOW);
      await toggleVote(db, Y, asked.request.id, NOW);
      await queueDm(db, { dedupeKey: "old-sent", userId: X, content: "old" }, NOW);
      await db.directMessage.update({ where: { dedupeKey: "old-sent" }, data: { status: "sent", sentAt: NOW } });
      await queueDm(db, { dedupeKey: "old-pending", userId: X, content: "still to send" }, NOW);
      await queueDm(db, { dedupeKey: "new-sent", userId: X, content: "new" }, new Date(clock.getTime() - 24 * H));
      await db.directMessage.update({ where: { dedupeKey: "new-sent" }, data: { status: "sent" } });
      expect(await counterDifferences(db)).toEqual([]);

      // 180 days before the clock: the old event (a year ago) is past retention, the recent one is not.
      const first = await applyRetention(db, 180, clock);
      expect(first).toEqual({ dmsDeleted: 1, answers: 2, assignments: 1, requests: 1 });
      const request = await db.trackRequest.findUniqueOrThrow({ where: { id: asked.request.id } });
      expect([request.requestedBy.startsWith("former-"), request.votes]).toEqual([true, 2]);
      const votes = await db.trackVote.findMany({ where: { requestId: asked.request.id } });
      expect(votes.map((v) => v.userId).sort()).toEqual([
        `former-r${asked.request.id}`,
        `former-v${asked.request.id}-1`,
      ]);
      const toX = await db.directMessage.findMany({ where: { userId: X }, orderBy: { id: "asc" } });
      expect(toX.map((d) => d.dedupeKey)).toEqual(["old-pending", "new-sent"]);
      const oldRows = await db.rsvp.findMany({ where: { eventId: old.id } });
      expect(oldRows.every((row) => row.displayName === FORMER_MEMBER && row.userId.startsWith("former-"))).toBe(true);
      expect(oldRows.map((row) => row.guests)).toEqual([1, 1]);
      expect((await db.event.findUniqueOrThrow({ where: { id: old.id } })).seatsTaken).toBe(4);
      expect((await db.rsvp.findFirstOrThrow({ where: { eventId: recent.id } })).userId).toBe(X);
      expect((await db.shiftAssignment.findFirstOrThrow({ where: { shiftId: oldShift.id } })).userName).toBe(
        FORMER_MEMBER,
      );
      expect(await counterDifferences(db, { perVolunteer: false })).toEqual([]);
      expect((await db.volunteer.findUniqueOrThrow({ where: { userId: V1 } })).heldCount).toBe(1);
      // Twice changes nothing more.
      expect(await applyRetention(db, 180, clock)).toEqual({ dmsDeleted: 0, answers: 0, assignments: 0, requests: 0 });
      // With a longer retention nothing of the recent event would have gone either way; with a shorter one it does.
      expect((await applyRetention(db, 5, clock)).answers).toBe(1);
    } finally {
      await r.close();
    }
  });
});
