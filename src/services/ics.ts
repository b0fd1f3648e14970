// An iCalendar file (RFC 5545) for an event, written by hand: it is a few lines. The UID is stable per
// event, and SEQUENCE is the event's revision (one more per edit a calendar shows), so adding the file again
// updates the calendar entry instead of creating a second one; a cancelled event carries STATUS:CANCELLED.
import type { Event } from "../generated/prisma/client.js";
import { effectiveEnd } from "./events.js";

export const ICS_DOMAIN = "keep-dancing.bot";

export function eventUid(eventId: number): string {
  return `event-${eventId}@${ICS_DOMAIN}`;
}

/** 20261205T200000Z */
function utc(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r\n|\r|\n/g, "\\n");
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

export type IcsEvent = Pick<Event, "id" | "name" | "description" | "location" | "startsAt" | "endsAt" | "status" | "revision" | "updatedAt">;

export function eventIcs(event: IcsEvent, now: Date): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//keep-dancing//events//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    `UID:${eventUid(event.id)}`,
    `DTSTAMP:${utc(now)}`,
    `SEQUENCE:${event.revision}`,
    `DTSTART:${utc(event.startsAt)}`,
    `DTEND:${utc(effectiveEnd(event))}`,
    `SUMMARY:${escapeText(event.name)}`,
    ...(event.location ? [`LOCATION:${escapeText(event.location)}`] : []),
    ...(event.description ? [`DESCRIPTION:${escapeText(event.description)}`] : []),
    `STATUS:${event.status === "cancelled" ? "CANCELLED" : "CONFIRMED"}`,
    `LAST-MODIFIED:${utc(event.updatedAt)}`,
    "END:VEVENT",
    "END:VCALENDAR",
  ];
  return lines.map(foldLine).join("\r\n") + "\r\n";
}

/** A file name safe everywhere: the event's name reduced to letters, digits and dashes. */
export function icsFileName(event: Pick<Event, "id" | "name">): string {
  const slug = event.name.normalize("NFKD").replace(/[^\w-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).toLowerCase();
  return `${slug || `event-${event.id}`}.ics`;
}
