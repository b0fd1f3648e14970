// The donation ledger's one write: a row per donation, refund or adjustment, unique per (source, sourceId).
// A leaf module (it imports no service), so the campaign's money commands and the delivery services can both
// write the ledger without an import cycle.
import type { DbOrTx } from "../db/client.js";

/** Where money comes from. Each has its own id space: a Stripe id and a Ko-fi id never collide. */
export const DONATION_SOURCES = {
  stripe: "Stripe",
  kofi: "Ko-fi",
  webhook: "signed webhook",
  gofundme: "GoFundMe export",
  givebutter: "Givebutter export",
  donorbox: "Donorbox export",
  csv: "CSV file",
  manual: "/campaign donation",
  adjustment: "/campaign raised total",
} as const;

export type DonationSource = keyof typeof DONATION_SOURCES;

/** Longest texts kept from a donor (a payment page may send far more). */
export const MAX_DONOR_NAME = 80;
export const MAX_DONOR_MESSAGE = 300;
export const MAX_SOURCE_ID = 200;

export interface LedgerRow {
  source: DonationSource;
  sourceId: string;
  amountCents: number;
  currency: string;
  counted: boolean;
  /** Only for a public donor; the caller decides, this module keeps what it is given. */
  donorName?: string | null;
  message?: string | null;
  refundOf?: string | null;
  receivedAt: Date;
  thanks?: "pending" | "none";
}

/**
 * Inserts the row unless (source, sourceId) is already there; returns its id, or null for a repeat.
 * ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed statement aborts the
 * caller's transaction, and a concurrent twin waits for the first to commit, then inserts nothing.
 */
export async function insertLedgerRow(tx: DbOrTx, row: LedgerRow): Promise<number | null> {
  const rows = await tx.$queryRaw<{ id: number | bigint }[]>`
    INSERT INTO "Donation" ("source", "sourceId", "amountCents", "currency", "counted", "donorName", "message", "refundOf", "receivedAt", "thanks")
    VALUES (${row.source}, ${row.sourceId.slice(0, MAX_SOURCE_ID)}, ${row.amountCents}, ${row.currency}, ${row.counted},
            ${clip(row.donorName, MAX_DONOR_NAME)}, ${clip(row.message, MAX_DONOR_MESSAGE)}, ${row.refundOf ?? null}, ${row.receivedAt}, ${row.thanks ?? "none"})
    ON CONFLICT ("source", "sourceId") DO NOTHING
    RETURNING "id"`;
  return rows.length ? Number(rows[0]!.id) : null;
}

/** Trims, drops control characters and cuts to `max` characters; empty becomes null. */
export function clip(text: string | null | undefined, max: number): string | null {
  if (text === null || text === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "").trim();
  return clean ? [...clean].slice(0, max).join("") : null;
}
