// What the public page shows, read in one go: the campaign's counters, the lineup to come (DJ names are the
// only names), upcoming events with seats left, shifts still short of people by role (counts only), and the
// latest milestone posts (templates filled with numbers and organizer-set names, never member text).
// No member id, display name or member-typed text is ever part of it: the page is for anyone on the internet.
import type { DbOrTx } from "../db/client.js";
import { getCampaign } from "./campaign.js";
import { effectiveEnd } from "./events.js";
import { isPlaying, lineup } from "./lineup.js";
import type { MetricName } from "./metricNames.js";
import { readMetrics } from "./metrics.js";

export interface PublicSet {
  id: number;
  dj: string;
  stage: string;
  startsAt: Date;
  endsAt: Date;
  playing: boolean;
}

export interface PublicEvent {
  id: number;
  name: string;
  location: string | null;
  startsAt: Date;
  endsAt: Date;
  /** null: no limit. */
  seatsLeft: number | null;
  going: number;
  /** Full, so new answers join the waitlist. */
  waitlistOpen: boolean;
}

export interface ShortRole {
  role: string;
  /** Shifts of this role still short of people. */
  shifts: number;
  /** Slots open on them. */
  openSlots: number;
  /** The first of them to start. */
  firstStartsAt: Date;
}

export interface PublicPost {
  text: string;
  at: Date;
}

export interface PublicSnapshot {
  /** When it was read (the bot's clock). */
  at: Date;
  campaign: { name: string; goalCents: number; currency: string; hashtag: string | null } | null;
  metrics: Record<MetricName, number>;
  lineup: PublicSet[];
  events: PublicEvent[];
  shortShifts: ShortRole[];
  posts: PublicPost[];
}

export const PAGE_LIMITS = { sets: 40, events: 10, shifts: 300, posts: 5 } as const;

export async function publicSnapshot(db: DbOrTx, now: Date): Promise<PublicSnapshot> {
  const [campaign, metrics, sets, events, shifts, posts] = await Promise.all([
    getCampaign(db),
    readMetrics(db),
    lineup(db, null, now, PAGE_LIMITS.sets),
    db.event.findMany({
      where: { status: "scheduled", startsAt: { gt: now } },
      orderBy: [{ startsAt: "asc" }, { id: "asc" }],
      take: PAGE_LIMITS.events,
      select: {
        id: true,
        name: true,
        location: true,
        startsAt: true,
        endsAt: true,
        capacity: true,
        seatsTaken: true,
        waitlisted: true,
      },
    }),
    db.shift.findMany({
      where: { startsAt: { gt: now }, taken: { lt: db.shift.fields.capacity } },
      orderBy: [{ startsAt: "asc" }, { id: "asc" }],
      take: PAGE_LIMITS.shifts,
      select: { startsAt: true, capacity: true, taken: true, role: { select: { name: true } } },
    }),
    db.tweetOutbox.findMany({
      where: { kind: "milestone", status: { not: "failed" } },
      orderBy: { id: "desc" },
      take: PAGE_LIMITS.posts,
      select: { text: true, createdAt: true },
    }),
  ]);

  const byRole = new Map<string, ShortRole>();
  for (const s of shifts) {
    const entry = byRole.get(s.role.name) ?? { role: s.role.name, shifts: 0, openSlots: 0, firstStartsAt: s.startsAt };
    entry.shifts += 1;
    entry.openSlots += s.capacity - s.taken;
    byRole.set(s.role.name, entry);
  }

  return {
    at: now,
    campaign: campaign
      ? { name: campaign.name, goalCents: campaign.goalCents, currency: campaign.currency, hashtag: campaign.hashtag }
      : null,
    metrics,
    lineup: sets.map((s) => ({
      id: s.id,
      dj: s.offer.djName,
      stage: s.stage,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      playing: isPlaying(s, now),
    })),
    events: events.map((e) => ({
      id: e.id,
      name: e.name,
      location: e.location,
      startsAt: e.startsAt,
      endsAt: effectiveEnd(e),
      seatsLeft: e.capacity === null ? null : Math.max(0, e.capacity - e.seatsTaken),
      going: e.seatsTaken,
      waitlistOpen: e.capacity !== null && (e.seatsTaken >= e.capacity || e.waitlisted > 0),
    })),
    shortShifts: [...byRole.values()].sort((a, b) => a.firstStartsAt.getTime() - b.firstStartsAt.getTime()),
    posts: posts.map((p) => ({ text: p.text, at: p.createdAt })),
  };
}
