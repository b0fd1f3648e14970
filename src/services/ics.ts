// iCalendar (RFC 5545), written by hand: it is a few lines. One writer for an event's file and the calendar
// feeds. The UID is stable per event, and SEQUENCE is the event's revision (one more per edit a calendar
// shows), so adding the file again updates the calendar entry instead of creating a second one; a cancelled
// event carries STATUS:CANCELLED.
import type { Event } from "../generated/prisma/client.js";
import { effectiveEnd } from "./events.js";

export const ICS_DOMAIN = "keep-dancing.bot";

export function eventUid(eventId: number): string {
  return `event-${eventId}@${ICS_DOMAIN}`;
}

/** 20261205T200000Z */
function utc(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11). */
export function escapeText(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n");
}

/** Lines longer than 75 octets are folded: CRLF and a space, never inside a UTF-8 character (RFC 5545 3.1). */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, "utf8");
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with a space
    if (octets + size > limit) {
      out.push(current);
      current = "";
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join("\r\n ");
}

export type IcsEvent = Pick<
  Event,
  "id" | "name" | "description" | "location" | "startsAt" | "endsAt" | "status" | "revision" | "updatedAt"
>;

/** One VEVENT: what the event attachments and the calendar feeds (src/services/calendarFeeds.ts) both write. */
export interface VEvent {
  uid: string;
  /** Grows with every change of the entry, so calendars replace it rather than keep the old one. */
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  summary: string;
  location?: string | null;
  description?: string | null;
  status: "CONFIRMED" | "TENTATIVE" | "CANCELLED";
  lastModified?: Date;
}

export function eventVEvent(event: IcsEvent): VEvent {
  return {
    uid: eventUid(event.id),
    sequence: event.revision,
    startsAt: event.startsAt,
    endsAt: effectiveEnd(event),
    summary: event.name,
    location: event.location,
    description: event.description,
    status: event.status === "cancelled" ? "CANCELLED" : "CONFIRMED",
    lastModified: event.updatedAt,
  };
}

function veventLines(v: VEvent, now: Date): string[] {
  return [
    "BEGIN:VEVENT",
    `UID:${v.uid}`,
    `DTSTAMP:${utc(now)}`,
    `SEQUENCE:${v.sequence}`,
    `DTSTART:${utc(v.startsAt)}`,
    `DTEND:${utc(v.endsAt)}`,
    `SUMMARY:${escapeText(v.summary)}`,
    ...(v.location ? [`LOCATION:${escapeText(v.location)}`] : []),
    ...(v.description ? [`DESCRIPTION:${escapeText(v.description)}`] : []),
    `STATUS:${v.status}`,
    ...(v.lastModified ? [`LAST-MODIFIED:${utc(v.lastModified)}`] : []),
    "END:VEVENT",
  ];
}

/**
 * A calendar of any number of entries. `name` (X-WR-CALNAME) titles a subscribed feed; subscribed calendars
 * are told to refresh hourly.
 */
export function calendarIcs(vevents: VEvent[], now: Date, feed?: { name: string }): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//keep-dancing//events//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    ...(feed
      ? [`X-WR-CALNAME:${escapeText(feed.name)}`, "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"]
      : []),
    ...vevents.flatMap((v) => veventLines(v, now)),
    "END:VCALENDAR",
  ];
  return lines.map(foldLine).join("\r\n") + "\r\n";
}

export function eventIcs(event: IcsEvent, now: Date): string {
  return calendarIcs([eventVEvent(event)], now);
}

/** A file name safe everywhere: the event's name reduced to letters, digits and dashes. */
export function icsFileName(event: Pick<Event, "id" | "name">): string {
  const slug = event.name
    .normalize("NFKD")
    .replace(/[^\w-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .toLowerCase();
  return `${slug || `event-${event.id}`}.ics`;
}
