// Campaign-wide counters, kept up to date in the same transaction as the change that moves them, so that
// /campaign status and milestone checks read a handful of rows however large the campaign grows.
// Every rise also runs the milestone check registered here (src/services/milestones.ts registers it when
// loaded), in the caller's transaction, which writes the post into the tweet outbox there: a crossing is
// never lost nor doubled. Registered rather than imported, so counters and milestones import no cycle.
import type { Db, DbOrTx } from "../db/client.js";
import { beforeCommit, isTransaction } from "../db/transaction.js";
import { METRICS, type MetricName } from "./metricNames.js";

export interface MetricChange {
  name: MetricName;
  before: number;
  after: number;
}

/** Runs after a counter changed, in the change's transaction: the milestone check. */
export type MetricWatcher = (tx: DbOrTx, change: MetricChange, now: Date) => Promise<unknown>;

let watcher: MetricWatcher | null = null;

/** Registers the check every change runs (one: a second registration replaces the first). */
export function watchMetrics(check: MetricWatcher): void {
  watcher = check;
}

async function changed(tx: DbOrTx, change: MetricChange, now: Date): Promise<void> {
  // Loud on purpose: a counter moved without its milestone check would silently skip a post.
  if (!watcher)
    throw new Error("no milestone check is registered: import src/services/milestones.js before changing a metric");
  await watcher(tx, change, now);
}

/**
 * Adds `delta` (may be negative) to a counter, as part of the caller's transaction. Inside a transaction the
 * deltas are summed and written just before it commits, every counter in name order: the counters are rows
 * that every change touches, and locking them last and in one order is what keeps concurrent changes from
 * deadlocking on PostgreSQL (and holds those locks for the shortest time). Milestones are checked then, in
 * the same transaction, so a crossing is still queued atomically with the change.
 */
export async function adjustMetric(db: DbOrTx, name: MetricName, delta: number, now: Date): Promise<void> {
  if (delta === 0) return;
  let buffer = pendingDeltas.get(db);
  if (!buffer) {
    const fresh = new Map<MetricName, number>();
    if (!beforeCommit(db, "metrics", () => applyDeltas(db, fresh, now))) {
      await applyMetric(db, name, delta, now); // not inside a transaction: at once
      return;
    }
    pendingDeltas.set(db, fresh);
    buffer = fresh;
  }
  buffer.set(name, (buffer.get(name) ?? 0) + delta);
}

const pendingDeltas = new WeakMap<object, Map<MetricName, number>>();

async function applyDeltas(tx: DbOrTx, deltas: Map<MetricName, number>, now: Date): Promise<void> {
  for (const name of [...deltas.keys()].sort()) {
    const delta = deltas.get(name)!;
    if (delta !== 0) await applyMetric(tx, name, delta, now);
  }
}

/**
 * Adds `delta` at once, in one statement, and returns the value before and after (what the money commands
 * show). Milestones crossed on the way up are queued in the same transaction.
 */
export async function applyMetric(db: DbOrTx, name: MetricName, delta: number, now: Date): Promise<MetricChange> {
  const rows = await db.$queryRaw<{ value: number | bigint }[]>`
    INSERT INTO "Metric" ("name", "value", "updatedAt") VALUES (${name}, ${delta}, ${now})
    ON CONFLICT ("name") DO UPDATE SET "value" = "Metric"."value" + ${delta}, "updatedAt" = ${now}
    RETURNING "value"`;
  const after = Number(rows[0]?.value ?? 0);
  const change = { name, before: after - delta, after };
  if (delta > 0) await changed(db, change, now);
  return change;
}

/**
 * Sets a counter to `value` (the money total read off the fundraising page). The first statement locks
 * the row (a write that changes nothing) and returns the value before, so no other change slips between.
 */
export async function setMetric(db: DbOrTx, name: MetricName, value: number, now: Date): Promise<MetricChange> {
  if (isTransaction(db)) return setInTx(db, name, value, now);
  return (db as Db).$transaction((tx) => setInTx(tx, name, value, now));
}

async function setInTx(tx: DbOrTx, name: MetricName, value: number, now: Date): Promise<MetricChange> {
  const rows = await tx.$queryRaw<{ value: number | bigint }[]>`
    INSERT INTO "Metric" ("name", "value", "updatedAt") VALUES (${name}, 0, ${now})
    ON CONFLICT ("name") DO UPDATE SET "value" = "Metric"."value"
    RETURNING "value"`;
  const before = Number(rows[0]?.value ?? 0);
  await tx.$executeRaw`UPDATE "Metric" SET "value" = ${value}, "updatedAt" = ${now} WHERE "name" = ${name}`;
  const change = { name, before, after: value };
  await changed(tx, change, now);
  return change;
}

/** Reads the counters; a counter never moved reads 0. */
export async function readMetrics(db: DbOrTx): Promise<Record<MetricName, number>> {
  const rows = await db.metric.findMany();
  const values = Object.fromEntries(Object.keys(METRICS).map((k) => [k, 0])) as Record<MetricName, number>;
  for (const row of rows) if (row.name in values) values[row.name as MetricName] = row.value;
  return values;
}
