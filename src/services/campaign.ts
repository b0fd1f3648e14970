// The campaign: one at a time (the row with id 1), its goal and the money raised. Every change of the
// total goes through the raised_cents metric (so milestones are checked in the same transaction) and is
// kept with who made it and the totals before and after.
import type { Db, DbOrTx } from "../db/client.js";
import { UserError } from "../errors.js";
import { changedValues, recordAudit, type Actor } from "./audit.js";
import { validateCampaignName, validateHashtag } from "./postText.js";
import { isCurrency, MAX_CENTS } from "./amounts.js";
import { insertLedgerRow } from "./ledger.js";
import type { MetricName } from "./metricNames.js";
import { applyMetric, readMetrics, setMetric } from "./metrics.js";
import { installDefaultMilestones, retargetMoneyMilestones } from "./milestones.js";

export const CAMPAIGN_ID = 1;
export const MAX_NOTE = 200;

export type Campaign = NonNullable<Awaited<ReturnType<typeof getCampaign>>>;

export function getCampaign(db: DbOrTx) {
  return db.campaign.findUnique({ where: { id: CAMPAIGN_ID } });
}

export async function requireCampaign(db: DbOrTx): Promise<Campaign> {
  const campaign = await getCampaign(db);
  if (!campaign)
    throw new UserError("There is no campaign yet. An organizer starts one with /campaign setup name goal.");
  return campaign;
}

export interface SetupInput {
  name: string;
  goalCents: number;
  currency?: string | null;
  hashtag?: string | null;
  userId: string;
}

/** Starts the campaign, or changes its name, goal, currency or hashtag. Default milestones come with the first setup. */
export async function setupCampaign(
  db: Db,
  input: SetupInput,
  now: Date,
  actor: Actor,
): Promise<{ campaign: Campaign; created: boolean }> {
  const name = validateCampaignName(input.name);
  if (input.goalCents <= 0 || input.goalCents > MAX_CENTS)
    throw new UserError("The goal must be more than zero, such as 20000 or 20,000.");
  const currency = input.currency?.trim().toUpperCase() || undefined;
  if (currency && !isCurrency(currency))
    throw new UserError(
      `"${currency.slice(0, 10)}" is not a currency code. Use three letters such as USD, EUR or GBP.`,
    );
  const hashtag =
    input.hashtag === undefined || input.hashtag === null
      ? undefined
      : input.hashtag.trim() === ""
        ? null
        : validateHashtag(input.hashtag);
  return db.$transaction(async (tx) => {
    const existing = await getCampaign(tx);
    const campaign = await tx.campaign.upsert({
      where: { id: CAMPAIGN_ID },
      create: {
        id: CAMPAIGN_ID,
        name,
        goalCents: input.goalCents,
        currency: currency ?? "USD",
        hashtag: hashtag ?? null,
        createdBy: input.userId,
        updatedAt: now,
      },
      update: {
        name,
        goalCents: input.goalCents,
        ...(currency ? { currency } : {}),
        ...(hashtag !== undefined ? { hashtag } : {}),
        updatedAt: now,
      },
    });
    const metrics = await readMetrics(tx);
    if (!existing) await installDefaultMilestones(tx, campaign.goalCents, metrics, now);
    else if (existing.goalCents !== campaign.goalCents)
      await retargetMoneyMilestones(tx, campaign.goalCents, metrics.raised_cents, now);
    const fields = (c: Campaign | null) => ({
      name: c?.name ?? null,
      goalCents: c?.goalCents ?? null,
      currency: c?.currency ?? null,
      hashtag: c?.hashtag ?? null,
    });
    const diff = changedValues(fields(existing), fields(campaign));
    await recordAudit(tx, actor, now, {
      kind: "campaign.setup",
      subject: { type: "campaign", id: campaign.id, label: campaign.name },
      before: existing ? (diff?.before ?? {}) : null,
      after: existing ? (diff?.after ?? {}) : fields(campaign),
    });
    return { campaign, created: !existing };
  });
}

export interface AmountChange {
  beforeCents: number;
  afterCents: number;
}

/** Sets the running total (read off the fundraising page). */
export async function setRaisedTotal(
  db: Db,
  totalCents: number,
  actor: Actor,
  note: string | null,
  now: Date,
): Promise<AmountChange> {
  return db.$transaction(async (tx) => {
    const campaign = await requireCampaign(tx);
    const change = await setMetric(tx, "raised_cents", totalCents, now);
    const record = await recordChange(tx, "total", totalCents, change.before, change.after, note, actor.id, now);
    // The ledger gets the difference as an adjustment row, so its counted rows still add up to the total.
    const delta = change.after - change.before;
    if (delta !== 0) {
      await insertLedgerRow(tx, {
        source: "adjustment",
        sourceId: `change-${record.id}`,
        amountCents: delta,
        currency: campaign.currency,
        counted: true,
        receivedAt: now,
      });
    }
    await recordAudit(tx, actor, now, {
      kind: "money.raised",
      subject: { type: "campaign", id: campaign.id, label: campaign.name },
      before: { raisedCents: change.before },
      after: { raisedCents: change.after, note: record.note ?? undefined },
    });
    return { beforeCents: change.before, afterCents: change.after };
  });
}

/** Adds a donation to the total. */
export async function addDonation(
  db: Db,
  amountCents: number,
  actor: Actor,
  note: string | null,
  now: Date,
): Promise<AmountChange> {
  if (amountCents <= 0) throw new UserError("A donation must be more than zero, such as 250 or 1,000.50.");
  return db.$transaction(async (tx) => {
    const campaign = await requireCampaign(tx);
    const tooMuch = () => new UserError("That would take the total past 21,474,836.47, the most this bot can count.");
    // Checked before (PostgreSQL's integer column would refuse it less kindly) and again after the update,
    // in its transaction, for a concurrent donation in between (throwing rolls it back).
    const current = await tx.metric.findUnique({ where: { name: "raised_cents" } });
    if ((current?.value ?? 0) + amountCents > MAX_CENTS) throw tooMuch();
    const change = await applyMetric(tx, "raised_cents", amountCents, now);
    if (change.after > MAX_CENTS) throw tooMuch();
    const record = await recordChange(tx, "donation", amountCents, change.before, change.after, note, actor.id, now);
    await insertLedgerRow(tx, {
      source: "manual",
      sourceId: `change-${record.id}`,
      amountCents,
      currency: campaign.currency,
      counted: true,
      receivedAt: now,
    });
    await recordAudit(tx, actor, now, {
      kind: "money.donation",
      subject: { type: "campaign", id: campaign.id, label: campaign.name },
      before: { raisedCents: change.before },
      after: { raisedCents: change.after, amountCents, note: record.note ?? undefined },
    });
    return { beforeCents: change.before, afterCents: change.after };
  });
}

async function recordChange(
  tx: DbOrTx,
  kind: string,
  amountCents: number,
  before: number,
  after: number,
  note: string | null,
  userId: string,
  now: Date,
) {
  const text = note?.trim() ? note.trim().slice(0, MAX_NOTE) : null;
  return tx.campaignAmountChange.create({
    data: { kind, amountCents, beforeCents: before, afterCents: after, note: text, userId, createdAt: now },
  });
}

/** Recent changes of the total, newest first. */
export function amountHistory(db: DbOrTx, take = 10) {
  return db.campaignAmountChange.findMany({ orderBy: { id: "desc" }, take });
}

export interface CampaignNumbers {
  campaign: Campaign;
  metrics: Record<MetricName, number>;
}

export async function campaignNumbers(db: DbOrTx): Promise<CampaignNumbers> {
  const campaign = await requireCampaign(db);
  return { campaign, metrics: await readMetrics(db) };
}

/**
 * Pauses posting to every destination (milestones still queue, and go out after /campaign resume). `by` is the organizer who
 * paused (written to the audit trail), or "auth" when the outbox pauses itself because a network refused the credentials.
 */
export async function pausePosting(db: Db, by: Actor | "auth", now: Date): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const paused = await tx.campaign.updateMany({
      where: { id: CAMPAIGN_ID, pausedReason: null },
      data: { pausedReason: by === "auth" ? "auth" : "organizer", pausedAt: now },
    });
    if (paused.count !== 1 || by === "auth") return paused.count === 1;
    const campaign = await requireCampaign(tx);
    await recordAudit(tx, by, now, {
      kind: "posting.pause",
      subject: { type: "campaign", id: campaign.id, label: campaign.name },
      before: { paused: false },
      after: { paused: true },
    });
    return true;
  });
}

export async function resumePosting(db: Db, now: Date, actor: Actor): Promise<Campaign> {
  return db.$transaction(async (tx) => {
    const before = await requireCampaign(tx);
    await tx.postingNetwork.deleteMany();
    const campaign = await tx.campaign.update({
      where: { id: CAMPAIGN_ID },
      data: { pausedReason: null, pausedAt: null, xRetryAt: null },
    });
    await recordAudit(tx, actor, now, {
      kind: "posting.resume",
      subject: { type: "campaign", id: campaign.id, label: campaign.name },
      before: { paused: before.pausedReason !== null, pausedReason: before.pausedReason },
      after: { paused: false },
    });
    return campaign;
  });
}
