// Calendar feeds end to end: the real bot process and the Discord emulator, the feeds read back with ical.js
// (a maintained iCalendar parser). The public feed has every event and set; /calendar link gives each member a
// feed of their own events and shifts and nobody else's; /calendar reset turns the old address off (404).
import ICAL from "ical.js";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionResult, Member } from "../src/sandbox/discord/index.js";
import { createEvent } from "../src/services/events.js";
import { httpUrl } from "./support/http.js";
import { startStack, type Stack } from "./support/stack.js";
import { organizer } from "./support/audit.js";

let stack: Stack;
let base: string;
let ava: Member, ben: Member, chloe: Member, lumen: Member;
let partyA = 0,
  partyB = 0,
  doorShift = 0,
  setId = 0;
let benFirst = "";

const run = (
  member: Member,
  name: string,
  subcommand: string,
  options: Record<string, string | number | boolean> = {},
  group?: string,
) =>
  stack.discord.runCommand(member, name, options, {
    subcommand,
    ...(group ? { group } : {}),
    ignoreDefaultPermissions: true,
  });
const text = (r: InteractionResult) => String(r.message?.content ?? r.content ?? "");

interface Entry {
  uid: string;
  summary: string;
  status: string;
  sequence: number;
  start: Date;
  end: Date;
  description: string | null;
}

/** Parses a feed with ical.js; throws on anything that is not iCalendar. */
function parse(body: string): { name: string | null; entries: Entry[] } {
  const calendar = new ICAL.Component(ICAL.parse(body));
  const entries = calendar.getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      summary: e.summary,
      status: String(v.getFirstPropertyValue("status")),
      sequence: e.sequence,
      start: e.startDate.toJSDate(),
      end: e.endDate.toJSDate(),
      description: e.description ?? null,
    };
  });
  return { name: (calendar.getFirstPropertyValue("x-wr-calname") as string | null) ?? null, entries };
}

async function feed(url: string): Promise<{ name: string | null; entries: Entry[] }> {
  const r = await fetch(url);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
  return parse(await r.text());
}

const linkIn = (r: InteractionResult) => /\*\*(http:\/\/\S+\/calendar\/[A-Za-z0-9_-]{43}\.ics)\*\*/.exec(text(r))?.[1];

beforeAll(async () => {
  stack = await startStack();
  base = await httpUrl(stack.bot);
  const d = stack.discord;
  ava = d.addMember({ username: "ava", organizer: true });
  ben = d.addMember({ username: "ben" });
  chloe = d.addMember({ username: "chloe" });
  lumen = d.addMember({ username: "lumen" });
  await run(ava, "campaign", "setup", { name: "A dance party for the dancing man", goal: "20,000" });
  // Created through the service, not /event create: that command also calls Discord's scheduled-event API
  // before answering, which on a loaded machine can miss the emulator's 3 s deadline; /event has its own tests.
  const settings = { timeZone: "UTC", reminderHours: [24, 1] };
  await createEvent(
    stack.db,
    {
      name: "Party A; the warm-up",
      starts: "in 10 days at 8pm",
      capacity: 1,
      location: "Hall, room 2",
      createdBy: ava.id,
      now: new Date(),
    },
    settings,
    organizer(),
  );
  await createEvent(
    stack.db,
    { name: "Party B", starts: "in 12 days at 8pm", createdBy: ava.id, now: new Date() },
    settings,
    organizer(),
  );
  [partyA, partyB] = (await stack.db.event.findMany({ orderBy: { id: "asc" } })).map((e) => e.id) as [number, number];
  // No PUBLIC_URL here: no address members could open, so the answer carries the event's .ics file itself.
  const going = await run(ben, "rsvp", "going", { event: String(partyA) });
  expect(text(going)).toMatch(/with the attached file/);
  expect(going.attachments.map((a: { name: string }) => a.name)).toEqual([expect.stringMatching(/\.ics$/)]);
  expect(going.components).toEqual([]);
  expect(text(await run(chloe, "rsvp", "going", { event: String(partyA) }))).toMatch(/waitlist/);
  await run(chloe, "rsvp", "going", { event: String(partyB) });
  const day = DateTime.utc().plus({ days: 10 }).startOf("day");
  await run(ava, "shifts", "add", {
    role: "Door",
    starts: day.plus({ hours: 19 }).toFormat("yyyy-LL-dd HH:mm"),
    ends: "21:00",
    capacity: 2,
  });
  doorShift = (await stack.db.shift.findFirstOrThrow()).id;
  await run(ben, "volunteer", "claim", { shift: String(doorShift) });
  await stack.discord.runCommand(lumen, "dj", {}, { subcommand: "offer" });
  await stack.discord.submitModal(lumen, "djoffer:submit", {
    djName: "Lumen",
    genres: "disco",
    minutes: "120",
    links: "",
    note: "",
  });
  const offer = await stack.db.djOffer.findFirstOrThrow();
  const review = await stack.discord.waitFor(() =>
    stack.discord.messages(stack.discord.guild.channels.review).find((m) => m.embeds[0]?.title === "DJ offer: Lumen"),
  );
  await stack.discord.clickButton(ava, review, `djreview:approve:${offer.id}`);
  await run(
    ava,
    "dj",
    "set",
    { offer: offer.id, starts: day.plus({ hours: 22 }).toFormat("yyyy-LL-dd HH:mm"), ends: "120" },
    "lineup",
  );
  setId = (await stack.db.djSet.findFirstOrThrow()).id;
}, 120_000);
afterAll(async () => stack?.close());

describe("calendar feeds", () => {
  it("/calendar.ics has every upcoming event and set, with stable UIDs and SEQUENCE, and parses", async () => {
    const first = await feed(`${base}/calendar.ics`);
    expect(first.name).toBe("A dance party for the dancing man");
    expect(first.entries.map((e) => e.uid).sort()).toEqual(
      [`event-${partyA}@keep-dancing.bot`, `event-${partyB}@keep-dancing.bot`, `set-${setId}@keep-dancing.bot`].sort(),
    );
    const a = first.entries.find((e) => e.uid === `event-${partyA}@keep-dancing.bot`)!;
    expect(a.summary).toBe("Party A; the warm-up");
    expect(a.status).toBe("CONFIRMED");
    expect(a.end.getTime() - a.start.getTime()).toBe(3 * 3_600_000);
    expect(first.entries.find((e) => e.uid.startsWith("set-"))).toMatchObject({
      summary: "Lumen (DJ set)",
      status: "CONFIRMED",
      sequence: 0,
    });
    const again = await feed(`${base}/calendar.ics`);
    expect(again.entries.map((e) => [e.uid, e.sequence])).toEqual(first.entries.map((e) => [e.uid, e.sequence]));
    // No member in the public feed.
    const raw = await (await fetch(`${base}/calendar.ics`)).text();
    for (const m of [ben, chloe]) expect(raw).not.toContain(m.id);
  });

  it("/calendar link gives each member a private feed of their own events and shifts, never anyone else's", async () => {
    const benAnswer = await run(ben, "calendar", "link");
    expect(benAnswer.ephemeral).toBe(true);
    const benUrl = linkIn(benAnswer)!;
    benFirst = benUrl;
    expect(benUrl.startsWith(`${base}/calendar/`)).toBe(true);
    const chloeUrl = linkIn(await run(chloe, "calendar", "link"))!;
    expect(chloeUrl).not.toBe(benUrl);

    const benFeed = await feed(benUrl);
    expect(benFeed.entries.map((e) => [e.uid, e.status])).toEqual([
      [`shift-${doorShift}@keep-dancing.bot`, "CONFIRMED"],
      [`event-${partyA}@keep-dancing.bot`, "CONFIRMED"],
    ]);
    expect(benFeed.entries[0]!.summary).toBe("Volunteer shift: Door");

    const chloeFeed = await feed(chloeUrl);
    expect(chloeFeed.entries.map((e) => [e.uid, e.status])).toEqual([
      [`event-${partyA}@keep-dancing.bot`, "TENTATIVE"],
      [`event-${partyB}@keep-dancing.bot`, "CONFIRMED"],
    ]);
    expect(chloeFeed.entries[0]!.description).toMatch(/on the waitlist/);
    // Ben's feed knows nothing of Party B or of Chloe; Chloe's nothing of Ben's shift.
    expect(benFeed.entries.some((e) => e.uid === `event-${partyB}@keep-dancing.bot`)).toBe(false);
    expect(chloeFeed.entries.some((e) => e.uid.startsWith("shift-"))).toBe(false);

    // The database keeps only a hash: the token in the address is nowhere in it, nor in the bot's log.
    const token = /\/calendar\/(.+)\.ics$/.exec(benUrl)![1]!;
    const rows = await stack.db.calendarFeed.findMany();
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(stack.bot.logs)).not.toContain(token);
  });

  it("follows changes: a member who declines loses the event from their feed", async () => {
    const again = await run(chloe, "calendar", "link");
    expect(linkIn(again)).toBeUndefined();
    expect(text(again)).toMatch(/already have a private calendar address/);
    const fresh = linkIn(await run(chloe, "calendar", "reset"))!;
    await run(chloe, "rsvp", "decline", { event: String(partyB) });
    expect((await feed(fresh)).entries.map((e) => e.uid)).toEqual([`event-${partyA}@keep-dancing.bot`]);
  });

  it("/calendar reset turns the old address off (404) and gives a working new one", async () => {
    expect((await fetch(benFirst)).status).toBe(200);
    const reset = await run(ben, "calendar", "reset");
    expect(reset.ephemeral).toBe(true);
    expect(text(reset)).toMatch(/old calendar address no longer works/);
    const fresh = linkIn(reset)!;
    expect(fresh).not.toBe(benFirst);
    const gone = await fetch(benFirst);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toMatch(/No such calendar/);
    expect((await feed(fresh)).entries).toHaveLength(2);
  });

  it("answers 404 to made-up and malformed tokens alike", async () => {
    for (const file of ["x.ics", `${"A".repeat(43)}.ics`, `${"A".repeat(43)}`, "..%2F..%2Fetc%2Fpasswd.ics"]) {
      expect((await fetch(`${base}/calendar/${file}`)).status).toBe(404);
    }
  });
});
