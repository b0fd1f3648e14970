// The lineup: approved DJs placed on stages for time slots. Two sets on one stage never overlap, nor two
// sets of one DJ: every placement first touches its stage's row and its offer's row, which serializes
// placements that could collide (row locks on PostgreSQL, the write lock on SQLite), then checks and inserts.
import type { DbOrTx, Db, Tx } from "../db/client.js";
import { memberText, UserError } from "../errors.js";
import { recordAudit, type Actor } from "./audit.js";
import { queueDm } from "./directMessages.js";
import { adjustMetric, readMetrics } from "./metrics.js";
import { requireWhen, discordTime } from "./time.js";
import { cleanLine, foldText } from "./trackMatch.js";

export const DEFAULT_STAGE = "Main stage";
export const STAGE_MAX = 40;
export const MAX_SET_MINUTES = 12 * 60;

export function setMinutes(set: { startsAt: Date; endsAt: Date }): number {
  return Math.round((set.endsAt.getTime() - set.startsAt.getTime()) / 60_000);
}

/**
 * Reads a slot as an organizer typed it, in the campaign's zone: `ends` is a time, or a length in minutes
 * after the start ("90" or "90m").
 */
export function parseSlot(
  startsText: string,
  endsText: string,
  timeZone: string,
  now: Date,
): { startsAt: Date; endsAt: Date } {
  const startsAt = requireWhen(startsText, "the start", timeZone, now);
  const length = endsText.trim().match(/^(\d{1,3})\s*(m|min|mins|minutes)?$/i);
  const endsAt = length
    ? new Date(startsAt.getTime() + Number(length[1]) * 60_000)
    : requireWhen(endsText, "the end", timeZone, startsAt);
  return { startsAt, endsAt };
}

export interface PlaceSetInput {
  offerId: number;
  startsAt: Date;
  endsAt: Date;
  stage?: string | null;
}

/** Places an approved DJ in a slot; refuses overlaps on the stage and double-booking of the DJ. Tells the DJ. */
export async function placeSet(db: Db, input: PlaceSetInput, now: Date, actor: Actor) {
  const { startsAt, endsAt } = input;
  if (endsAt <= startsAt)
    throw new UserError(
      "The set must end after it starts. Give `ends` as a later time, or as a length in minutes such as 90.",
    );
  const minutes = setMinutes(input);
  if (minutes > MAX_SET_MINUTES)
    throw new UserError(
      `A set can last at most ${MAX_SET_MINUTES / 60} hours; split a longer night into several sets.`,
    );
  if (endsAt <= now)
    throw new UserError(
      `That slot has already ended (${discordTime(endsAt, "f")}). Give a time still to come.`,
      "conflict",
    );
  const typed = cleanLine(input.stage ?? "") || DEFAULT_STAGE;
  if (typed.length > STAGE_MAX) throw new UserError(`Keep the stage name to ${STAGE_MAX} characters.`);

  return db.$transaction(async (tx) => {
    const stage = await canonicalStage(tx, typed);
    // Touching both rows first is what makes the checks below race-free (see the file's comment).
    await tx.$executeRaw`
      INSERT INTO "DjStage" ("name", "sets", "updatedAt") VALUES (${stage}, 0, ${now})
      ON CONFLICT ("name") DO UPDATE SET "updatedAt" = ${now}`;
    const approved = await tx.djOffer.updateMany({
      where: { id: input.offerId, status: "approved" },
      data: { updatedAt: now },
    });
    const offer = await tx.djOffer.findUnique({ where: { id: input.offerId } });
    if (!offer) throw new UserError("That offer no longer exists. Pick a DJ from the list.", "not_found");
    if (approved.count === 0)
      throw new UserError(
        `${memberText(offer.djName)}'s offer is ${offer.status}, not approved: only approved DJs go in the lineup.`,
        "conflict",
      );

    const overlapping = { status: "scheduled", startsAt: { lt: endsAt }, endsAt: { gt: startsAt } };
    const clash = await tx.djSet.findFirst({ where: { stage, ...overlapping }, include: { offer: true } });
    if (clash) {
      throw new UserError(
        `That slot overlaps ${memberText(clash.offer.djName)} on ${memberText(stage)} (${discordTime(clash.startsAt, "f")} to ${discordTime(clash.endsAt, "t")}). Pick a time outside it, or another stage.`,
        "conflict",
      );
    }
    const busy = await tx.djSet.findFirst({ where: { offerId: offer.id, ...overlapping } });
    if (busy) {
      throw new UserError(
        `${memberText(offer.djName)} already plays on ${memberText(busy.stage)} from ${discordTime(busy.startsAt, "f")} to ${discordTime(busy.endsAt, "t")}: one DJ, one stage at a time.`,
        "conflict",
      );
    }

    const set = await tx.djSet.create({ data: { offerId: offer.id, stage, startsAt, endsAt, createdAt: now } });
    await tx.djStage.update({ where: { name: stage }, data: { sets: { increment: 1 } } });
    await adjustMetric(tx, "lineup_sets", 1, now);
    await adjustMetric(tx, "lineup_minutes", minutes, now);
    await recordAudit(tx, actor, now, {
      kind: "lineup.place",
      subject: { type: "set", id: set.id, label: `Set #${set.id} (${offer.djName})` },
      memberId: offer.userId,
      after: { offer: offer.id, stage, startsAt, endsAt, minutes },
    });
    await queueDm(
      tx,
      {
        dedupeKey: `dj-set:${set.id}:placed`,
        userId: offer.userId,
        content: `You are in the lineup as ${memberText(offer.djName)}: ${memberText(stage)}, ${discordTime(startsAt, "F")} to ${discordTime(endsAt, "t")} (${discordTime(startsAt, "R")}). Members can request tracks for your set; see them with /dj queue.`,
      },
      now,
    );
    return { ...set, offer };
  });
}

/** The stage's existing spelling when one matches loosely ("main stage" is "Main stage"), else the text. */
async function canonicalStage(tx: Tx, typed: string): Promise<string> {
  const stages = await tx.djStage.findMany({ select: { name: true } });
  return stages.find((s) => foldText(s.name) === foldText(typed))?.name ?? typed;
}

/** Takes sets out of the lineup, moving the counters; returns the ones that were still scheduled. */
export async function releaseSets<T extends { id: number; stage: string; startsAt: Date; endsAt: Date }>(
  tx: Tx,
  sets: T[],
  now: Date,
): Promise<T[]> {
  const released: T[] = [];
  for (const set of sets) {
    const changed = await tx.djSet.updateMany({
      where: { id: set.id, status: "scheduled" },
      data: { status: "withdrawn" },
    });
    if (changed.count === 0) continue;
    await tx.djStage.updateMany({ where: { name: set.stage, sets: { gt: 0 } }, data: { sets: { decrement: 1 } } });
    await adjustMetric(tx, "lineup_sets", -1, now);
    await adjustMetric(tx, "lineup_minutes", -setMinutes(set), now);
    released.push(set);
  }
  return released;
}

/** A DJ withdraws one set of theirs (the offer stays approved). */
export async function withdrawSet(db: Db, userId: string, setId: number, now: Date) {
  return db.$transaction(async (tx) => {
    const set = await tx.djSet.findUnique({ where: { id: setId }, include: { offer: true } });
    if (!set || set.offer.userId !== userId)
      throw new UserError("That is not one of your sets. Pick one from the list /dj withdraw shows.", "forbidden");
    const [released] = await releaseSets(tx, [set], now);
    if (!released) throw new UserError("That set is already out of the lineup.", "conflict");
    return set;
  });
}

export type LineupSet = Awaited<ReturnType<typeof lineup>>[number];

/** Sets in the lineup: those overlapping `range`, or without one, those not yet over. Earliest first. */
export function lineup(db: DbOrTx, range: { from: Date; to: Date } | null, now: Date, take = 60) {
  const when = range ? { startsAt: { lt: range.to }, endsAt: { gt: range.from } } : { endsAt: { gt: now } };
  return db.djSet.findMany({
    where: { status: "scheduled", ...when },
    orderBy: [{ startsAt: "asc" }, { stage: "asc" }],
    take,
    include: { offer: { select: { djName: true, userId: true, genres: true } } },
  });
}

export function isPlaying(set: { startsAt: Date; endsAt: Date }, now: Date): boolean {
  return set.startsAt <= now && now < set.endsAt;
}

/** The set a request without a set goes to: the one playing now (the earliest started), else the next. */
export function currentOrNextSet(db: DbOrTx, now: Date) {
  return db.djSet.findFirst({
    where: { status: "scheduled", endsAt: { gt: now } },
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    include: { offer: { select: { djName: true, userId: true } } },
  });
}

export function getSet(db: DbOrTx, setId: number) {
  return db.djSet.findUnique({ where: { id: setId }, include: { offer: { select: { djName: true, userId: true } } } });
}

/** Sets not yet over whose DJ or stage contains `query` (autocomplete). */
export async function openSets(db: DbOrTx, now: Date, query = "", take = 25) {
  const sets = await lineup(db, null, now, 100);
  const q = foldText(query);
  return sets.filter((s) => !q || foldText(`${s.offer.djName} ${s.stage}`).includes(q)).slice(0, take);
}

export async function stageNames(db: DbOrTx): Promise<string[]> {
  const stages = await db.djStage.findMany({ orderBy: { name: "asc" }, select: { name: true } });
  return stages.map((s) => s.name);
}

/**
 * The lineup's numbers, cheaply, for the campaign's milestones: approved DJs, sets and minutes come from
 * the counters; `approvedWithoutSet` (approved DJs still waiting for a slot) is one indexed count over the
 * few offers there are. "Full" is the campaign's call; `approvedWithoutSet === 0 && sets > 0` is one reading.
 */
export async function lineupCounts(db: DbOrTx) {
  const metrics = await readMetrics(db);
  const approvedWithoutSet = await db.djOffer.count({
    where: { status: "approved", sets: { none: { status: "scheduled" } } },
  });
  const stages = await db.djStage.findMany({ where: { sets: { gt: 0 } }, orderBy: { name: "asc" } });
  return {
    approvedDjs: metrics.djs_approved,
    sets: metrics.lineup_sets,
    minutes: metrics.lineup_minutes,
    approvedWithoutSet,
    stages: stages.map((s) => ({ name: s.name, sets: s.sets })),
  };
}
