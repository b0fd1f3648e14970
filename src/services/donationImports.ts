// /campaign import: an export is parsed once into a preview (kept in DonationImport), and an organizer's
// Confirm writes its rows into the ledger in one transaction that moves the total once (so a file that
// crosses several milestones posts only the highest, as any jump does). Rows already in the ledger (same
// source and id) are left alone: importing the same file twice adds nothing.
import type { Db, DbOrTx } from "../db/client.js";
import { UserError } from "../errors.js";
import { MAX_CENTS } from "./amounts.js";
import { recordAudit, type Actor } from "./audit.js";
import { requireCampaign } from "./campaign.js";
import { parseDonationCsv, type ImportRow, type ImportSource, type LineNote } from "./donationCsv.js";
import { writeDonationRow } from "./donations.js";
import { applyMetric } from "./metrics.js";

/** A preview not confirmed within this time must be uploaded again (the ledger may have moved). */
export const IMPORT_PREVIEW_TTL_MS = 60 * 60_000;

export interface ImportPreview {
  importId: number;
  source: ImportSource;
  fileName: string;
  rows: number;
  newRows: number;
  alreadyImported: number;
  /** New money in the campaign's currency. */
  newCents: number;
  /** New rows in other currencies: recorded, not added. */
  otherCurrencies: string[];
  refused: LineNote[];
  skipped: LineNote[];
}

export async function previewImport(
  db: Db,
  input: { text: string; fileName: string; userId: string; timeZone: string },
  now: Date,
): Promise<ImportPreview> {
  const campaign = await requireCampaign(db);
  const parsed = parseDonationCsv(input.text, { currency: campaign.currency, timeZone: input.timeZone, now });
  if (!parsed.rows.length && !parsed.refused.length)
    throw new UserError("The file has no donations to import (every row was refunded or not paid).");
  const known = await existingIds(
    db,
    parsed.source,
    parsed.rows.map((r) => r.sourceId),
  );
  const fresh = parsed.rows.filter((r) => !known.has(r.sourceId));
  const stored = await db.donationImport.create({
    data: {
      userId: input.userId,
      source: parsed.source,
      fileName: input.fileName.slice(0, 100),
      rows: JSON.stringify(parsed.rows),
      createdAt: now,
    },
  });
  return {
    importId: stored.id,
    source: parsed.source,
    fileName: stored.fileName,
    rows: parsed.rows.length,
    newRows: fresh.length,
    alreadyImported: parsed.rows.length - fresh.length,
    newCents: fresh.filter((r) => r.currency === campaign.currency).reduce((s, r) => s + r.amountCents, 0),
    otherCurrencies: [...new Set(fresh.filter((r) => r.currency !== campaign.currency).map((r) => r.currency))].sort(),
    refused: parsed.refused,
    skipped: parsed.skipped,
  };
}

async function existingIds(db: DbOrTx, source: string, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.donation.findMany({
      where: { source, sourceId: { in: ids.slice(i, i + 500) } },
      select: { sourceId: true },
    });
    for (const r of rows) found.add(r.sourceId);
  }
  return found;
}

export interface ImportResult {
  source: ImportSource;
  added: number;
  alreadyImported: number;
  addedCents: number;
  totalCents: number;
}

/** Confirm: claimed once (a second press, or a second organizer, finds it done), then one transaction. */
export async function confirmImport(db: Db, importId: number, now: Date, actor: Actor): Promise<ImportResult> {
  return db.$transaction(
    async (tx) => {
      const pending = await tx.donationImport.findUnique({ where: { id: importId } });
      if (!pending || pending.status !== "pending")
        throw new UserError(
          "This import was already confirmed or cancelled. `/campaign donations` shows what is in.",
          "conflict",
        );
      if (now.getTime() - pending.createdAt.getTime() > IMPORT_PREVIEW_TTL_MS)
        throw new UserError(
          "This preview is more than an hour old. Run /campaign import with the file again for a fresh one.",
          "stale",
        );
      const claimed = await tx.donationImport.updateMany({
        where: { id: importId, status: "pending" },
        data: { status: "done" },
      });
      if (claimed.count !== 1) throw new UserError("This import was already confirmed or cancelled.", "conflict");
      const campaign = await requireCampaign(tx);
      const rows = JSON.parse(pending.rows) as ImportRow[];
      let added = 0;
      let addedCents = 0;
      for (const row of rows) {
        const written = await writeDonationRow(
          tx,
          campaign,
          {
            source: pending.source as ImportSource,
            sourceId: row.sourceId,
            amountCents: row.amountCents,
            currency: row.currency,
            public: row.public,
            donorName: row.donorName,
            message: row.message,
            receivedAt: new Date(row.receivedAt),
          },
          now,
        );
        if (written.id === null) continue;
        added++;
        if (written.counted) addedCents += written.amountCents;
      }
      const change = addedCents ? await applyMetric(tx, "raised_cents", addedCents, now) : null;
      if (change && change.after > MAX_CENTS)
        throw new UserError("That would take the total past 21,474,836.47, the most this bot can count.");
      const total = change?.after ?? (await tx.metric.findUnique({ where: { name: "raised_cents" } }))?.value ?? 0;
      await recordAudit(tx, actor, now, {
        kind: "money.import",
        subject: importSubject(pending),
        before: { status: "pending", raisedCents: total - addedCents },
        after: { status: "done", rows: rows.length, added, addedCents, raisedCents: total },
      });
      return {
        source: pending.source as ImportSource,
        added,
        alreadyImported: rows.length - added,
        addedCents,
        totalCents: total,
      };
    },
    { maxWait: 20_000, timeout: 60_000 },
  );
}

export async function cancelImport(db: Db, importId: number, now: Date, actor: Actor): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const cancelled = await tx.donationImport.updateMany({
      where: { id: importId, status: "pending" },
      data: { status: "cancelled" },
    });
    if (cancelled.count !== 1) return false;
    const row = await tx.donationImport.findUniqueOrThrow({ where: { id: importId } });
    await recordAudit(tx, actor, now, {
      kind: "money.import_cancel",
      subject: importSubject(row),
      before: { status: "pending" },
      after: { status: "cancelled" },
    });
    return true;
  });
}

/** An import as the audit trail names it: its source and the organizer's file name. */
function importSubject(row: { id: number; source: string; fileName: string }) {
  return { type: "donation_import" as const, id: row.id, label: `${row.source} import (${row.fileName})` };
}
