// Track requests: members ask for tracks for a set; the same track asked again is a vote, not a second
// entry; the queue is sorted by votes. Fairness limits (a cooldown per member, a cap of queued requests per
// member and set, blocked words) are conditional updates inside the request's transaction: a refusal rolls
// the whole request back, so a refused attempt costs the member nothing.
import type { Config } from "../config.js";
import type { Db, DbOrTx } from "../db/client.js";
import { memberText, UserError } from "../errors.js";
import { queueDm } from "./directMessages.js";
import { currentOrNextSet } from "./lineup.js";
import { adjustMetric } from "./metrics.js";
import { discordTime } from "./time.js";
import { submitVote } from "./trackVoteBatch.js";
import { cleanLine, findBlockedWord, foldText, trackKey } from "./trackMatch.js";

export const TITLE_MAX = 100;
export const ARTIST_MAX = 100;

export type RequestLimits = Pick<
  Config,
  "REQUEST_COOLDOWN_SECONDS" | "REQUEST_MAX_OPEN_PER_SET" | "REQUEST_BLOCKED_WORDS"
>;

export interface TrackRequestInput {
  userId: string;
  title: string;
  artist: string;
  /** The set; null: the one playing now, else the next. */
  setId?: number | null;
  /** A DM when the track is played. */
  notify?: boolean;
}

export interface RequestOutcome {
  /** "new": queued; "vote": the track was queued already, and this counted as the member's vote. */
  kind: "new" | "vote";
  request: { id: number; title: string; artist: string; votes: number };
  set: { id: number; stage: string; startsAt: Date; endsAt: Date; djName: string };
}

function field(text: string, what: string, max: number): string {
  const clean = cleanLine(text);
  if (!clean) throw new UserError(`Give the track's ${what}.`);
  if (clean.length > max) throw new UserError(`Keep the ${what} to ${max} characters.`);
  return clean;
}

export async function requestTrack(
  db: Db,
  limits: RequestLimits,
  input: TrackRequestInput,
  now: Date,
): Promise<RequestOutcome> {
  const title = field(input.title, "title", TITLE_MAX);
  const artist = field(input.artist, "artist", ARTIST_MAX);
  if (findBlockedWord([title, artist], limits.REQUEST_BLOCKED_WORDS)) {
    throw new UserError(
      "That request has a word this server does not allow in requests. Change the wording and you can send it right away.",
    );
  }
  const matchKey = trackKey(title, artist);

  const set = input.setId
    ? await db.djSet.findUnique({
        where: { id: input.setId },
        include: { offer: { select: { djName: true, userId: true } } },
      })
    : await currentOrNextSet(db, now);
  if (!set)
    throw new UserError(
      input.setId
        ? "That set is not in the lineup any more. Pick one from the list."
        : "No set is playing or coming up yet, so there is nowhere to request a track. See /dj lineup show, and try again once sets are announced.",
      "not_found",
    );
  if (set.status !== "scheduled")
    throw new UserError("That set is not in the lineup any more. Pick another from the list.", "not_found");
  if (set.endsAt <= now) throw new UserError("That set is over. Pick a set playing now or later.", "conflict");
  const setInfo = {
    id: set.id,
    stage: set.stage,
    startsAt: set.startsAt,
    endsAt: set.endsAt,
    djName: set.offer.djName,
  };

  const played = await db.trackRequest.findFirst({ where: { setId: set.id, matchKey, status: "played" } });
  if (played)
    throw new UserError(
      `${memberText(played.title)} by ${memberText(played.artist)} was already played in this set. Request another track, any time.`,
      "conflict",
    );

  return db.$transaction(async (tx) => {
    await takeCooldown(tx, input.userId, limits.REQUEST_COOLDOWN_SECONDS, now);
    const queueKey = `${set.id}:${matchKey}`;
    const inserted = await tx.$queryRaw<{ id: number | bigint }[]>`
      INSERT INTO "TrackRequest" ("setId", "title", "artist", "matchKey", "queueKey", "requestedBy", "votes", "status", "createdAt")
      VALUES (${set.id}, ${title}, ${artist}, ${matchKey}, ${queueKey}, ${input.userId}, 1, 'queued', ${now})
      ON CONFLICT ("queueKey") DO NOTHING
      RETURNING "id"`;
    const newId = inserted[0]?.id;

    if (newId !== undefined) {
      await takeOpenSlot(tx, set.id, input.userId, limits.REQUEST_MAX_OPEN_PER_SET);
      await tx.trackVote.create({
        data: { requestId: Number(newId), userId: input.userId, notify: input.notify ?? false, createdAt: now },
      });
      await adjustMetric(tx, "track_requests", 1, now);
      return { kind: "new" as const, request: { id: Number(newId), title, artist, votes: 1 }, set: setInfo };
    }

    // The same track is queued already: this request is a vote for it.
    const existing = await tx.trackRequest.findUniqueOrThrow({ where: { queueKey } });
    const voted = await insertVote(tx, existing.id, input.userId, input.notify ?? false, now);
    if (!voted) {
      throw new UserError(
        `${memberText(existing.title)} by ${memberText(existing.artist)} is already in the queue with your vote (${existing.votes} in all). Ask for another track, or see /dj queue.`,
        "conflict",
      );
    }
    const request = await tx.trackRequest.update({ where: { id: existing.id }, data: { votes: { increment: 1 } } });
    await adjustMetric(tx, "track_votes", 1, now);
    return {
      kind: "vote" as const,
      request: { id: request.id, title: request.title, artist: request.artist, votes: request.votes },
      set: setInfo,
    };
  });
}

/** The cooldown as one conditional update on the member's row; a refusal names when to try again. */
async function takeCooldown(tx: DbOrTx, userId: string, cooldownSeconds: number, now: Date): Promise<void> {
  await tx.$executeRaw`INSERT INTO "TrackRequester" ("userId", "lastRequestAt") VALUES (${userId}, ${new Date(0)}) ON CONFLICT ("userId") DO NOTHING`;
  const threshold = new Date(now.getTime() - cooldownSeconds * 1000);
  const taken = await tx.trackRequester.updateMany({
    where: { userId, lastRequestAt: { lte: threshold } },
    data: { lastRequestAt: now },
  });
  if (taken.count === 1) return;
  const row = await tx.trackRequester.findUnique({ where: { userId } });
  const again = new Date((row?.lastRequestAt ?? now).getTime() + cooldownSeconds * 1000);
  throw new UserError(
    `One request every ${cooldownText(cooldownSeconds)}, to keep the queue fair. You can request again ${discordTime(again, "R")} (${discordTime(again, "T")}). Meanwhile you can upvote tracks in /dj queue.`,
    "limited",
  );
}

function cooldownText(seconds: number): string {
  if (seconds % 60 === 0) return seconds === 60 ? "minute" : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** The cap of queued requests per member and set, as one conditional increment. */
async function takeOpenSlot(tx: DbOrTx, setId: number, userId: string, cap: number): Promise<void> {
  await tx.$executeRaw`INSERT INTO "TrackRequesterSet" ("setId", "userId", "open") VALUES (${setId}, ${userId}, 0) ON CONFLICT ("setId", "userId") DO NOTHING`;
  const taken = await tx.trackRequesterSet.updateMany({
    where: { setId, userId, open: { lt: cap } },
    data: { open: { increment: 1 } },
  });
  if (taken.count === 1) return;
  throw new UserError(
    `You have ${cap} request${cap === 1 ? "" : "s"} waiting in this set, the most allowed per member. You can request again as soon as one of them is played or skipped; meanwhile, upvote others in /dj queue.`,
    "limited",
  );
}

/** Inserts a member's vote unless they have one; returns whether it was new. */
async function insertVote(tx: DbOrTx, requestId: number, userId: string, notify: boolean, now: Date): Promise<boolean> {
  const n = await tx.$executeRaw`
    INSERT INTO "TrackVote" ("requestId", "userId", "notify", "createdAt") VALUES (${requestId}, ${userId}, ${notify}, ${now})
    ON CONFLICT ("requestId", "userId") DO NOTHING`;
  return n === 1;
}

/**
 * The Upvote button: one vote per member, pressing again takes it back. The requester's request is their
 * vote already. Returns whether the member now backs the track, and its votes.
 */
export async function toggleVote(
  db: Db,
  userId: string,
  requestId: number,
  now: Date,
): Promise<{ voted: boolean; votes: number; title: string; setId: number }> {
  // Presses on one request that arrive together are applied together (src/services/trackVoteBatch.ts).
  return submitVote(db, requestId, { userId, now });
}

export const QUEUE_PAGE_SIZE = 10;

/** One page of a set's queue: most votes first, earlier requests first among equals. */
export async function queuePage(db: DbOrTx, setId: number, page: number, pageSize = QUEUE_PAGE_SIZE) {
  const where = { setId, status: "queued" };
  const total = await db.trackRequest.count({ where });
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(Math.max(0, page), pages - 1);
  const items = await db.trackRequest.findMany({
    where,
    orderBy: [{ votes: "desc" }, { id: "asc" }],
    skip: current * pageSize,
    take: pageSize,
    select: { id: true, title: true, artist: true, votes: true, requestedBy: true },
  });
  return { items, total, page: current, pages };
}

export interface Actor {
  userId: string;
  organizer: boolean;
}

/**
 * The set's DJ (or an organizer) marks a request played or skipped. One conditional update decides; the
 * requester's cap slot is freed; on "played", members who asked to be told get a DM.
 */
export async function closeRequest(db: Db, actor: Actor, requestId: number, outcome: "played" | "skipped", now: Date) {
  return db.$transaction(async (tx) => {
    const request = await tx.trackRequest.findUnique({
      where: { id: requestId },
      include: { set: { include: { offer: true } } },
    });
    if (!request) throw new UserError("That request no longer exists. Pick one from the list.", "not_found");
    if (!actor.organizer && request.set.offer.userId !== actor.userId) {
      throw new UserError(
        "Only the DJ of this set or an organizer can mark its tracks played or skipped.",
        "forbidden",
      );
    }
    const changed = await tx.trackRequest.updateMany({
      where: { id: requestId, status: "queued" },
      data: { status: outcome, queueKey: null, closedAt: now, closedBy: actor.userId },
    });
    if (changed.count === 0) throw new UserError(`That request was already ${request.status}.`, "conflict");
    await tx.trackRequesterSet.updateMany({
      where: { setId: request.setId, userId: request.requestedBy, open: { gt: 0 } },
      data: { open: { decrement: 1 } },
    });
    let notified = 0;
    if (outcome === "played") {
      const watchers = await tx.trackVote.findMany({ where: { requestId, notify: true }, select: { userId: true } });
      for (const w of watchers) {
        const queued = await queueDm(
          tx,
          {
            dedupeKey: `track-played:${requestId}:${w.userId}`,
            userId: w.userId,
            content: `Now playing: ${memberText(request.title)} by ${memberText(request.artist)}, the track you asked for, in ${memberText(request.set.offer.djName)}'s set on ${memberText(request.set.stage)}. Enjoy!`,
          },
          now,
        );
        if (queued) notified++;
      }
    }
    return { request, notified };
  });
}

/**
 * Queued requests the actor may close: in their own sets (all sets for organizers), most votes first.
 * The text filter runs here, ignoring case and accents alike on SQLite and PostgreSQL, over the top 300.
 */
export async function closableRequests(db: DbOrTx, actor: Actor, query: string, now: Date, take = 25) {
  const recent = new Date(now.getTime() - 12 * 3600_000);
  const rows = await db.trackRequest.findMany({
    where: {
      status: "queued",
      set: {
        status: "scheduled",
        endsAt: { gt: recent },
        ...(actor.organizer ? {} : { offer: { userId: actor.userId } }),
      },
    },
    orderBy: [{ votes: "desc" }, { id: "asc" }],
    take: 300,
    include: { set: { select: { stage: true, offer: { select: { djName: true } } } } },
  });
  const q = foldText(query);
  return rows.filter((r) => !q || foldText(`${r.title} ${r.artist}`).includes(q)).slice(0, take);
}
