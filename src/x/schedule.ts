// When posts may go out: quiet hours and the cap windows, in the campaign's time zone (luxon keeps the
// daylight-saving changes right), and the cron schedules as node-cron itself reads them.
import { DateTime } from "luxon";
import cron from "node-cron";

/** "23-08" -> quiet from 23:00 to 08:00 local time. Equal hours mean no quiet hours. */
export function parseQuietHours(spec: string | undefined): { from: number; to: number } | null {
  if (!spec) return null;
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(spec.trim());
  if (!m) return null;
  const from = Number(m[1]);
  const to = Number(m[2]);
  return from === to ? null : { from, to };
}

export function inQuietHours(now: Date, spec: string | undefined, timeZone: string): boolean {
  const quiet = parseQuietHours(spec);
  if (!quiet) return false;
  const hour = DateTime.fromJSDate(now, { zone: timeZone }).hour;
  return quiet.from < quiet.to ? hour >= quiet.from && hour < quiet.to : hour >= quiet.from || hour < quiet.to;
}

/** When the quiet hours end (the first local time at the `to` hour after now), for "held until". */
export function quietHoursEnd(now: Date, spec: string | undefined, timeZone: string): Date | null {
  const quiet = parseQuietHours(spec);
  if (!quiet || !inQuietHours(now, spec, timeZone)) return null;
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  let end = local.set({ hour: quiet.to, minute: 0, second: 0, millisecond: 0 });
  if (end <= local) end = end.plus({ days: 1 }).set({ hour: quiet.to });
  return end.toJSDate();
}

/** The start of the local day and month of `now`: the windows of TWEET_DAILY_CAP and TWEET_MONTHLY_CAP. */
export function capWindows(now: Date, timeZone: string): { day: Date; month: Date; dayKey: string; monthKey: string } {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  return {
    day: local.startOf("day").toJSDate(),
    month: local.startOf("month").toJSDate(),
    dayKey: local.toFormat("yyyy-LL-dd"),
    monthKey: local.toFormat("yyyy-LL"),
  };
}

/** Whether node-cron, scheduled with this time zone, fires at this minute (seconds ignored for 5-field expressions). */
export function cronFiresAt(expression: string, timeZone: string, at: Date): boolean {
  const task = cron.createTask(expression, () => undefined, { timezone: timeZone });
  try {
    return task.match(at);
  } finally {
    void task.destroy();
  }
}

/** The next minutes at which a 5-field schedule fires after `from` (scans minute by minute, at most `days`). */
export function nextCronRuns(expression: string, timeZone: string, from: Date, count = 1, days = 8): Date[] {
  const task = cron.createTask(expression, () => undefined, { timezone: timeZone });
  const runs: Date[] = [];
  try {
    let t = Math.floor(from.getTime() / 60_000) * 60_000 + 60_000;
    const end = from.getTime() + days * 86_400_000;
    for (; t <= end && runs.length < count; t += 60_000) if (task.match(new Date(t))) runs.push(new Date(t));
  } finally {
    void task.destroy();
  }
  return runs;
}
