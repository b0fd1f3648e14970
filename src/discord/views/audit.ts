// A page of the audit trail: one line per action, newest first. Names, labels and the values before and after
// are member or organizer text: every part of them goes through escapeMemberText.
import { EmbedBuilder } from "discord.js";
import { AUDIT_KINDS, isAuditKind, type AuditFilter, type AuditRow } from "../../services/audit.js";
import { discordTime } from "../../services/time.js";
import { escapeMemberText } from "./escape.js";
import { pagerRows } from "./pager.js";
import { COLORS } from "./palette.js";

const LINE_MAX = 380;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function parse(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const show = (value: unknown) =>
  value === null || value === undefined ? "none" : clip(typeof value === "string" ? value : JSON.stringify(value), 60);

/** "capacity 100 → 120, name Old → New": the fields of before and after, each once. */
export function describeChange(before: string | null, after: string | null): string {
  const b = parse(before);
  const a = parse(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys
    .map((key) =>
      key in b && key in a
        ? `${key} ${show(b[key])} → ${show(a[key])}`
        : key in a
          ? `${key} ${show(a[key])}`
          : `${key} was ${show(b[key])}`,
    )
    .join(", ");
}

export function auditLine(row: AuditRow): string {
  const kind = isAuditKind(row.kind) ? AUDIT_KINDS[row.kind] : row.kind;
  const member = row.memberId ? ` · member <@${row.memberId}>` : "";
  const change = describeChange(row.before, row.after);
  const text = `${discordTime(row.at, "f")} · **${escapeMemberText(row.actorName)}** · ${kind}: ${escapeMemberText(row.subjectLabel)}${member}`;
  return clip(change ? `${text}\n-# ${escapeMemberText(change)}` : text, LINE_MAX);
}

export interface AuditPageView {
  rows: AuditRow[];
  hasNext: boolean;
  page: number;
  filter: AuditFilter;
  customId: (target: number) => string;
}

export function auditView({ rows, hasNext, page, filter, customId }: AuditPageView) {
  const scope = [
    filter.memberId ? `by or about <@${filter.memberId}>` : "",
    filter.kind ? `kind: ${AUDIT_KINDS[filter.kind]}` : "",
  ].filter(Boolean);
  const empty =
    page > 0
      ? "No more entries. Go back with Previous."
      : "No organizer action recorded yet" + (scope.length ? " for this filter." : ".");
  const embed = new EmbedBuilder()
    .setColor(COLORS.campaign)
    .setTitle(`Audit trail, newest first${page ? ` (page ${page + 1})` : ""}`)
    .setDescription(
      `${scope.length ? `Only ${scope.join(" · ")}.\n\n` : ""}${rows.map(auditLine).join("\n") || empty}`.slice(
        0,
        4096,
      ),
    )
    .setFooter({ text: "The whole trail as CSV: /audit export." });
  return { embeds: [embed], components: pagerRows({ page, hasNext, customId }) };
}
