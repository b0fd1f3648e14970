// Events: create, edit, cancel, find. The rules live here; commands/event.ts only parses and replies.
// Counts (seats taken, maybes, waitlist) are columns of the Event row, moved by src/services/rsvps.ts.
import { UserError } from "../errors.js";
import type { Db, DbOrTx, Tx } from "../db/client.js";
import type { Event } from "../generated/prisma/client.js";
import { changedValues, recordAudit, type Actor } from "./audit.js";
import { queueFanout } from "./dmFanout.js";
import { adjustMetric } from "./metrics.js";
import { lockEvent, promoteWaitlist, TX_OPTIONS, type Promotion } from "./seats.js";
import { discordWhen, plainTime, requireWhen, TIME_EXAMPLES } from "./time.js";

export type { Event };

export const NAME_MAX = 100; // Discord's limit for a scheduled event's name
export const DESCRIPTION_MAX = 1000; // ... and its description
export const LOCATION_MAX = 100; // ... and an external event's location
export const CANCEL_REASON_MAX = 200;
export const CAPACITY_MAX = 100_000;
/** An event with no end is shown (calendar file, Discord event) as lasting this long. */
export const DEFAULT_LENGTH_HOURS = 3;

export interface EventInput {
  name?: string | null;
  starts?: string | null;
  ends?: string | null;
  location?: string | null;
  capacity?: number | null;
  description?: string | null;
}

export interface TimeSettings {
  timeZone: string;
  reminderHours: readonly number[];
}

function cleanText(value: string | null | undefined, what: string, max: number): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text.length > max) throw new UserError(`The ${what} is ${text.length} characters long; keep it to ${max}.`);
  return text || null;
}

function cleanName(value: string | null | undefined): string {
  const name = cleanText(value, "name", NAME_MAX);
  if (!name)
    throw new UserError(
      `Give the event a name (1 to ${NAME_MAX} characters), such as "Dance party for the dancing man".`,
    );
  return name;
}

function checkCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > CAPACITY_MAX) {
    throw new UserError(
      `The capacity must be a whole number from 1 to ${CAPACITY_MAX} (seats, guests included). Leave it out for no limit.`,
    );
  }
  return capacity;
}

function checkTimes(startsAt: Date, endsAt: Date | null, now: Date, timeZone: string): void {
  if (startsAt.getTime() <= now.getTime()) {
    throw new UserError(
      `That start, ${discordWhen(startsAt)}, is in the past. Type a time to come, such as ${TIME_EXAMPLES} (times are in ${timeZone}).`,
    );
  }
  if (endsAt && endsAt.getTime() <= startsAt.getTime()) {
    throw new UserError(
      `The end, ${discordWhen(endsAt)}, is not after the start, ${discordWhen(startsAt)}. Type an end later than the start, or leave it out.`,
    );
  }
}

/** The end shown to calendars and Discord: the given end, or DEFAULT_LENGTH_HOURS after the start. */
export function effectiveEnd(event: Pick<Event, "startsAt" | "endsAt">): Date {
  return event.endsAt ?? new Date(event.startsAt.getTime() + DEFAULT_LENGTH_HOURS * 3_600_000);
}

/**
 * The smallest reminder whose moment has already come for this start time (null: none yet). Stored on the
 * event at creation and when the start moves, so a reminder whose moment passed before is never sent late.
 */
export function passedReminder(startsAt: Date, now: Date, hours: readonly number[]): number | null {
  const due = hours.filter((h) => startsAt.getTime() - h * 3_600_000 <= now.getTime());
  return due.length ? Math.min(...due) : null;
}

export async function createEvent(
  db: Db,
  input: EventInput & { createdBy: string; now: Date },
  settings: TimeSettings,
  actor: Actor,
): Promise<Event> {
  const name = cleanName(input.name);
  if (!input.starts?.trim()) throw new UserError(`Say when the event starts, such as ${TIME_EXAMPLES}.`);
  const startsAt = requireWhen(input.starts, "the start", settings.timeZone, input.now);
  const endsAt = input.ends?.trim() ? requireWhen(input.ends, "the end", settings.timeZone, input.now) : null;
  checkTimes(startsAt, endsAt, input.now, settings.timeZone);
  const capacity = input.capacity === null || input.capacity === undefined ? null : checkCapacity(input.capacity);
  return db.$transaction(async (tx) => {
    const event = await tx.event.create({
      data: {
        name,
        startsAt,
        endsAt,
        capacity,
        location: cleanText(input.location, "location", LOCATION_MAX),
        description: cleanText(input.description, "description", DESCRIPTION_MAX),
        createdBy: input.createdBy,
        remindedHours: passedReminder(startsAt, input.now, settings.reminderHours),
        createdAt: input.now,
      },
    });
    await recordAudit(tx, actor, input.now, {
      kind: "event.create",
      subject: eventSubject(event),
      after: auditedFields(event),
    });
    return event;
  });
}

/** The event as the audit trail names it. */
export function eventSubject(event: Pick<Event, "id" | "name">) {
  return { type: "event" as const, id: event.id, label: event.name };
}

/** The fields of an event the audit trail keeps before and after a change. */
function auditedFields(event: Event) {
  return {
    name: event.name,
    startsAt: event.startsAt,
    endsAt: event.endsAt,
    location: event.location,
    capacity: event.capacity,
    description: event.description,
  };
}

export interface EditResult {
  event: Event;
  changed: string[];
  promoted: Promotion[];
  /** Seats taken beyond a capacity lowered under them (those members keep their seats). */
  overCapacity: number;
}

/** Changes what was given; a larger capacity promotes from the waitlist at once; a moved start tells those who answered. */
export async function editEvent(
  db: Db,
  eventId: number,
  input: EventInput & { now: Date },
  settings: TimeSettings,
  actor: Actor,
): Promise<EditResult> {
  return db.$transaction(async (tx) => {
    await lockEvent(tx, eventId);
    const event = await requireOpenEvent(tx, eventId, input.now, "edit");
    const data: Partial<Event> = {};
    const changed: string[] = [];
    const given = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;
    if (given(input.name)) {
      data.name = cleanName(input.name);
      changed.push("name");
    }
    if (given(input.location)) {
      data.location = cleanText(input.location, "location", LOCATION_MAX);
      changed.push("location");
    }
    if (given(input.description)) {
      data.description = cleanText(input.description, "description", DESCRIPTION_MAX);
      changed.push("description");
    }
    const startsAt = input.starts?.trim()
      ? requireWhen(input.starts, "the start", settings.timeZone, input.now)
      : event.startsAt;
    const endsAt = input.ends?.trim() ? requireWhen(input.ends, "the end", settings.timeZone, input.now) : event.endsAt;
    if (input.starts?.trim() || input.ends?.trim()) checkTimes(startsAt, endsAt, input.now, settings.timeZone);
    const moved = startsAt.getTime() !== event.startsAt.getTime();
    if (moved) {
      data.startsAt = startsAt;
      data.remindedHours = passedReminder(startsAt, input.now, settings.reminderHours);
      changed.push("start");
    }
    if (input.ends?.trim()) {
      data.endsAt = endsAt;
      changed.push("end");
    }
    if (given(input.capacity)) {
      data.capacity = checkCapacity(input.capacity);
      changed.push("capacity");
    }
    if (!changed.length)
      throw new UserError(
        "Nothing to change: give at least one of name, starts, ends, location, capacity or description.",
      );

    // A conditional update: an event cancelled meanwhile is not edited back to life.
    // A calendar that re-imports the .ics replaces its entry only when SEQUENCE grew: count the edits it shows.
    const calendarVisible = changed.some((field) => field !== "capacity");
    const updated = await tx.event.updateMany({
      where: { id: eventId, status: "scheduled" },
      data: { ...data, updatedAt: input.now, ...(calendarVisible ? { revision: { increment: 1 } } : {}) },
    });
    if (updated.count !== 1)
      throw new UserError("This event was cancelled meanwhile; it cannot be edited.", "conflict");
    const promoted = data.capacity !== undefined ? await promoteWaitlist(tx, eventId, input.now) : [];
    const after = await tx.event.findUniqueOrThrow({ where: { id: eventId } });
    if (moved) await tellMoved(tx, after, settings.timeZone, input.now);
    const diff = changedValues(auditedFields(event), auditedFields(after));
    await recordAudit(tx, actor, input.now, {
      // A change of seats alone has its own kind: the one organizers look for when capacity is in question.
      kind: changed.length === 1 && changed[0] === "capacity" ? "event.capacity" : "event.edit",
      subject: eventSubject(after),
      before: diff?.before ?? {},
      after: { ...diff?.after, ...(promoted.length ? { promoted: promoted.length } : {}) },
    });
    const overCapacity = after.capacity === null ? 0 : Math.max(0, after.seatsTaken - after.capacity);
    return { event: after, changed, promoted, overCapacity };
  }, TX_OPTIONS);
}

/** One fan-out row, expanded into a DM per member by the DM job (src/services/dmFanout.ts), not here. */
async function tellMoved(tx: Tx, event: Event, timeZone: string, now: Date): Promise<void> {
  const stamp = Math.floor(event.startsAt.getTime() / 1000);
  await queueFanout(
    tx,
    {
      dedupeKey: `event-moved:${event.id}:${stamp}`,
      eventId: event.id,
      statuses: ["going", "waitlisted", "maybe"],
      content: `**${event.name}** has moved: it now starts ${discordWhen(event.startsAt)} (${plainTime(event.startsAt, timeZone)}). Your answer stands; change it with /rsvp.`,
    },
    now,
  );
}

/** Everyone who answered, whatever the answer: they made plans around it. */
const CANCEL_TOLD = ["going", "waitlisted", "maybe", "declined", "removed"];

export interface CancelResult {
  event: Event;
  notified: number;
}

/** Cancels once; everyone who answered is told by DM (in `fallbackChannelId` when their DMs are closed). */
export async function cancelEvent(
  db: Db,
  eventId: number,
  input: { reason?: string | null; now: Date; fallbackChannelId?: string | null; timeZone: string },
  actor: Actor,
): Promise<CancelResult> {
  const reason = cleanText(input.reason, "reason", CANCEL_REASON_MAX);
  return db.$transaction(async (tx) => {
    // The status flip is the lock and the serialization point: answers condition every count change on "scheduled".
    const flipped =
      await tx.$executeRaw`UPDATE "Event" SET "status" = 'cancelled', "revision" = "revision" + 1, "updatedAt" = ${input.now} WHERE "id" = ${eventId} AND "status" = 'scheduled'`;
    if (flipped !== 1) {
      await requireEvent(tx, eventId);
      throw new UserError("This event is already cancelled.", "conflict");
    }
    const event = await tx.event.findUniqueOrThrow({ where: { id: eventId } });
    // Its people no longer count toward the campaign's totals.
    if (event.seatsTaken) await adjustMetric(tx, "rsvps_going", -event.seatsTaken, input.now);
    if (event.maybeCount) await adjustMetric(tx, "rsvps_maybe", -event.maybeCount, input.now);
    if (event.waitlisted) await adjustMetric(tx, "rsvps_waitlisted", -event.waitlisted, input.now);
    // An indexed count of this event's answers; the DMs themselves are one fan-out row, expanded by the DM job.
    const told = await tx.rsvp.count({ where: { eventId, status: { in: CANCEL_TOLD } } });
    const why = reason ? ` Reason: ${reason}` : "";
    await queueFanout(
      tx,
      {
        dedupeKey: `event-cancelled:${eventId}`,
        eventId,
        statuses: CANCEL_TOLD,
        content: `**${event.name}** (${discordWhen(event.startsAt)}, ${plainTime(event.startsAt, input.timeZone)}) is cancelled.${why} Sorry for the change of plans.`,
        fallbackChannelId: input.fallbackChannelId ?? null,
      },
      input.now,
    );
    await recordAudit(tx, actor, input.now, {
      kind: "event.cancel",
      subject: eventSubject(event),
      before: { status: "scheduled", going: event.seatsTaken, waitlisted: event.waitlisted, maybe: event.maybeCount },
      after: { status: "cancelled", reason, told },
    });
    return { event, notified: told };
  }, TX_OPTIONS);
}

export function getEvent(db: DbOrTx, eventId: number): Promise<Event | null> {
  return db.event.findUnique({ where: { id: eventId } });
}

export async function requireEvent(db: DbOrTx, eventId: number): Promise<Event> {
  const event = await getEvent(db, eventId);
  if (!event)
    throw new UserError(
      "I cannot find that event. Pick one from the list as you type, or see /event list.",
      "not_found",
    );
  return event;
}

/** An event that can still change: not cancelled, not started. */
export async function requireOpenEvent(db: DbOrTx, eventId: number, now: Date, doing: string): Promise<Event> {
  return assertEventOpen(await requireEvent(db, eventId), now, doing);
}

/** The checks of requireOpenEvent on an event already read (a batch of answers reads it once). */
export function assertEventOpen(event: Event, now: Date, doing: string): Event {
  if (event.status === "cancelled")
    throw new UserError(
      `**${event.name}** is cancelled, so you cannot ${doing} it. See /event list for what is coming up.`,
      "conflict",
    );
  if (event.startsAt.getTime() <= now.getTime())
    throw new UserError(
      `**${event.name}** has already started, so you cannot ${doing} it anymore. See /event list for what is coming up.`,
      "conflict",
    );
  return event;
}

export function upcomingEvents(db: DbOrTx, now: Date, take = 25): Promise<Event[]> {
  return db.event.findMany({
    where: { status: "scheduled", startsAt: { gt: now } },
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    take,
  });
}

/** Lowercase without accents: matching that behaves the same on SQLite and PostgreSQL (done in code). */
export function foldForSearch(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The next event to start: what an event option left out means. */
export async function nextEvent(db: DbOrTx, now: Date): Promise<Event> {
  const [event] = await upcomingEvents(db, now, 1);
  if (!event) throw new UserError("There is no upcoming event. Organizers create one with /event create.", "not_found");
  return event;
}

/**
 * Reads an event option: the id behind an autocomplete choice, an exact name if the member typed one
 * without picking, or, when left out, the next upcoming event.
 */
export async function resolveEvent(db: DbOrTx, option: string | null | undefined, now: Date): Promise<Event> {
  const text = option?.trim();
  if (!text) return nextEvent(db, now);
  if (/^\d{1,9}$/.test(text)) return requireEvent(db, Number(text));
  const matches = (await upcomingEvents(db, now, 500)).filter((e) => foldForSearch(e.name) === foldForSearch(text));
  if (matches.length === 1) return matches[0]!;
  throw new UserError(
    `I cannot tell which event "${text.slice(0, 60)}" is. Pick one from the list that appears as you type.`,
    "not_found",
  );
}

/** Autocomplete choices: upcoming events matching what was typed, soonest first. */
export async function eventChoices(
  db: DbOrTx,
  typed: string,
  now: Date,
  timeZone: string,
): Promise<{ name: string; value: string }[]> {
  const text = foldForSearch(typed.trim().slice(0, 100));
  // Upcoming events are a short list: read a bounded number and match in code.
  const events = (await upcomingEvents(db, now, 500)).filter((e) => foldForSearch(e.name).includes(text)).slice(0, 25);
  return events.map((e) => {
    const when = ` — ${plainTime(e.startsAt, timeZone)}`;
    return { name: `${e.name.slice(0, 100 - when.length)}${when}`, value: String(e.id) };
  });
}

export async function setAnnouncement(
  db: DbOrTx,
  eventId: number,
  channelId: string,
  messageId: string,
): Promise<void> {
  await db.event.update({
    where: { id: eventId },
    data: { announceChannelId: channelId, announceMessageId: messageId },
  });
}

export async function setDiscordEventId(db: DbOrTx, eventId: number, discordEventId: string | null): Promise<void> {
  await db.event.update({ where: { id: eventId }, data: { discordEventId } });
}

/** The numbers the campaign reads, per event: kept on the row, so this is one lookup. */
export function eventNumbers(event: Pick<Event, "capacity" | "seatsTaken" | "maybeCount" | "waitlisted">) {
  return {
    going: event.seatsTaken,
    maybe: event.maybeCount,
    waitlisted: event.waitlisted,
    capacity: event.capacity,
    seatsLeft: event.capacity === null ? null : Math.max(0, event.capacity - event.seatsTaken),
  };
}
