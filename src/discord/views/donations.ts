// What organizers see of the donation ledger: the import preview with its Confirm button, the totals per
// source, the latest donations, and the thank-you lines of DONATION_CHANNEL_ID. Donor names and messages are
// member-typed text from outside: escaped here, shown only when the donor chose to be public (the ledger
// keeps nothing else), and never able to ping (every message goes out with allowedMentions parse []).
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder } from "discord.js";
import { formatMoney } from "../../services/amounts.js";
import { IMPORT_NAMES, type ImportSource } from "../../services/donationCsv.js";
import type { ImportPreview, ImportResult } from "../../services/donationImports.js";
import type { SourceTotal } from "../../services/donations.js";
import { DONATION_SOURCES, type DonationSource } from "../../services/ledger.js";
import { discordTime } from "../../services/time.js";
import { escapeMemberText } from "./escape.js";
import { COLORS } from "./palette.js";

const COLOR = COLORS.campaign;
export const IMPORT_PREFIX = "donation-import";

/** Donor text as typed (the one escaper of member text): it cannot restyle the message, link, or ping. */
const escapeDonorText = escapeMemberText;

const sourceName = (source: string) => DONATION_SOURCES[source as DonationSource] ?? source;

function notes(list: { line: number; reason: string }[], max = 8): string {
  const shown = list.slice(0, max).map((n) => `line ${n.line}: ${n.reason}`);
  if (list.length > max) shown.push(`…and ${list.length - max} more`);
  return shown.join("\n").slice(0, 1_000);
}

export function importPreviewView(p: ImportPreview, currency: string) {
  const embed = new EmbedBuilder()
    .setColor(COLOR)
    .setTitle(`Import ${IMPORT_NAMES[p.source]} export: ${p.fileName}`.slice(0, 256))
    .setDescription(
      [
        `**${p.rows}** donations read: **${p.newRows}** new, ${p.alreadyImported} already imported.`,
        `New money: **${formatMoney(p.newCents, currency)}**${p.otherCurrencies.length ? ` (plus donations in ${p.otherCurrencies.join(", ")}: recorded, not added)` : ""}.`,
        p.newRows ? "Nothing is added until you press Confirm." : "Nothing new to add.",
      ].join("\n"),
    );
  if (p.refused.length)
    embed.addFields({
      name: `Refused rows (${p.refused.length}): fix them in the file and import it again`,
      value: notes(p.refused),
    });
  if (p.skipped.length)
    embed.addFields({ name: `Left out (${p.skipped.length}): not money received`, value: notes(p.skipped) });
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(`${IMPORT_PREFIX}:confirm:${p.importId}`)
      .setLabel(`Confirm: add ${p.newRows}`)
      .setStyle(ButtonStyle.Success)
      .setDisabled(p.newRows === 0),
    new ButtonBuilder()
      .setCustomId(`${IMPORT_PREFIX}:cancel:${p.importId}`)
      .setLabel("Cancel")
      .setStyle(ButtonStyle.Secondary),
  );
  return { embeds: [embed], components: [row] };
}

export function importResultText(r: ImportResult, currency: string): string {
  return `Imported the ${IMPORT_NAMES[r.source as ImportSource]} export: ${r.added} donations added (${formatMoney(r.addedCents, currency)}), ${r.alreadyImported} were already in. Total raised: **${formatMoney(r.totalCents, currency)}**.`;
}

export function sourcesView(totals: SourceTotal[], currency: string, raisedCents: number, ledgerCents: number) {
  const lines = totals.map((t) => {
    const money = formatMoney(t.totalCents, t.currency);
    const counted = t.counted ? "" : " · recorded, not added";
    return `**${sourceName(t.source)}**${t.currency !== currency ? ` (${t.currency})` : ""}: ${money} · ${t.count} ${t.count === 1 ? "entry" : "entries"}${counted}${t.last ? ` · last ${discordTime(t.last, "R")}` : ""}`;
  });
  const embed = new EmbedBuilder()
    .setColor(COLOR)
    .setTitle("Money per source")
    .setDescription(
      lines.join("\n").slice(0, 4_000) ||
        "Nothing recorded yet. Set up Stripe, Ko-fi or a signed webhook (README), or use /campaign import.",
    )
    .setFooter({
      text: `Total raised ${formatMoney(raisedCents, currency)}${ledgerCents !== raisedCents ? ` (the ledger adds up to ${formatMoney(ledgerCents, currency)})` : ""}`,
    });
  return { embeds: [embed] };
}

interface DonationRow {
  source: string;
  amountCents: number;
  currency: string;
  counted: boolean;
  donorName: string | null;
  message: string | null;
  receivedAt: Date;
}

export function donationsView(rows: DonationRow[]) {
  const lines = rows.map((d) => {
    const who = d.donorName
      ? escapeDonorText(d.donorName)
      : d.amountCents < 0
        ? "refund"
        : d.source === "adjustment" || d.source === "manual"
          ? "organizer"
          : "anonymous";
    const said = d.message ? ` · “${escapeDonorText(d.message.slice(0, 80))}”` : "";
    return `${discordTime(d.receivedAt, "f")} · ${sourceName(d.source)} · **${formatMoney(d.amountCents, d.currency)}**${d.counted ? "" : " (not added)"} · ${who}${said}`;
  });
  const embed = new EmbedBuilder()
    .setColor(COLOR)
    .setTitle("Latest donations, newest first")
    .setDescription(lines.join("\n").slice(0, 4_000) || "No donations yet.");
  return { embeds: [embed] };
}

/** One short line per donation for DONATION_CHANNEL_ID: the name only when public, never the message. */
export function thankYouLine(d: {
  donorName: string | null;
  amountCents: number;
  currency: string;
  source: string;
}): string {
  const money = formatMoney(d.amountCents, d.currency);
  return d.donorName
    ? `💃 Thank you, **${escapeDonorText(d.donorName)}**, for ${money}!`
    : `💃 Thank you for ${money}, whoever you are!`;
}
