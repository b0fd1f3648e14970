// Members own their data (issue 20): what the bot keeps about one member, the export of it, and forgetting it.
//
// MEMBER_DATA is the one list of "rows about a member", table by table. /privacy counts from it, /privacy
// export dumps it, and forgetMember() works through it and finally checks that every selector finds nothing,
// so nothing can be exported and then kept, or forgotten without being exported first.
//
// Forgetting keeps every invariant by going through the same paths as the member's own cancellations:
// - answers to events not over yet: removeRsvp (seats free up, the waitlist promotes, counters move), one
//   transaction per event as any answer; answers to events that ended or were cancelled are history: they
//   stay (so the counts stay true) but name "a former member" under a pseudonym made for this forget;
// - shifts not started and not checked in: released and their waitlists promoted (the drop path, without
//   the drop cut-off: leaving is a right); started or checked-in shifts and the hours served stay, renamed;
// - votes on queued requests: taken back (toggleVote); their own queued requests stay while others back
//   them, credited to nobody, and go otherwise; played or skipped requests stay, renamed;
// - their active DJ offer: withdrawn (withdrawOffer: its sets leave the lineup, counters move); the caller
//   tells the organizers; every offer row of theirs is emptied of name, links and note;
// - DMs to them: deleted; mentions of them in DMs to others: replaced by "a former member";
// - rows where they acted as organizer (events, shifts, milestones, money changes, imports, reviews,
//   check-ins): the numbers stay, the person becomes the pseudonym.
// The pseudonym is random ("former-" and 12 hex digits), so it cannot be traced back to the Discord id, and a
// member who comes back starts fresh: nothing carries their id any more.
import crypto from "node:crypto";
import type { Db, DbOrTx, Tx } from "../db/client.js";
import { memberText, UserError } from "../errors.js";
import { effectiveEnd } from "./events.js";
import { releaseSets } from "./lineup.js";
import { adjustMetric } from "./metrics.js";
import { FORMER_MEMBER, FORMER_MEMBER_ID, forgetAuditMember, recordAudit, type Actor } from "./audit.js";
import { removeRsvp, type Promotion } from "./rsvps.js";
import { TX_OPTIONS } from "./seats.js";
import {
  loadShift,
  lockVolunteer,
  promoteFromWaitlist,
  releaseInTx,
  shiftLine,
  type ShiftConfig,
} from "./shiftCore.js";
import { queueDm } from "./directMessages.js";
import { withdrawOffer } from "./djs.js";
import { toggleVote } from "./trackRequests.js";

/** How a forgotten member (or one whose old rows passed RETENTION_DAYS) is named from then on. */
export { FORMER_MEMBER } from "./audit.js";
export const PSEUDONYM_PREFIX = "former-";

export function newPseudonym(): string {
  return `${PSEUDONYM_PREFIX}${crypto.randomBytes(6).toString("hex")}`;
}

export function isPseudonym(userId: string): boolean {
  return userId.startsWith(PSEUDONYM_PREFIX);
}

type Where = Record<string, unknown>;

/** One table's rows about a member: the same `where` for the summary, the export and the forget's final check. */
export interface MemberTable {
  key: string;
  /** Prisma's delegate name of the model. */
  model: string;
  /** `djNames`: the names they played under, as found in other members' DMs (marked member text). */
  where(userId: string, djNames: readonly string[]): Where;
  /** Columns exported, when not all (another member's DM that mentions them: only that it exists). */
  select?: Record<string, true>;
}

export const MEMBER_DATA: readonly MemberTable[] = [
  { key: "answers", model: "rsvp", where: (u) => ({ userId: u }) },
  { key: "answerSettings", model: "rsvpSetting", where: (u) => ({ userId: u }) },
  { key: "shifts", model: "shiftAssignment", where: (u) => ({ OR: [{ userId: u }, { checkedInBy: u }] }) },
  { key: "shiftWaitlists", model: "shiftWaitlist", where: (u) => ({ userId: u }) },
  { key: "volunteerHours", model: "volunteer", where: (u) => ({ userId: u }) },
  { key: "shiftOffers", model: "shiftOffer", where: (u) => ({ OR: [{ fromUserId: u }, { takenBy: u }] }) },
  {
    key: "djOffers",
    model: "djOffer",
    where: (u) => ({ OR: [{ userId: u }, { activeKey: u }, { reviewedBy: u }] }),
  },
  { key: "djSets", model: "djSet", where: (u) => ({ offer: { userId: u } }) },
  { key: "trackRequests", model: "trackRequest", where: (u) => ({ OR: [{ requestedBy: u }, { closedBy: u }] }) },
  { key: "trackVotes", model: "trackVote", where: (u) => ({ userId: u }) },
  { key: "trackCooldown", model: "trackRequester", where: (u) => ({ userId: u }) },
  { key: "trackOpenPerSet", model: "trackRequesterSet", where: (u) => ({ userId: u }) },
  { key: "directMessages", model: "directMessage", where: (u) => ({ userId: u }) },
  {
    key: "mentionsInOtherMembersDms",
    model: "directMessage",
    where: (u, names) => ({
      userId: { not: u },
      OR: [mention(u), ...names.map(memberText)].map((tag) => ({ content: { contains: tag } })),
    }),
    select: { id: true, createdAt: true },
  },
  {
    key: "calendarFeed",
    model: "calendarFeed",
    where: (u) => ({ userId: u }),
    select: { userId: true, createdAt: true },
  },
  {
    key: "auditTrail",
    model: "auditEntry",
    where: (u) => ({ OR: [{ actorId: u }, { memberId: u }, { subjectType: "member", subjectId: u }] }),
  },
  { key: "eventsCreated", model: "event", where: (u) => ({ createdBy: u }) },
  { key: "shiftsCreated", model: "shift", where: (u) => ({ createdBy: u }) },
  { key: "campaignCreated", model: "campaign", where: (u) => ({ createdBy: u }) },
  { key: "moneyChanges", model: "campaignAmountChange", where: (u) => ({ userId: u }) },
  { key: "milestonesAdded", model: "milestone", where: (u) => ({ createdBy: u }) },
  {
    key: "donationImports",
    model: "donationImport",
    where: (u) => ({ userId: u }),
    select: { id: true, source: true, fileName: true, status: true, createdAt: true },
  },
];

function mention(userId: string): string {
  return `<@${userId}>`;
}

interface Delegate {
  findMany(args: { where: Where; select?: Record<string, true> }): Promise<Record<string, unknown>[]>;
  count(args: { where: Where }): Promise<number>;
}

function delegate(db: DbOrTx, model: string): Delegate {
  return (db as unknown as Record<string, Delegate>)[model]!;
}

export type MemberCounts = Record<string, number>;

/** How many rows of each kind the bot keeps about the member. */
export async function memberCounts(db: DbOrTx, userId: string, names?: readonly string[]): Promise<MemberCounts> {
  const djNames = names ?? (await memberDjNames(db, userId));
  const out: MemberCounts = {};
  for (const t of MEMBER_DATA) out[t.key] = await delegate(db, t.model).count({ where: t.where(userId, djNames) });
  return out;
}

/** The names the member offered to play under (what other members' DMs may call them). */
export async function memberDjNames(db: DbOrTx, userId: string): Promise<string[]> {
  const offers = await db.djOffer.findMany({ where: { userId }, select: { djName: true } });
  return [...new Set(offers.map((o) => o.djName))];
}

/** Every row about the member, table by table: what /privacy export sends as JSON. */
export async function exportMemberData(db: DbOrTx, userId: string, now: Date) {
  const djNames = await memberDjNames(db, userId);
  const tables: Record<string, Record<string, unknown>[]> = {};
  for (const t of MEMBER_DATA) {
    tables[t.key] = await delegate(db, t.model).findMany({
      where: t.where(userId, djNames),
      ...(t.select ? { select: t.select } : {}),
    });
  }
  return { member: userId, exportedAt: now.toISOString(), tables };
}

/** The export as the text of a JSON file (BigInt-safe, dates as ISO strings). */
export function exportJson(data: Awaited<ReturnType<typeof exportMemberData>>): string {
  return JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** What a forget did: for the member's answer, the organizers' notice, and the audit trail (the caller records it). */
export interface ForgetResult {
  pseudonym: string;
  /** Rows about the member found before the forget, per MEMBER_DATA key: what the audit row should record. */
  before: MemberCounts;
  /** Rows still naming them afterwards (non-zero only if they acted again while being forgotten). */
  left: number;
  seatsFreed: number;
  promoted: Promotion[];
  /** Events whose announcement counts changed. */
  eventIds: number[];
  shiftsFreed: number;
  shiftPromoted: string[];
  /** Their DJ offer that was withdrawn (no name: the notice and the audit row must not carry it). */
  offer: { id: number } | null;
  setsRemoved: { id: number; stage: string; startsAt: Date }[];
  requestsRemoved: number;
  votesRemoved: number;
  dmsDeleted: number;
}

/**
 * Forgets a member (themselves, or an organizer on behalf of someone who left). One transaction per feature
 * (per event for answers, as every answer), each keeping its invariants; see the file header.
 */
export async function forgetMember(
  db: Db,
  userId: string,
  config: ShiftConfig,
  now: Date,
  /** The organizer forgetting someone who left (recorded in the audit trail); null: the member themself. */
  onBehalf: Actor | null,
): Promise<ForgetResult> {
  if (!userId || isPseudonym(userId)) throw new UserError("That member is already forgotten.", "not_found");
  const pseudonym = newPseudonym();
  const djNames = await memberDjNames(db, userId);
  const result: ForgetResult = {
    pseudonym,
    before: await memberCounts(db, userId, djNames),
    left: 0,
    seatsFreed: 0,
    promoted: [],
    eventIds: [],
    shiftsFreed: 0,
    shiftPromoted: [],
    offer: null,
    setsRemoved: [],
    requestsRemoved: 0,
    votesRemoved: 0,
    dmsDeleted: 0,
  };
  await forgetAnswers(db, userId, pseudonym, now, result);
  await forgetShifts(db, userId, pseudonym, config, now, result);
  await forgetDj(db, userId, pseudonym, now, result);
  await forgetTracks(db, userId, pseudonym, now, result);
  await forgetMessages(db, userId, djNames, result);
  await forgetOrganizerRows(db, userId, pseudonym, now, onBehalf, result);
  const after = await memberCounts(db, userId, djNames);
  result.left = Object.values(after).reduce((a, b) => a + b, 0);
  return result;
}

async function forgetAnswers(db: Db, userId: string, pseudonym: string, now: Date, result: ForgetResult) {
  const rows = await db.rsvp.findMany({ where: { userId }, include: { event: true } });
  for (const row of rows) {
    if (row.event.status !== "scheduled" || effectiveEnd(row.event) <= now) continue;
    try {
      // As if they declined: the same transaction an organizer's removal runs (seats, waitlist, counters).
      const removed = await removeRsvp(db, { eventId: row.eventId, userId, now }, null);
      if (removed.removed === "going") result.seatsFreed += 1 + row.guests;
      result.promoted.push(...removed.promoted);
      result.eventIds.push(row.eventId);
    } catch (err) {
      // Cancelled or removed meanwhile: then it is history, renamed below.
      if (!(err instanceof UserError)) throw err;
    }
  }
  // What is left belongs to events that are over or cancelled: kept for the counts, no longer theirs.
  await db.rsvp.updateMany({
    where: { userId },
    data: { userId: pseudonym, displayName: FORMER_MEMBER, updatedAt: now },
  });
  await db.rsvpSetting.deleteMany({ where: { userId } });
}

async function forgetShifts(
  db: Db,
  userId: string,
  pseudonym: string,
  config: ShiftConfig,
  now: Date,
  result: ForgetResult,
) {
  await db.$transaction(async (tx) => {
    await lockVolunteer(tx, userId, now); // the member's lock row first, as every claim and drop
    const held = await tx.shiftAssignment.findMany({ where: { userId }, include: { shift: true } });
    const waiting = await tx.shiftWaitlist.findMany({ where: { userId } });
    await tx.shiftWaitlist.deleteMany({ where: { userId } });
    for (const a of held) {
      if (a.shift.startsAt <= now || a.checkedInAt) continue;
      if (!(await releaseInTx(tx, a.shiftId, userId, now))) continue;
      result.shiftsFreed++;
      const promoted = await promoteFromWaitlist(tx, a.shiftId, now, config);
      result.shiftPromoted.push(...promoted);
      // Leaving ignores the drop cut-off (forgetting is a right), so the organizer who set the shift up is
      // told when a slot opens this close to the start and nobody was waiting for it.
      const cutoff = a.shift.startsAt.getTime() - config.SHIFT_DROP_CUTOFF_HOURS * 3600_000;
      if (!promoted.length && now.getTime() > cutoff) {
        const shift = await loadShift(tx, a.shiftId);
        await queueDm(
          tx,
          {
            dedupeKey: `shift-forgotten:${a.id}`,
            userId: shift.createdBy,
            content: `A volunteer left the ${shiftLine(shift)} shift (they asked the bot to forget them), so it has a free slot: ${shift.taken} of ${shift.capacity} taken.`,
            priority: "first",
          },
          now,
        );
      }
    }
    // Leaving a waitlist frees nothing, but a slot may be free already (promotions skip the ineligible).
    for (const w of waiting) result.shiftPromoted.push(...(await promoteFromWaitlist(tx, w.shiftId, now, config)));
    await tx.shiftOffer.updateMany({ where: { fromUserId: userId, status: "open" }, data: { status: "withdrawn" } });
    await tx.shiftOffer.updateMany({ where: { fromUserId: userId }, data: { fromUserId: pseudonym } });
    await tx.shiftOffer.updateMany({ where: { takenBy: userId }, data: { takenBy: pseudonym } });
    await tx.shiftAssignment.updateMany({ where: { userId }, data: { userId: pseudonym, userName: FORMER_MEMBER } });
    await tx.shiftAssignment.updateMany({ where: { checkedInBy: userId }, data: { checkedInBy: pseudonym } });
    // Their counters: kept under the pseudonym while they still count (shifts served, minutes), so the
    // campaign's totals stay equal to a recount; dropped when nothing is left.
    const volunteer = await tx.volunteer.findUnique({ where: { userId } });
    if (volunteer && (volunteer.heldCount > 0 || volunteer.minutesServed > 0))
      await tx.volunteer.update({ where: { userId }, data: { userId: pseudonym, updatedAt: now } });
    else await tx.volunteer.deleteMany({ where: { userId } });
  }, TX_OPTIONS);
}

async function forgetDj(db: Db, userId: string, pseudonym: string, now: Date, result: ForgetResult) {
  const active = await db.djOffer.findUnique({ where: { activeKey: userId } });
  if (active) {
    try {
      const { offer, sets } = await withdrawOffer(db, userId, active.id, now);
      result.offer = { id: offer.id };
      result.setsRemoved.push(...sets.map((s) => ({ id: s.id, stage: s.stage, startsAt: s.startsAt })));
    } catch (err) {
      if (!(err instanceof UserError)) throw err; // reviewed or withdrawn meanwhile
    }
  }
  await db.$transaction(async (tx) => {
    // Sets of an offer declined after it was placed would otherwise stay in the lineup under their name.
    const stray = await tx.djSet.findMany({
      where: { offer: { userId }, status: "scheduled", endsAt: { gt: now } },
    });
    const released = await releaseSets(tx, stray, now);
    result.setsRemoved.push(...released.map((s) => ({ id: s.id, stage: s.stage, startsAt: s.startsAt })));
    await tx.djOffer.updateMany({
      where: { userId },
      data: { userId: pseudonym, djName: FORMER_MEMBER, links: "", note: "", activeKey: null, updatedAt: now },
    });
    await tx.djOffer.updateMany({ where: { reviewedBy: userId }, data: { reviewedBy: pseudonym } });
  }, TX_OPTIONS);
}

async function forgetTracks(db: Db, userId: string, pseudonym: string, now: Date, result: ForgetResult) {
  // Their votes on other members' queued requests: taken back as with the Upvote button.
  const votes = await db.trackVote.findMany({
    where: { userId, request: { status: "queued", requestedBy: { not: userId } } },
  });
  for (const v of votes) {
    try {
      const r = await toggleVote(db, userId, v.requestId, now);
      if (!r.voted) result.votesRemoved++;
      else await toggleVote(db, userId, v.requestId, now); // it was taken back meanwhile and this re-added it
    } catch (err) {
      if (!(err instanceof UserError)) throw err; // played or skipped meanwhile: renamed below
    }
  }
  await db.$transaction(async (tx) => {
    const own = await tx.trackRequest.findMany({ where: { requestedBy: userId, status: "queued" } });
    for (const r of own) {
      await freeOpenSlot(tx, r.setId, userId);
      const others = await tx.trackVote.count({ where: { requestId: r.id, userId: { not: userId } } });
      if (others === 0) {
        // Nobody else backs it: it goes, as if never asked (its vote row goes with it).
        await tx.trackRequest.delete({ where: { id: r.id } });
        await adjustMetric(tx, "track_requests", -1, now);
        result.requestsRemoved++;
        continue;
      }
      // Others back it: it stays with their votes, credited to nobody. The requester's own vote was not
      // counted in track_votes (that counts the votes of others), so only the request's total moves.
      await tx.trackVote.deleteMany({ where: { requestId: r.id, userId } });
      await tx.trackRequest.update({
        where: { id: r.id },
        data: { votes: { decrement: 1 }, requestedBy: pseudonym },
      });
    }
    // Played and skipped requests (and votes on them) are the set's history: kept, renamed.
    await tx.trackRequest.updateMany({ where: { requestedBy: userId }, data: { requestedBy: pseudonym } });
    await tx.trackRequest.updateMany({ where: { closedBy: userId }, data: { closedBy: pseudonym } });
    await tx.trackVote.updateMany({ where: { userId }, data: { userId: pseudonym } });
    await tx.trackRequester.deleteMany({ where: { userId } });
    await tx.trackRequesterSet.deleteMany({ where: { userId } });
  }, TX_OPTIONS);
}

async function freeOpenSlot(tx: Tx, setId: number, userId: string) {
  await tx.trackRequesterSet.updateMany({
    where: { setId, userId, open: { gt: 0 } },
    data: { open: { decrement: 1 } },
  });
}

async function forgetMessages(db: Db, userId: string, djNames: string[], result: ForgetResult) {
  await db.$transaction(async (tx) => {
    result.dmsDeleted = (await tx.directMessage.deleteMany({ where: { userId } })).count;
    // DMs to others that name them: a mention, or their DJ name (member text, so marked as such in the
    // row: only those exact spans are replaced, never a word that happens to match).
    for (const tag of [mention(userId), ...djNames.map(memberText)]) {
      const rows = await tx.directMessage.findMany({ where: { content: { contains: tag } }, select: { id: true } });
      for (const row of rows) {
        await tx.$executeRaw`
          UPDATE "DirectMessage" SET "content" = REPLACE("content", ${tag}, ${FORMER_MEMBER}) WHERE "id" = ${row.id}`;
      }
    }
    await tx.calendarFeed.deleteMany({ where: { userId } });
  }, TX_OPTIONS);
}

async function forgetOrganizerRows(
  db: Db,
  userId: string,
  pseudonym: string,
  now: Date,
  onBehalf: Actor | null,
  result: ForgetResult,
) {
  await db.$transaction(async (tx) => {
    // The audit trail keeps every row; where it named them, it names "a former member" (never their id).
    await forgetAuditMember(tx, userId);
    if (onBehalf)
      await recordAudit(tx, onBehalf, now, {
        kind: "member.forget",
        subject: { type: "member", id: FORMER_MEMBER_ID, label: FORMER_MEMBER },
        before: Object.fromEntries(Object.entries(result.before).filter(([, n]) => n > 0)),
      });
    await tx.event.updateMany({ where: { createdBy: userId }, data: { createdBy: pseudonym, updatedAt: now } });
    await tx.shift.updateMany({ where: { createdBy: userId }, data: { createdBy: pseudonym } });
    await tx.campaign.updateMany({ where: { createdBy: userId }, data: { createdBy: pseudonym, updatedAt: now } });
    // Money rows keep every number; the person who typed them becomes a former member.
    await tx.campaignAmountChange.updateMany({ where: { userId }, data: { userId: pseudonym } });
    await tx.milestone.updateMany({ where: { createdBy: userId }, data: { createdBy: pseudonym } });
    await tx.donationImport.updateMany({ where: { userId }, data: { userId: pseudonym } });
  }, TX_OPTIONS);
}
