// Milestones: numbers that, once a metric reaches them, are posted once. A change finds them by comparing
// the metric's value before and after against an index on (metric, status, threshold): never by counting
// the metric's rows. A jump over several posts once, for the highest, and marks the others passed over.
import type { Db, DbOrTx } from "../db/client.js";
import { recordAudit, type Actor } from "./audit.js";
import { UserError } from "../errors.js";
import { cardAltText, cardData, type CardData } from "./cardData.js";
import { queueTweet } from "./tweetOutbox.js";
import { defaultTemplate, renderTemplate, validateTemplate, type TemplateValues } from "./postText.js";
import { formatCount, formatMoney, MAX_CENTS, percentOf, requireAmount } from "./amounts.js";
import { METRICS, metricUnit, type MetricName } from "./metricNames.js";
import { readMetrics, watchMetrics, type MetricChange } from "./metrics.js";
import type { TextLimits } from "./networkText.js";

export const DEFAULT_MONEY_PERCENTS = [25, 50, 75, 100, 150, 200];
export const DEFAULT_COUNT_MILESTONES: Partial<Record<MetricName, number[]>> = {
  rsvps_going: [100, 250, 500, 1000],
  volunteers: [10, 25, 50, 100],
};
/** Milestones that go on for ever: RSVPs every 1,000 after 1,000. Created when crossed, so no table of the future. */
export const REPEATING: Partial<Record<MetricName, { after: number; every: number }>> = {
  rsvps_going: { after: 1000, every: 1000 },
};
export const MAX_MILESTONES = 200;

type Metrics = Record<MetricName, number>;
type CampaignLike = { name: string; goalCents: number; currency: string; hashtag: string | null };
type MilestoneLike = { id: number; metric: string; threshold: number; percent: number | null; template: string | null };

export function moneyThreshold(goalCents: number, percent: number): number {
  return Math.min(MAX_CENTS, Math.ceil((goalCents * percent) / 100));
}

/** The first setup's milestones; those already reached are marked passed (a setup is not a crossing). */
export async function installDefaultMilestones(
  tx: DbOrTx,
  goalCents: number,
  metrics: Metrics,
  now: Date,
): Promise<void> {
  const rows: { metric: MetricName; threshold: number; percent: number | null }[] = [
    ...DEFAULT_MONEY_PERCENTS.map((percent) => ({
      metric: "raised_cents" as const,
      threshold: moneyThreshold(goalCents, percent),
      percent,
    })),
    ...Object.entries(DEFAULT_COUNT_MILESTONES).flatMap(([metric, list]) =>
      list.map((threshold) => ({ metric: metric as MetricName, threshold, percent: null })),
    ),
  ];
  for (const row of rows) {
    const reached = metrics[row.metric] >= row.threshold;
    await tx.$executeRaw`
      INSERT INTO "Milestone" ("metric", "threshold", "percent", "status", "reachedValue", "createdAt")
      VALUES (${row.metric}, ${row.threshold}, ${row.percent}, ${reached ? "passed" : "open"}, ${reached ? metrics[row.metric] : null}, ${now})
      ON CONFLICT ("metric", "threshold") DO NOTHING`;
  }
}

/** A new goal moves the open percent milestones; any it brings below the total are passed, not posted. */
export async function retargetMoneyMilestones(
  tx: DbOrTx,
  goalCents: number,
  raisedCents: number,
  now: Date,
): Promise<void> {
  const open = await tx.milestone.findMany({
    where: { metric: "raised_cents", status: "open", percent: { not: null } },
  });
  // Remove then re-insert: moving thresholds one by one could collide on (metric, threshold) midway.
  await tx.milestone.deleteMany({ where: { id: { in: open.map((m) => m.id) } } });
  for (const m of open) {
    const threshold = moneyThreshold(goalCents, m.percent!);
    const reached = raisedCents >= threshold;
    await tx.$executeRaw`
      INSERT INTO "Milestone" ("metric", "threshold", "percent", "template", "status", "reachedValue", "createdBy", "createdAt")
      VALUES ('raised_cents', ${threshold}, ${m.percent}, ${m.template}, ${reached ? "passed" : "open"}, ${reached ? raisedCents : null}, ${m.createdBy}, ${now})
      ON CONFLICT ("metric", "threshold") DO NOTHING`;
  }
}

export interface Crossing {
  milestoneId: number;
  threshold: number;
  passedOver: number[];
  queued: boolean;
}

/**
 * Called by adjustMetric/setMetric inside the change's transaction. Cheap when nothing is crossed: one
 * indexed query. Open milestones at or below the new value are reached: the highest is posted, the rest passed.
 */
export async function checkMilestones(tx: DbOrTx, change: MetricChange, now: Date): Promise<Crossing | null> {
  if (change.after <= change.before) return null;
  const repeat = REPEATING[change.name];
  if (repeat) {
    const top = Math.floor(change.after / repeat.every) * repeat.every;
    if (top > repeat.after && top > change.before) {
      await tx.$executeRaw`
        INSERT INTO "Milestone" ("metric", "threshold", "status", "createdAt") VALUES (${change.name}, ${top}, 'open', ${now})
        ON CONFLICT ("metric", "threshold") DO NOTHING`;
    }
  }
  // Nearly every change crosses nothing: one plain indexed probe answers that, cheaper than an ORM query
  // (every answer, claim and vote runs this check: issue 15's profile).
  const any = await tx.$queryRaw<unknown[]>`
    SELECT 1 FROM "Milestone" WHERE "metric" = ${change.name} AND "status" = 'open' AND "threshold" <= ${change.after} LIMIT 1`;
  if (!any.length) return null;
  const crossed = await tx.milestone.findMany({
    where: { metric: change.name, status: "open", threshold: { lte: change.after } },
    orderBy: { threshold: "desc" },
  });
  if (!crossed.length) return null;
  const campaign = await tx.campaign.findUnique({ where: { id: 1 } });
  if (!campaign) return null; // nothing to post about yet: they stay open
  const [top, ...rest] = crossed as [(typeof crossed)[number], ...typeof crossed];
  // Conditional: a concurrent change that reached it first (PostgreSQL) wins, and this one posts nothing.
  const claimed = await tx.milestone.updateMany({
    where: { id: top.id, status: "open" },
    data: { status: "reached", reachedAt: now, reachedValue: change.after },
  });
  if (claimed.count !== 1) return null;
  if (rest.length) {
    await tx.milestone.updateMany({
      where: { id: { in: rest.map((m) => m.id) }, status: "open" },
      data: { status: "passed", reachedAt: now, reachedValue: change.after },
    });
  }
  const metrics = await readMetrics(tx);
  const post = milestonePost(campaign, metrics, top, change.after);
  const queued = await queueTweet(
    tx,
    {
      dedupeKey: `milestone:${top.id}`,
      kind: "milestone",
      milestoneId: top.id,
      text: post.text,
      altText: cardAltText(post.card),
      card: post.card,
      announce: true,
    },
    now,
  );
  return { milestoneId: top.id, threshold: top.threshold, passedOver: rest.map((m) => m.threshold), queued };
}

// Every counter change runs the check, in its own transaction (see metrics.ts).
watchMetrics(checkMilestones);

/** "50% of the goal", "$10,000", "1,000": the milestone in words. */
export function milestoneLabel(m: Pick<MilestoneLike, "metric" | "threshold" | "percent">, currency: string): string {
  if (m.metric === "raised_cents")
    return m.percent !== null ? `${m.percent}% of the goal` : formatMoney(m.threshold, currency);
  return formatCount(m.threshold);
}

/** "50% of the goal", "$10,000 raised", "1,000 going", "8 sets (lineup full)": a milestone in a list. */
export function milestoneSummary(m: Pick<MilestoneLike, "metric" | "threshold" | "percent">, currency: string): string {
  const label = milestoneLabel(m, currency);
  return m.metric === "raised_cents" && m.percent !== null ? label : `${label} ${metricUnit(m.metric)}`;
}

/**
 * An organizer's threshold as typed: for money "25%" (of the goal) or an amount such as "5,000"; for a
 * count digits such as "500" or "1,000".
 */
export function parseThreshold(
  metric: string,
  text: string,
  goalCents: number,
): { threshold: number; percent: number | null } {
  const typed = text.trim();
  const percentMatch = /^(\d{1,4})\s*%$/.exec(typed);
  if (metric === "raised_cents" && percentMatch) {
    const percent = Number(percentMatch[1]);
    if (percent < 1 || percent > 1000) throw new UserError("A percent of the goal must be from 1% to 1000%.");
    return { threshold: moneyThreshold(goalCents, percent), percent };
  }
  if (metric === "raised_cents") return { threshold: requireAmount(typed, "the threshold"), percent: null };
  if (!/^(\d{1,3}(,\d{3})+|\d{1,10})$/.test(typed)) {
    throw new UserError(`I could not read "${typed.slice(0, 20)}" as a number. Type digits, such as 500 or 1,000.`);
  }
  return { threshold: Number(typed.replace(/,/g, "")), percent: null };
}

function headline(m: MilestoneLike, currency: string): string {
  const label = milestoneLabel(m, currency);
  switch (m.metric) {
    case "raised_cents":
      return m.percent !== null ? `Milestone: ${label}` : `Milestone: ${label} raised`;
    case "rsvps_going":
      return `Milestone: ${label} going`;
    case "volunteers":
      return `Milestone: ${label} volunteers`;
    case "lineup_sets":
      return `Milestone: the lineup is full (${label} sets)`;
    default:
      return `Milestone: ${label} ${METRICS[m.metric as MetricName] ?? m.metric}`;
  }
}

export function templateValues(
  campaign: CampaignLike,
  metrics: Metrics,
  m: MilestoneLike,
  value: number,
): TemplateValues {
  const amount = (cents: number) => formatMoney(cents, campaign.currency);
  const isMoney = m.metric === "raised_cents";
  return {
    campaign: campaign.name,
    milestone: milestoneLabel(m, campaign.currency),
    threshold: isMoney ? amount(m.threshold) : formatCount(m.threshold),
    value: isMoney ? amount(value) : formatCount(value),
    percent: `${formatCount(percentOf(metrics.raised_cents, campaign.goalCents))}%`,
    raised: amount(metrics.raised_cents),
    goal: amount(campaign.goalCents),
    rsvps: formatCount(metrics.rsvps_going),
    volunteers: formatCount(metrics.volunteers),
    sets: formatCount(metrics.lineup_sets),
    metric: METRICS[m.metric as MetricName] ?? m.metric,
    hashtag: campaign.hashtag ? `#${campaign.hashtag}` : "",
  };
}

/** The post for a milestone: text from its template (or the metric's default) and the card's numbers. */
export function milestonePost(
  campaign: CampaignLike,
  metrics: Metrics,
  m: MilestoneLike,
  value: number,
): { text: string; card: CardData } {
  const text = renderTemplate(m.template ?? defaultTemplate(m.metric), templateValues(campaign, metrics, m, value));
  return { text, card: cardData(campaign, metrics, headline(m, campaign.currency)) };
}

export interface AddMilestoneInput {
  metric: string;
  /** Cents for money, a count otherwise; or a percent of the goal for money. */
  threshold: number;
  percent?: number | null;
  template?: string | null;
  userId: string;
  allowLinks: boolean;
  currency: string;
  /** The length limits of the configured destinations besides X (Bluesky, Mastodon). */
  limits?: TextLimits;
}

/** An organizer's milestone. Refused when already reached, when it exists, or when its template could make a bad post. */
export async function addMilestone(db: Db, input: AddMilestoneInput, now: Date, actor: Actor) {
  if (!(input.metric in METRICS))
    throw new UserError(`Pick a metric from the list: ${Object.keys(METRICS).join(", ")}.`);
  const metric = input.metric as MetricName;
  const template = input.template?.trim() || null;
  if (template) validateTemplate(template, input.allowLinks, input.limits);
  if (!Number.isSafeInteger(input.threshold) || input.threshold <= 0 || input.threshold > MAX_CENTS) {
    throw new UserError("The threshold must be a whole number above zero, such as 500.");
  }
  return db.$transaction(async (tx) => {
    const value = (await tx.metric.findUnique({ where: { name: metric } }))?.value ?? 0;
    if (input.threshold <= value) {
      throw new UserError(
        `${METRICS[metric]} is already at ${metric === "raised_cents" ? formatMoney(value, input.currency) : formatCount(value)}; pick a threshold above it.`,
        "conflict",
      );
    }
    if ((await tx.milestone.count({ where: { status: "open" } })) >= MAX_MILESTONES)
      throw new UserError(`There are already ${MAX_MILESTONES} open milestones; remove some first.`, "limited");
    const inserted = await tx.$executeRaw`
      INSERT INTO "Milestone" ("metric", "threshold", "percent", "template", "status", "createdBy", "createdAt")
      VALUES (${metric}, ${input.threshold}, ${input.percent ?? null}, ${template}, 'open', ${input.userId}, ${now})
      ON CONFLICT ("metric", "threshold") DO NOTHING`;
    if (inserted !== 1)
      throw new UserError(
        "There is already a milestone at that number for this metric. Remove it first to change its template.",
        "conflict",
      );
    const added = await tx.milestone.findUniqueOrThrow({
      where: { metric_threshold: { metric, threshold: input.threshold } },
    });
    await recordAudit(tx, actor, now, {
      kind: "milestone.add",
      subject: milestoneSubject(added, input.currency),
      after: { metric, threshold: added.threshold, percent: added.percent, template: added.template },
    });
    return added;
  });
}

/** The open milestones, for the organizer's pick of one to remove. */
export function openMilestones(db: DbOrTx) {
  return db.milestone.findMany({
    where: { status: "open" },
    orderBy: [{ metric: "asc" }, { threshold: "asc" }],
    take: MAX_MILESTONES,
  });
}

export function listMilestones(db: DbOrTx) {
  return db.milestone.findMany({ orderBy: [{ metric: "asc" }, { threshold: "asc" }], take: MAX_MILESTONES + 50 });
}

/** Removes an open milestone; reached ones stay, as the record of what was posted. */
export async function removeMilestone(db: Db, id: number, now: Date, actor: Actor, currency: string) {
  return db.$transaction(async (tx) => {
    const m = await tx.milestone.findUnique({ where: { id } });
    if (!m) throw new UserError("That milestone no longer exists. Pick one from the list.", "not_found");
    const removed = await tx.milestone.deleteMany({ where: { id, status: "open" } });
    if (removed.count !== 1)
      throw new UserError("That milestone was already reached; it stays as the record of what was posted.", "conflict");
    await recordAudit(tx, actor, now, {
      kind: "milestone.remove",
      subject: milestoneSubject(m, currency),
      before: { metric: m.metric, threshold: m.threshold, percent: m.percent, template: m.template },
    });
    return m;
  });
}

/** A milestone as the audit trail names it. */
function milestoneSubject(
  m: Pick<MilestoneLike, "metric" | "threshold" | "percent"> & { id: number },
  currency: string,
) {
  return { type: "milestone" as const, id: m.id, label: milestoneLabel(m, currency) };
}

/** The next open milestone of each metric above its current value, for /campaign status and preview. */
export async function nextMilestones(db: DbOrTx) {
  const open = await db.milestone.findMany({ where: { status: "open" }, orderBy: { threshold: "asc" } });
  const firstOfEach = new Map<string, (typeof open)[number]>();
  for (const milestone of open) if (!firstOfEach.has(milestone.metric)) firstOfEach.set(milestone.metric, milestone);
  return [...firstOfEach.values()];
}

/** Checks the default wordings once (they are ours, but a long name must not break them): used by tests. */
export function defaultTemplateProblem(metric: string, allowLinks = false): string | null {
  try {
    validateTemplate(defaultTemplate(metric), allowLinks);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
