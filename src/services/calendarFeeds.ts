// Calendar feeds. The public one: every event and lineup set still to come (or just past). A member's
// private one: the events they are going to or waiting for, and the shifts they hold or wait for, behind a
// random token of which only a SHA-256 is stored (the token alone opens the feed; the database alone cannot).
// The feeds write their entries with the same writer as the event attachments (src/services/ics.ts).
import crypto from "node:crypto";
import type { DbOrTx } from "../db/client.js";
import { calendarIcs, eventVEvent, ICS_DOMAIN, type VEvent } from "./ics.js";

/** Entries that ended less than this long ago stay in the feeds, so a refresh does not wipe yesterday's party. */
export const FEED_KEEPS_PAST_DAYS = 30;
/** Most entries of each kind in one feed. */
export const FEED_LIMIT = 300;

/** 32 random bytes, base64url: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

export function newToken(): string {
  return crypto.randomBytes(32).toString("base64url");
}

export type FeedLink = { token: string; createdAt: Date; replaced: boolean } | { token: null; createdAt: Date };

/**
 * The member's feed token. A new one when they have none (or when `reset`, which revokes the old one in the
 * same statement); otherwise null with the existing one's date: it was never stored, so it cannot be shown again.
 */
export async function feedLink(db: DbOrTx, userId: string, now: Date, reset: boolean): Promise<FeedLink> {
  const token = newToken();
  const tokenHash = hashToken(token);
  if (reset) {
    const had = await db.calendarFeed.findUnique({ where: { userId }, select: { userId: true } });
    // One row per member: replacing the hash is what revokes the old link.
    await db.calendarFeed.upsert({
      where: { userId },
      create: { userId, tokenHash, createdAt: now },
      update: { tokenHash, createdAt: now },
    });
    return { token, createdAt: now, replaced: had !== null };
  }
  // ON CONFLICT DO NOTHING: two /calendar link at once make one token, never a unique-violation error.
  const inserted = await db.$executeRaw`
    INSERT INTO "CalendarFeed" ("userId", "tokenHash", "createdAt") VALUES (${userId}, ${tokenHash}, ${now})
    ON CONFLICT ("userId") DO NOTHING`;
  if (inserted === 1) return { token, createdAt: now, replaced: false };
  const existing = await db.calendarFeed.findUniqueOrThrow({ where: { userId } });
  return { token: null, createdAt: existing.createdAt };
}

/** Whose feed a token opens, or null (malformed, revoked or never issued: all look the same from outside). */
export async function feedOwner(db: DbOrTx, token: string): Promise<string | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const feed = await db.calendarFeed.findUnique({ where: { tokenHash: hashToken(token) }, select: { userId: true } });
  return feed?.userId ?? null;
}

function since(now: Date): Date {
  return new Date(now.getTime() - FEED_KEEPS_PAST_DAYS * 86_400_000);
}

function setVEvent(set: {
  id: number;
  stage: string;
  startsAt: Date;
  endsAt: Date;
  offer: { djName: string };
}): VEvent {
  // A set is placed or withdrawn, never edited: its first version is its only one.
  return {
    uid: `set-${set.id}@${ICS_DOMAIN}`,
    sequence: 0,
    startsAt: set.startsAt,
    endsAt: set.endsAt,
    summary: `${set.offer.djName} (DJ set)`,
    location: set.stage,
    status: "CONFIRMED",
  };
}

function shiftVEvent(
  shift: { id: number; startsAt: Date; endsAt: Date; description: string | null; role: { name: string } },
  waiting: boolean,
): VEvent {
  return {
    uid: `shift-${shift.id}@${ICS_DOMAIN}`,
    sequence: 0,
    startsAt: shift.startsAt,
    endsAt: shift.endsAt,
    summary: `Volunteer shift: ${shift.role.name}`,
    description:
      [shift.description, waiting ? "You are on the waitlist for this shift; you get a DM if a slot frees up." : null]
        .filter(Boolean)
        .join("\n\n") || null,
    status: waiting ? "TENTATIVE" : "CONFIRMED",
  };
}

/** Every event (cancelled ones marked so) and lineup set that has not ended, or ended lately. */
export async function publicFeedIcs(db: DbOrTx, now: Date, name: string): Promise<string> {
  const from = since(now);
  const [events, sets] = await Promise.all([
    // An event without an end lasts a few hours: starting after `from` minus a day is a safe superset.
    db.event.findMany({
      where: { startsAt: { gt: new Date(from.getTime() - 86_400_000) } },
      orderBy: [{ startsAt: "asc" }, { id: "asc" }],
      take: FEED_LIMIT,
    }),
    db.djSet.findMany({
      where: { status: "scheduled", endsAt: { gt: from } },
      orderBy: [{ startsAt: "asc" }, { id: "asc" }],
      take: FEED_LIMIT,
      include: { offer: { select: { djName: true } } },
    }),
  ]);
  const entries = [...events.map(eventVEvent).filter((v) => v.endsAt > from), ...sets.map(setVEvent)];
  return calendarIcs(sortByStart(entries), now, { name });
}

/** One member's events (going: confirmed; waitlisted: tentative) and shifts (held, or waited for). Nobody else's. */
export async function memberFeedIcs(db: DbOrTx, userId: string, now: Date, name: string): Promise<string> {
  const from = since(now);
  const [rsvps, held, waiting] = await Promise.all([
    db.rsvp.findMany({
      where: {
        userId,
        status: { in: ["going", "waitlisted"] },
        event: { startsAt: { gt: new Date(from.getTime() - 86_400_000) } },
      },
      include: { event: true },
      take: FEED_LIMIT,
    }),
    db.shiftAssignment.findMany({
      where: { userId, shift: { endsAt: { gt: from } } },
      include: { shift: { include: { role: { select: { name: true } } } } },
      take: FEED_LIMIT,
    }),
    db.shiftWaitlist.findMany({
      where: { userId, shift: { endsAt: { gt: from } } },
      include: { shift: { include: { role: { select: { name: true } } } } },
      take: FEED_LIMIT,
    }),
  ]);
  const events = rsvps.map((r) => {
    const v = eventVEvent(r.event);
    if (r.status !== "waitlisted" || v.status === "CANCELLED") return v;
    const note = "You are on the waitlist; you get a DM if a seat frees up.";
    return { ...v, status: "TENTATIVE" as const, description: v.description ? `${v.description}\n\n${note}` : note };
  });
  const entries = [
    ...events.filter((v) => v.endsAt > from),
    ...held.map((a) => shiftVEvent(a.shift, false)),
    ...waiting.map((w) => shiftVEvent(w.shift, true)),
  ];
  return calendarIcs(sortByStart(entries), now, { name });
}

function sortByStart(entries: VEvent[]): VEvent[] {
  return entries.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.uid.localeCompare(b.uid));
}
