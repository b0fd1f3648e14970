// DJ offers: a member offers a set, organizers approve or decline it, the DJ is told by DM, and the DJ may
// withdraw. One active offer (pending or approved) per member, enforced by a unique key, not by a read.
import type { DbOrTx, Db } from "../db/client.js";
import { memberText, UserError } from "../errors.js";
import { recordAudit, type Actor } from "./audit.js";
import { queueDm } from "./directMessages.js";
import { adjustMetric } from "./metrics.js";
import { cleanLine, foldText } from "./trackMatch.js";
import { releaseSets } from "./lineup.js";
import { discordTime } from "./time.js";

export const OFFER_LIMITS = {
  djName: 60,
  genres: 100,
  links: 600,
  link: 200,
  maxLinks: 3,
  note: 500,
  minMinutes: 15,
  maxMinutes: 600,
} as const;

export type OfferStatus = "pending" | "approved" | "declined" | "withdrawn";

export interface OfferInput {
  djName: string;
  genres: string;
  minutes: string | number;
  links: string;
  note: string;
}

export interface CleanOffer {
  djName: string;
  genres: string;
  minutes: number;
  links: string[];
  note: string;
}

/** Checks and tidies what the DJ typed in the offer form; every refusal says what to change. */
export function validateOffer(input: OfferInput): CleanOffer {
  const djName = cleanLine(input.djName);
  if (!djName) throw new UserError("Give a DJ name: the name the lineup should show.");
  if (djName.length > OFFER_LIMITS.djName)
    throw new UserError(`Keep the DJ name to ${OFFER_LIMITS.djName} characters.`);
  const genres = cleanLine(input.genres);
  if (!genres) throw new UserError("Name a genre or two (house, disco, funk...), so organizers can build the night.");
  if (genres.length > OFFER_LIMITS.genres) throw new UserError(`Keep the genres to ${OFFER_LIMITS.genres} characters.`);
  const minutesText = String(input.minutes)
    .trim()
    .replace(/\s*(min|mins|minutes|m)$/i, "");
  const minutes = Number(minutesText);
  if (!/^\d+$/.test(minutesText) || minutes < OFFER_LIMITS.minMinutes || minutes > OFFER_LIMITS.maxMinutes) {
    throw new UserError(
      `Give the set length as a number of minutes from ${OFFER_LIMITS.minMinutes} to ${OFFER_LIMITS.maxMinutes}, such as 90.`,
    );
  }
  if (input.links.length > OFFER_LIMITS.links)
    throw new UserError(`Keep the links to ${OFFER_LIMITS.links} characters in all.`);
  const links = input.links.split(/[\s,]+/).filter(Boolean);
  if (links.length > OFFER_LIMITS.maxLinks)
    throw new UserError(`Give at most ${OFFER_LIMITS.maxLinks} links (a mix, a profile...).`);
  for (const link of links) {
    let ok = link.length <= OFFER_LIMITS.link && URL.canParse(link);
    if (ok) ok = ["http:", "https:"].includes(new URL(link).protocol);
    if (!ok)
      throw new UserError(
        `"${link.slice(0, 60)}" is not a web link: links must start with https:// (or http://) and be under ${OFFER_LIMITS.link} characters.`,
      );
  }
  const note = input.note.replace(/\r/g, "").trim();
  if (note.length > OFFER_LIMITS.note) throw new UserError(`Keep the note to ${OFFER_LIMITS.note} characters.`);
  return { djName, genres, minutes, links, note };
}

function statusWords(status: string): string {
  return status === "pending" ? "waiting for review" : status;
}

/**
 * After withdrawing an offer, a member waits this long before offering again: every offer is a post in
 * the review channel and every withdrawal a notice there, so offer-withdraw-offer must not become a loop
 * that floods the organizers. (A declined DJ may offer again at once: that took an organizer's decision.)
 */
export const REOFFER_COOLDOWN_MS = 30 * 60_000;

/** Stores a new pending offer; refuses a second active one from the same member, or one right after a withdrawal. */
export async function createOffer(db: Db, userId: string, input: OfferInput, now: Date) {
  const offer = validateOffer(input);
  const last = await db.djOffer.findFirst({
    where: { userId },
    orderBy: { id: "desc" },
    select: { status: true, createdAt: true },
  });
  if (last?.status === "withdrawn" && now.getTime() - last.createdAt.getTime() < REOFFER_COOLDOWN_MS) {
    const again = new Date(last.createdAt.getTime() + REOFFER_COOLDOWN_MS);
    throw new UserError(`You withdrew an offer a moment ago. You can offer a set again ${discordTime(again, "R")}.`);
  }
  const rows = await db.$queryRaw<{ id: number | bigint }[]>`
    INSERT INTO "DjOffer" ("userId", "djName", "genres", "minutes", "links", "note", "status", "activeKey", "createdAt", "updatedAt")
    VALUES (${userId}, ${offer.djName}, ${offer.genres}, ${offer.minutes}, ${offer.links.join("\n")}, ${offer.note}, 'pending', ${userId}, ${now}, ${now})
    ON CONFLICT ("activeKey") DO NOTHING
    RETURNING "id"`;
  const id = rows[0]?.id;
  if (id === undefined) {
    const active = await db.djOffer.findUnique({ where: { activeKey: userId } });
    throw new UserError(
      `You already have an offer ${statusWords(active?.status ?? "pending")}${active ? ` (as ${memberText(active.djName)})` : ""}. To change it, withdraw it with /dj withdraw, then offer again.`,
      "conflict",
    );
  }
  return db.djOffer.findUniqueOrThrow({ where: { id: Number(id) } });
}

/** Remembers where the review message is, so it can be found and edited later. */
export async function recordReviewMessage(
  db: DbOrTx,
  offerId: number,
  channelId: string,
  messageId: string,
): Promise<void> {
  await db.djOffer.update({ where: { id: offerId }, data: { reviewChannelId: channelId, reviewMessageId: messageId } });
}

export function getOffer(db: DbOrTx, offerId: number) {
  return db.djOffer.findUnique({ where: { id: offerId } });
}

/**
 * An organizer's decision on a pending offer. The status changes in one conditional update, so two
 * organizers pressing at once decide once; the loser is told who was first. The DJ's DM is queued in the
 * same transaction.
 */
export async function reviewOffer(db: Db, offerId: number, decision: "approve" | "decline", now: Date, actor: Actor) {
  return db.$transaction(async (tx) => {
    const status = decision === "approve" ? "approved" : "declined";
    const changed = await tx.djOffer.updateMany({
      where: { id: offerId, status: "pending" },
      data: {
        status,
        reviewedBy: actor.id,
        reviewedAt: now,
        ...(decision === "decline" ? { activeKey: null } : {}),
      },
    });
    const offer = await tx.djOffer.findUnique({ where: { id: offerId } });
    if (!offer) throw new UserError("This offer no longer exists.", "not_found");
    if (changed.count === 0) {
      const by = offer.reviewedBy ? ` by <@${offer.reviewedBy}>` : "";
      throw new UserError(
        `This offer is already ${statusWords(offer.status)}${offer.status === "withdrawn" ? " by the DJ" : by}; nothing changed.`,
        "conflict",
      );
    }
    if (decision === "approve") await adjustMetric(tx, "djs_approved", 1, now);
    await recordAudit(tx, actor, now, {
      kind: decision === "approve" ? "dj.approve" : "dj.decline",
      subject: offerSubject(offer),
      memberId: offer.userId,
      before: { status: "pending" },
      after: { status, minutes: offer.minutes },
    });
    await queueDm(
      tx,
      {
        dedupeKey: `dj-offer:${offerId}:${status}`,
        userId: offer.userId,
        content:
          decision === "approve"
            ? `Your offer to play as ${memberText(offer.djName)} was approved. Thank you! The organizers will place your set in the lineup, and you will get a DM with the time.`
            : `Thank you for offering to play as ${memberText(offer.djName)}. The organizers could not take your set this time. You are welcome to offer again with /dj offer.`,
        priority: "first",
      },
      now,
    );
    return offer;
  });
}

/** A DJ offer as the audit trail names it: the DJ name is theirs, so a forget blanks it (see forgetAuditMember). */
export function offerSubject(offer: { id: number; djName: string }) {
  return { type: "offer" as const, id: offer.id, label: `DJ offer #${offer.id} (${offer.djName})` };
}

/** Offers waiting for review, oldest first (for /dj review, when the review channel missed one). */
export function pendingOffers(db: DbOrTx, take = 5) {
  return db.djOffer.findMany({ where: { status: "pending" }, orderBy: { id: "asc" }, take });
}

/**
 * Approved offers whose DJ name contains `query`, ignoring case and accents (autocomplete for /dj lineup set).
 * Filtered here rather than with `contains`, which is case-sensitive on PostgreSQL; approved DJs are few.
 */
export async function approvedOffers(db: DbOrTx, query: string, take = 25) {
  const offers = await db.djOffer.findMany({
    where: { status: "approved" },
    orderBy: { djName: "asc" },
    take: 500,
    include: { _count: { select: { sets: { where: { status: "scheduled" } } } } },
  });
  const q = foldText(query);
  return offers.filter((o) => !q || foldText(o.djName).includes(q)).slice(0, take);
}

/** What a member may withdraw: their active offer and its sets that have not ended. */
export async function withdrawable(db: DbOrTx, userId: string, now: Date) {
  const offer = await db.djOffer.findUnique({
    where: { activeKey: userId },
    include: { sets: { where: { status: "scheduled", endsAt: { gt: now } }, orderBy: { startsAt: "asc" } } },
  });
  return offer;
}

/**
 * A DJ withdraws their own offer, and with it every set of it in the lineup. Counters move in the same
 * transaction. Returns the offer and the sets released, so the caller can tell the organizers.
 */
export async function withdrawOffer(db: Db, userId: string, offerId: number, now: Date) {
  return db.$transaction(async (tx) => {
    const offer = await tx.djOffer.findUnique({ where: { id: offerId } });
    if (!offer || offer.userId !== userId)
      throw new UserError("That is not one of your offers. Pick one from the list /dj withdraw shows.", "forbidden");
    // Two conditional updates rather than a read: an approval landing in between is still counted right.
    const data = { status: "withdrawn", activeKey: null, updatedAt: now };
    const wasApproved = await tx.djOffer.updateMany({ where: { id: offerId, status: "approved" }, data });
    const wasPending = wasApproved.count
      ? { count: 0 }
      : await tx.djOffer.updateMany({ where: { id: offerId, status: "pending" }, data });
    if (wasApproved.count + wasPending.count === 0)
      throw new UserError(
        `This offer is already ${statusWords(offer.status)}; there is nothing to withdraw.`,
        "conflict",
      );
    if (wasApproved.count) await adjustMetric(tx, "djs_approved", -1, now);
    const sets = await tx.djSet.findMany({ where: { offerId, status: "scheduled" } });
    const released = await releaseSets(tx, sets, now);
    return { offer, sets: released };
  });
}
