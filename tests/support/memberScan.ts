// Looks for a member in every table and every text column of the database (SQLite or PostgreSQL), found
// from the database's own catalogue, not from our list of tables: a table or column added later is scanned
// too. Also the recount of every counter the campaign keeps, for "every counter equals a recount".
import type { Db } from "../../src/db/client.js";
import { setMinutes } from "../../src/services/lineup.js";
import { readMetrics } from "../../src/services/metrics.js";

export interface FoundRow {
  table: string;
  column: string;
  row: Record<string, unknown>;
}

async function isSqlite(db: Db): Promise<boolean> {
  return db.$queryRawUnsafe("SELECT sqlite_version()").then(
    () => true,
    () => false,
  );
}

async function textColumns(db: Db, sqlite: boolean): Promise<{ table: string; column: string }[]> {
  if (sqlite) {
    const tables = await db.$queryRawUnsafe<{ name: string }[]>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'",
    );
    const out: { table: string; column: string }[] = [];
    for (const t of tables) {
      const cols = await db.$queryRawUnsafe<{ name: string; type: string }[]>(`PRAGMA table_info("${t.name}")`);
      for (const c of cols) if (/TEXT|CHAR/i.test(c.type)) out.push({ table: t.name, column: c.name });
    }
    return out;
  }
  const cols = await db.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations' AND data_type IN ('text', 'character varying')`,
  );
  return cols.map((c) => ({ table: c.table_name, column: c.column_name }));
}

/** Every row, in any table, with a text column containing one of `needles`. */
export async function rowsNaming(db: Db, needles: string[]): Promise<FoundRow[]> {
  const sqlite = await isSqlite(db);
  const columns = await textColumns(db, sqlite);
  if (columns.length < 30) throw new Error(`only ${columns.length} text columns found: the scan is broken`);
  const found: FoundRow[] = [];
  for (const { table, column } of columns) {
    for (const needle of needles) {
      const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
        `SELECT * FROM "${table}" WHERE "${column}" LIKE ${sqlite ? "?" : "$1"}`,
        `%${needle}%`,
      );
      for (const row of rows) found.push({ table, column, row });
    }
  }
  return found;
}

/** A row's identity within its table: its id, or its key columns. */
export function rowKey(table: string, row: Record<string, unknown>): string {
  if (row.id !== undefined) return `${table}#${String(row.id)}`;
  return `${table}#${["userId", "requestId", "setId"].map((k) => String(row[k] ?? "")).join("/")}`;
}

/** Every kept counter against a recount of the rows; returns the differences (empty when all agree). */
export async function counterDifferences(db: Db, opts: { perVolunteer?: boolean } = {}): Promise<string[]> {
  const diffs: string[] = [];
  const check = (what: string, kept: number, counted: number) => {
    if (kept !== counted) diffs.push(`${what}: kept ${kept}, counted ${counted}`);
  };
  const events = await db.event.findMany({ include: { rsvps: true } });
  const totals = { going: 0, maybe: 0, waitlisted: 0 };
  for (const e of events) {
    if (e.status !== "scheduled") continue;
    const sum = (s: string) => e.rsvps.filter((r) => r.status === s).reduce((a, r) => a + 1 + r.guests, 0);
    const going = sum("going");
    const waiting = sum("waitlisted");
    const maybe = e.rsvps.filter((r) => r.status === "maybe").length;
    check(`event ${e.id} seats`, e.seatsTaken, going);
    check(`event ${e.id} waitlisted`, e.waitlisted, waiting);
    check(`event ${e.id} maybes`, e.maybeCount, maybe);
    if (e.capacity !== null && e.seatsTaken > e.capacity) diffs.push(`event ${e.id} over capacity`);
    // Nobody waiting fits in the free seats (the waitlist's invariant).
    const free = e.capacity === null ? Infinity : e.capacity - e.seatsTaken;
    for (const r of e.rsvps)
      if (r.status === "waitlisted" && 1 + r.guests <= free) diffs.push(`event ${e.id}: ${r.userId} fits but waits`);
    totals.going += going;
    totals.waitlisted += waiting;
    totals.maybe += maybe;
  }
  const m = await readMetrics(db);
  check("rsvps_going", m.rsvps_going, totals.going);
  check("rsvps_waitlisted", m.rsvps_waitlisted, totals.waitlisted);
  check("rsvps_maybe", m.rsvps_maybe, totals.maybe);

  const shifts = await db.shift.findMany({ include: { assignments: true } });
  for (const s of shifts) check(`shift ${s.id} taken`, s.taken, s.assignments.length);
  check(
    "shift_slots_filled",
    m.shift_slots_filled,
    shifts.reduce((a, s) => a + s.taken, 0),
  );
  const volunteers = await db.volunteer.findMany();
  const assignments = await db.shiftAssignment.findMany();
  // Per member (skipped after retention, which renames old assignments but leaves each member's totals).
  if (opts.perVolunteer !== false) {
    for (const v of volunteers)
      check(`volunteer ${v.userId} held`, v.heldCount, assignments.filter((a) => a.userId === v.userId).length);
    for (const a of assignments)
      if (!volunteers.some((v) => v.userId === a.userId))
        diffs.push(`assignment ${a.id} of ${a.userId}: no volunteer row`);
  }
  check("volunteers", m.volunteers, volunteers.filter((v) => v.heldCount > 0).length);
  check(
    "volunteer_minutes_served",
    m.volunteer_minutes_served,
    volunteers.reduce((a, v) => a + v.minutesServed, 0),
  );

  const sets = await db.djSet.findMany({ where: { status: "scheduled" } });
  check("lineup_sets", m.lineup_sets, sets.length);
  check(
    "lineup_minutes",
    m.lineup_minutes,
    sets.reduce((a, s) => a + setMinutes(s), 0),
  );
  for (const stage of await db.djStage.findMany())
    check(`stage ${stage.name}`, stage.sets, sets.filter((s) => s.stage === stage.name).length);
  check("djs_approved", m.djs_approved, await db.djOffer.count({ where: { status: "approved" } }));

  const requests = await db.trackRequest.findMany({ include: { voters: true } });
  check("track_requests", m.track_requests, requests.length);
  for (const r of requests) check(`request ${r.id} votes`, r.votes, r.voters.length);
  check(
    "track_votes",
    m.track_votes,
    requests.reduce((a, r) => a + r.voters.filter((v) => v.userId !== r.requestedBy).length, 0),
  );
  for (const o of await db.trackRequesterSet.findMany()) {
    const open = requests.filter((r) => r.setId === o.setId && r.requestedBy === o.userId && r.status === "queued");
    check(`open requests ${o.userId} in set ${o.setId}`, o.open, open.length);
  }
  return diffs;
}
