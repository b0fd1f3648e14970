// The audit trail: every organizer action is one AuditEntry row (who, when, what, on what, before and after),
// written by recordAudit inside the action's own transaction. So the trail and the data agree: an action that
// fails (a UserError, a crash, a rolled-back conflict) leaves no row, and a row never lacks its action.
//
// Invariants:
// - One row per organizer action, written with the `tx` of the action (recordAudit takes a Tx, never a Db).
// - `at` is the caller's clock; the actor is plain values (the Discord id, and the name the server showed then).
// - Member ids live only in actorId, memberId and subjectId (subjectType "member"), never inside the JSON or
//   the labels, so forgetting a member (forgetAuditMember) finds every row that names them by index and
//   leaves the row and its numbers, credited to "a former member".
// - before/after are small JSON objects of the fields that changed; long strings are clipped.
import type { Prisma } from "../generated/prisma/client.js";
import type { DbOrTx, Tx } from "../db/client.js";
import { UserError } from "../errors.js";
import { paged, type Cell } from "./csv.js";

/** Who did it: the organizer's Discord id and the name the server showed for them at that moment. */
export interface Actor {
  id: string;
  name: string;
}

/** The closed set of kinds. Their names are what /audit filters by and what the CSV carries. */
export const AUDIT_KINDS = {
  "event.create": "Event created",
  "event.edit": "Event edited",
  "event.capacity": "Event capacity changed",
  "event.cancel": "Event cancelled",
  "rsvp.remove": "Answer removed",
  "shift.create": "Shift added",
  "shift.edit": "Shift edited",
  "shift.delete": "Shift removed",
  "shift.checkin": "Volunteer checked in",
  "shift.noshow": "No-show recorded",
  "dj.approve": "DJ offer approved",
  "dj.decline": "DJ offer declined",
  "lineup.place": "Set placed in the lineup",
  "campaign.setup": "Campaign set up",
  "money.raised": "Raised total set",
  "money.donation": "Donation added",
  "money.import": "Donation import confirmed",
  "money.import_cancel": "Donation import cancelled",
  "milestone.add": "Milestone added",
  "milestone.remove": "Milestone removed",
  "posting.pause": "Posting paused",
  "posting.resume": "Posting resumed",
  "post.retry": "Failed post queued again",
  "member.forget": "Member forgotten on their behalf",
} as const;

export type AuditKind = keyof typeof AUDIT_KINDS;

export function isAuditKind(value: unknown): value is AuditKind {
  return typeof value === "string" && Object.hasOwn(AUDIT_KINDS, value);
}

export type SubjectType =
  "event" | "shift" | "offer" | "set" | "member" | "campaign" | "milestone" | "donation_import" | "post";

export interface AuditSubject {
  type: SubjectType;
  id: string | number;
  /** A short description as it is now (an event's name, a shift's line). Never a member's name or id. */
  label: string;
}

export type AuditValues = Record<string, string | number | boolean | null | undefined | Date | readonly string[]>;

export interface AuditInput {
  kind: AuditKind;
  subject: AuditSubject;
  /** A member the action concerned besides the actor (who was checked in, whose answer was removed). */
  memberId?: string | null;
  before?: AuditValues | null;
  after?: AuditValues | null;
}

/** What a forgotten member becomes in the trail. */
export const FORMER_MEMBER = "a former member";
/** The id a forgotten member's columns get: not a Discord id, so it matches nobody. */
export const FORMER_MEMBER_ID = "former";

export const NAME_MAX = 100;
export const LABEL_MAX = 200;
/** The longest string kept inside before/after; longer ones end in "…". */
export const VALUE_MAX = 300;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function json(values: AuditValues | null | undefined): string | null {
  if (!values) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out[key] =
      value instanceof Date
        ? value.toISOString()
        : typeof value === "string"
          ? clip(value, VALUE_MAX)
          : Array.isArray(value)
            ? value.map((v: string) => clip(v, VALUE_MAX))
            : value;
  }
  return JSON.stringify(out);
}

/** Writes one row of the trail. Call it with the action's transaction, after the action's checks passed. */
export async function recordAudit(tx: Tx, actor: Actor, now: Date, input: AuditInput): Promise<void> {
  if (!isAuditKind(input.kind)) throw new Error(`unknown audit kind ${String(input.kind)}`);
  await tx.auditEntry.create({
    data: {
      at: now,
      actorId: actor.id,
      actorName: clip(actor.name.trim() || actor.id, NAME_MAX),
      kind: input.kind,
      subjectType: input.subject.type,
      subjectId: String(input.subject.id),
      subjectLabel: clip(input.subject.label, LABEL_MAX),
      memberId: input.memberId ?? null,
      before: json(input.before),
      after: json(input.after),
    },
  });
}

/** Only the values that differ between before and after, for a compact edit row. */
export function changedValues(
  before: AuditValues,
  after: AuditValues,
): { before: AuditValues; after: AuditValues } | null {
  const b: AuditValues = {};
  const a: AuditValues = {};
  const same = (x: unknown, y: unknown) =>
    x instanceof Date && y instanceof Date ? x.getTime() === y.getTime() : JSON.stringify(x) === JSON.stringify(y);
  for (const key of Object.keys(after)) {
    if (!same(before[key], after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return Object.keys(a).length ? { before: b, after: a } : null;
}

export interface AuditFilter {
  /** Rows by this member (as actor) or about them (as the member concerned or the subject). */
  memberId?: string | null;
  kind?: AuditKind | null;
}

export const MEMBER_ID = /^\d{15,22}$/;

/** Checks a filter that came from outside (options, a customId): forged values are refused in words. */
export function checkFilter(filter: { memberId?: string | null; kind?: string | null }): AuditFilter {
  if (filter.memberId && !MEMBER_ID.test(filter.memberId))
    throw new UserError("Pick a member from the list as you type.");
  if (filter.kind && !isAuditKind(filter.kind))
    throw new UserError("Pick a kind from the list as you type (or leave it out for every kind).");
  return { memberId: filter.memberId || null, kind: (filter.kind as AuditKind | null | undefined) || null };
}

function where(filter: AuditFilter): Prisma.AuditEntryWhereInput {
  const and: Prisma.AuditEntryWhereInput[] = [];
  if (filter.kind) and.push({ kind: filter.kind });
  if (filter.memberId) {
    const id = filter.memberId;
    and.push({ OR: [{ actorId: id }, { memberId: id }, { subjectType: "member", subjectId: id }] });
  }
  return and.length ? { AND: and } : {};
}

export type AuditRow = Awaited<ReturnType<typeof auditPage>>["rows"][number];

/** One page of the trail, newest first (by time, then by id for actions of the same instant). */
export async function auditPage(db: DbOrTx, filter: AuditFilter, page: number, pageSize: number) {
  const rows = await db.auditEntry.findMany({
    where: where(filter),
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip: page * pageSize,
    take: pageSize + 1,
  });
  return { rows: rows.slice(0, pageSize), hasNext: rows.length > pageSize };
}

export const AUDIT_CSV_HEADER = [
  "id",
  "at_utc",
  "actor_id",
  "actor_name",
  "kind",
  "subject_type",
  "subject_id",
  "subject",
  "member_id",
  "before",
  "after",
];

/** Every row matching the filter, oldest first, read in pages by id: for csvStream. */
export async function* auditCsvRows(db: DbOrTx, filter: AuditFilter): AsyncIterable<Cell[]> {
  const base = where(filter);
  const rows = paged((afterId, take) =>
    db.auditEntry.findMany({ where: { AND: [base, { id: { gt: afterId } }] }, orderBy: { id: "asc" }, take }),
  );
  for await (const r of rows) {
    yield [
      r.id,
      r.at,
      r.actorId,
      r.actorName,
      r.kind,
      r.subjectType,
      r.subjectId,
      r.subjectLabel,
      r.memberId,
      r.before,
      r.after,
    ];
  }
}

/**
 * Forgetting a member in the trail: rows keep their kind, time and numbers, and the member becomes
 * "a former member" wherever they acted, were concerned or were the subject. Call it in the forget's transaction.
 */
export async function forgetAuditMember(tx: Tx, userId: string): Promise<number> {
  const acted = await tx.auditEntry.updateMany({
    where: { actorId: userId },
    data: { actorId: FORMER_MEMBER_ID, actorName: FORMER_MEMBER },
  });
  const subject = await tx.auditEntry.updateMany({
    where: { subjectType: "member", subjectId: userId },
    data: { subjectId: FORMER_MEMBER_ID, subjectLabel: FORMER_MEMBER },
  });
  // A DJ offer or set carries the DJ's chosen name in its label: it goes with them.
  const named = await tx.auditEntry.updateMany({
    where: { memberId: userId, subjectType: { in: ["offer", "set"] } },
    data: { subjectLabel: `${FORMER_MEMBER}'s DJ offer or set` },
  });
  const concerned = await tx.auditEntry.updateMany({ where: { memberId: userId }, data: { memberId: null } });
  return acted.count + subject.count + named.count + concerned.count;
}
