// Money that counts itself: every delivery (a Stripe event, a Ko-fi donation, a signed webhook, an imported
// row) is one transaction that writes its ledger row and moves the raised_cents metric, so milestones fire
// exactly as they do for /campaign donation. A repeat (same source and id) changes nothing. Money in another
// currency than the campaign's is recorded but never added; the organizer is told once per currency.
import type { Db, DbOrTx } from "../db/client.js";
import { MAX_CENTS } from "./amounts.js";
import { getCampaign, type Campaign } from "./campaign.js";
import { queueDm } from "./directMessages.js";
import { insertLedgerRow, type DonationSource } from "./ledger.js";
import { applyMetric } from "./metrics.js";

export interface DonationInput {
  source: DonationSource;
  /** The source's own id: unique per source. */
  sourceId: string;
  /** Integer cents: positive for a donation, negative for a refund. */
  amountCents: number;
  /** ISO 4217 (any case). */
  currency: string;
  /** The donor chose to be shown: only then are the name and the message kept. */
  public: boolean;
  donorName?: string | null;
  message?: string | null;
  refundOf?: string | null;
  /** When the money moved (an export's date); deliveries default to `now`. */
  receivedAt?: Date;
  /**
   * amountCents is the refunded total of `refundOf` so far (Stripe without a refunds list): the row takes back
   * only what earlier rows of that donation did not.
   */
  cumulative?: boolean;
}

export type DeliveryOutcome =
  | {
      status: "recorded";
      id: number;
      counted: boolean;
      amountCents: number;
      currency: string;
      totalCents: number | null;
    }
  | { status: "duplicate" };

/** A delivery before /campaign setup: nothing is stored, so the sender retries later (Stripe does, for days). */
export class NoCampaignError extends Error {
  constructor() {
    super("There is no campaign yet: set it up with /campaign setup before money can be counted.");
    this.name = "NoCampaignError";
  }
}

export interface RecordOptions {
  /** Queue a thank-you line for DONATION_CHANNEL_ID (deliveries, not imports or organizers' entries). */
  thank?: boolean;
}

/**
 * A burst of deliveries queues for PostgreSQL's pool and for the money metric's row (SQLite: its one writer):
 * a queued delivery must wait, not fail, so the waits are longer than Prisma's defaults (2 s / 5 s). Every
 * sender retries on an error anyway, and a retry is harmless (the row is unique per source and id).
 */
const TX_OPTIONS = { maxWait: 20_000, timeout: 20_000 } as const;

/** One delivery, one transaction: the ledger row, then the money metric (milestones checked there). */
export async function recordDonation(
  db: Db,
  input: DonationInput,
  now: Date,
  options: RecordOptions = {},
): Promise<DeliveryOutcome> {
  return db.$transaction(async (tx) => {
    const campaign = await getCampaign(tx);
    if (!campaign) throw new NoCampaignError();
    return recordInTx(tx, campaign, input, now, options);
  }, TX_OPTIONS);
}

/**
 * Several deliveries in one transaction (group commit): each row as recordDonation writes it, then the money
 * metric moved once by what was counted, so a burst meets the metric's row once instead of in turns. Each
 * delivery gets its own outcome; a repeat (even within the batch) is a duplicate. Milestones are checked on
 * the batch's move, as on any jump: the highest one crossed is posted, the others passed over.
 */
export async function recordDonations(
  db: Db,
  inputs: DonationInput[],
  now: Date,
  options: RecordOptions = {},
): Promise<DeliveryOutcome[]> {
  return db.$transaction(async (tx) => {
    const campaign = await getCampaign(tx);
    if (!campaign) throw new NoCampaignError();
    const outcomes: DeliveryOutcome[] = [];
    let delta = 0;
    for (const input of inputs) {
      const row = await writeDonationRow(tx, campaign, input, now, options);
      if (row.id === null) {
        outcomes.push({ status: "duplicate" });
        continue;
      }
      if (row.counted) delta += row.amountCents;
      outcomes.push({
        status: "recorded",
        id: row.id,
        counted: row.counted,
        amountCents: row.amountCents,
        currency: row.currency,
        totalCents: null,
      });
    }
    if (delta !== 0) {
      const change = await applyMetric(tx, "raised_cents", delta, now);
      if (change.after > MAX_CENTS) throw new Error("the total would pass 21,474,836.47, the most this bot can count");
      for (const o of outcomes) if (o.status === "recorded" && o.counted) o.totalCents = change.after;
    }
    return outcomes;
  }, TX_OPTIONS);
}

/** recordDonation inside the caller's transaction (an import writes many rows, then moves the metric once). */
export async function writeDonationRow(
  tx: DbOrTx,
  campaign: Campaign,
  input: DonationInput,
  now: Date,
  options: RecordOptions = {},
) {
  const currency = input.currency.trim().toUpperCase();
  const counted = currency === campaign.currency;
  let amountCents = input.amountCents;
  if (input.cumulative && input.refundOf) {
    const earlier = await tx.donation.aggregate({
      where: { source: input.source, refundOf: input.refundOf },
      _sum: { amountCents: true },
    });
    amountCents -= Number(earlier._sum.amountCents ?? 0);
    if (amountCents >= 0) return { id: null, counted, currency, amountCents: 0 }; // nothing more taken back
  }
  const id = await insertLedgerRow(tx, {
    source: input.source,
    sourceId: input.sourceId,
    amountCents,
    currency,
    counted,
    donorName: input.public ? input.donorName : null,
    message: input.public ? input.message : null,
    refundOf: input.refundOf ?? null,
    receivedAt: input.receivedAt ?? now,
    thanks: options.thank && amountCents > 0 ? "pending" : "none",
  });
  if (id !== null && !counted) await tellOtherCurrency(tx, campaign, currency, input.source, now);
  return { id, counted, currency, amountCents };
}

async function recordInTx(
  tx: DbOrTx,
  campaign: Campaign,
  input: DonationInput,
  now: Date,
  options: RecordOptions,
): Promise<DeliveryOutcome> {
  const row = await writeDonationRow(tx, campaign, input, now, options);
  if (row.id === null) return { status: "duplicate" };
  let totalCents: number | null = null;
  if (row.counted) {
    const change = await applyMetric(tx, "raised_cents", row.amountCents, now);
    // Throwing rolls the row back too; the sender retries, and an organizer sees the error in the log.
    if (change.after > MAX_CENTS) throw new Error("the total would pass 21,474,836.47, the most this bot can count");
    totalCents = change.after;
  }
  return {
    status: "recorded",
    id: row.id,
    counted: row.counted,
    amountCents: row.amountCents,
    currency: row.currency,
    totalCents,
  };
}

/** The campaign's organizer hears once per currency (the DM outbox's dedupe key), not once per donation. */
async function tellOtherCurrency(
  tx: DbOrTx,
  campaign: Campaign,
  currency: string,
  source: DonationSource,
  now: Date,
): Promise<void> {
  await queueDm(
    tx,
    {
      dedupeKey: `donation-currency:${currency}`,
      userId: campaign.createdBy,
      content:
        `A donation in ${currency} arrived (${source}). The campaign counts ${campaign.currency}, so it is recorded but not added to the total. ` +
        `\`/campaign donations\` lists it; once converted, add it with \`/campaign donation\` if you wish. You are told once per currency.`,
      fallbackChannelId: null,
    },
    now,
  );
}

export interface SourceTotal {
  source: string;
  currency: string;
  counted: boolean;
  totalCents: number;
  count: number;
  last: Date | null;
}

/** Totals per source and currency, with the last delivery of each (for /campaign sources). */
export async function sourceTotals(db: DbOrTx): Promise<SourceTotal[]> {
  const groups = await db.donation.groupBy({
    by: ["source", "currency", "counted"],
    _sum: { amountCents: true },
    _count: { _all: true },
    _max: { receivedAt: true },
    orderBy: { source: "asc" },
  });
  return groups.map((g) => ({
    source: g.source,
    currency: g.currency,
    counted: g.counted,
    totalCents: Number(g._sum.amountCents ?? 0),
    count: g._count._all,
    last: g._max.receivedAt ?? null,
  }));
}

/** The latest donations, newest first (for /campaign donations). */
export function latestDonations(db: DbOrTx, take = 15) {
  return db.donation.findMany({ orderBy: [{ receivedAt: "desc" }, { id: "desc" }], take });
}

/** The sum of the counted rows: what raised_cents must equal (tests and /campaign sources check it). */
export async function ledgerTotal(db: DbOrTx): Promise<number> {
  const sum = await db.donation.aggregate({ where: { counted: true }, _sum: { amountCents: true } });
  return Number(sum._sum.amountCents ?? 0);
}

/** Thank-you lines not yet posted, oldest first. */
export function pendingThanks(db: DbOrTx, take: number) {
  return db.donation.findMany({ where: { thanks: "pending" }, orderBy: { id: "asc" }, take });
}

export async function markThanked(db: DbOrTx, ids: number[]): Promise<void> {
  if (ids.length)
    await db.donation.updateMany({ where: { id: { in: ids }, thanks: "pending" }, data: { thanks: "done" } });
}
