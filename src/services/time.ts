// Times: stored in UTC, typed by members in the campaign's time zone, shown as Discord timestamps so that
// every member reads their own local time. Parsing is chrono-node (phrases) and luxon (zones, DST).
import { createRequire } from "node:module";
import type * as Chrono from "chrono-node";
import { DateTime } from "luxon";
import { UserError } from "../errors.js";

/** chrono-node (phrases such as "next friday 8pm") is loaded on the first phrase read, not at start. */
let chronoModule: typeof Chrono | undefined;
const chrono = {
  parse: (...args: Parameters<typeof Chrono.parse>) =>
    (chronoModule ??= createRequire(import.meta.url)("chrono-node") as typeof Chrono).parse(...args),
};

export const TIME_EXAMPLES = "2026-12-05 20:00, 2026-12-05T20:00-08:00, or a phrase such as next friday 8pm";

/**
 * Reads a time as a member typed it, in `timeZone`, relative to `now`. Accepts `2026-12-05 20:00`,
 * ISO 8601 with an offset, and phrases (`tomorrow 9am`, `next friday 8pm`, `dec 5 at 20:00`).
 * Returns null when nothing in the text reads as a time.
 */
export function parseWhen(text: string, timeZone: string, now: Date): Date | null {
  const input = text.trim();
  if (!input) return null;
  // ISO 8601 with an explicit offset or Z: the text says its own zone.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(input)) {
    const iso = DateTime.fromISO(input, { setZone: true });
    return iso.isValid ? iso.toJSDate() : null;
  }
  // A plain date and time: read in the campaign's zone.
  const plain = input.match(/^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/);
  if (plain) {
    const [, y, mo, d, h, mi] = plain.map(Number) as number[];
    const dt = DateTime.fromObject({ year: y, month: mo, day: d, hour: h, minute: mi }, { zone: timeZone });
    return dt.isValid ? dt.toJSDate() : null;
  }
  // A phrase. chrono reads wall-clock components against a reference; giving it the zone's wall clock as if
  // it were UTC, then rebuilding the components in the zone with luxon, keeps DST and the zone right.
  const wall = DateTime.fromJSDate(now, { zone: timeZone });
  const reference = new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second));
  const [result] = chrono.parse(input, { instant: reference, timezone: 0 }, { forwardDate: true });
  if (!result) return null;
  const c = result.start;
  const components = {
    year: c.get("year") ?? wall.year,
    month: c.get("month") ?? wall.month,
    day: c.get("day") ?? wall.day,
    hour: c.get("hour") ?? 0,
    minute: c.get("minute") ?? 0,
  };
  // chrono marks the offset certain for relative phrases too ("in 2 hours" takes the reference's). Only an
  // offset written in the text stays the same when the reference's offset changes.
  const [probe] = chrono.parse(input, { instant: reference, timezone: 120 }, { forwardDate: true });
  const written = c.isCertain("timezoneOffset") && probe?.start.get("timezoneOffset") === c.get("timezoneOffset");
  const offset = written ? c.get("timezoneOffset") : null;
  const zone =
    offset === null || offset === undefined
      ? timeZone
      : `UTC${offset >= 0 ? "+" : "-"}${Math.floor(Math.abs(offset) / 60)}:${String(Math.abs(offset) % 60).padStart(2, "0")}`;
  const dt = DateTime.fromObject(components, { zone });
  return dt.isValid ? dt.toJSDate() : null;
}

/** parseWhen for a command option: a clear refusal instead of null. `what` names the option ("start"). */
export function requireWhen(text: string, what: string, timeZone: string, now: Date): Date {
  const when = parseWhen(text, timeZone, now);
  if (!when)
    throw new UserError(
      `I could not read "${text.slice(0, 60)}" as a time for ${what}. Try ${TIME_EXAMPLES} (times are in ${timeZone}).`,
    );
  return when;
}

export type TimestampStyle = "F" | "f" | "D" | "d" | "T" | "t" | "R";

/** A Discord timestamp: every member sees it in their own time zone and language. */
export function discordTime(date: Date, style: TimestampStyle = "F"): string {
  return `<t:${Math.floor(date.getTime() / 1000)}:${style}>`;
}

/** "Friday, December 5, 2026 8:00 PM (in 6 days)", as Discord shows it: the echo that says how a time was read. */
export function discordWhen(date: Date): string {
  return `${discordTime(date, "F")} (${discordTime(date, "R")})`;
}

/** The start and end of a calendar day in the campaign's zone, for `[day]` filters. */
export function dayRange(text: string, timeZone: string, now: Date): { from: Date; to: Date } {
  const when = requireWhen(text, "the day", timeZone, now);
  const day = DateTime.fromJSDate(when, { zone: timeZone }).startOf("day");
  return { from: day.toJSDate(), to: day.plus({ days: 1 }).toJSDate() };
}

/** A time as text for places where Discord timestamps do not render (CSV, DMs read in notifications, X). */
export function plainTime(date: Date, timeZone: string): string {
  return DateTime.fromJSDate(date, { zone: timeZone }).toFormat("yyyy-LL-dd HH:mm ZZZZ");
}
