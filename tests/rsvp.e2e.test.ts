// Events and RSVPs end to end: the real bot process against the Discord emulator. Slash commands, the
// announcement's buttons and its live edit, the promotion DM, lists with pages, the CSV parsed back,
// the Discord scheduled event kept in step, cancel with its DMs and fallback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionResult, Member, StoredMessage } from "../src/sandbox/discord/index.js";
import { httpUrl } from "./support/http.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member, ben: Member, chloe: Member, dev: Member, eli: Member, gus: Member;
let eventId = 0;
let announce = "";
const WAIT = 15_000;

beforeAll(async () => {
  // The address members open: the answers' "Add to calendar" button links there (without it, the file is attached).
  stack = await startStack({ env: { PUBLIC_URL: "https://party.example.org" } });
  const d = stack.discord;
  ava = d.addMember({ username: "ava", organizer: true });
  ben = d.addMember({ username: "ben" });
  chloe = d.addMember({ username: "chloe" });
  dev = d.addMember({ username: "dev" });
  eli = d.addMember({ username: "eli" });
  gus = d.addMember({ username: "gus", dmsOpen: false });
  announce = d.guild.channels.announce;
});
afterAll(async () => stack?.close());

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
const rsvp = (m: Member, sub: string, options: Record<string, string | number> = {}) =>
  stack.discord.runCommand(m, "rsvp", options, { subcommand: sub });
const event = (m: Member, sub: string, options: Record<string, string | number> = {}) =>
  stack.discord.runCommand(m, "event", options, { subcommand: sub });
const announcement = () =>
  stack.discord.messages(announce).find((m) => m.embeds[0]?.title?.includes("Dance party")) as StoredMessage;
const field = (m: StoredMessage, name: string) =>
  m.embeds[0].fields.find((f: { name: string }) => f.name === name)?.value as string | undefined;
const waitForField = (name: string, value: string) =>
  stack.discord.waitFor(() => field(announcement(), name) === value, WAIT);

/** RFC 4180, enough to read the export back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n") {
      row.push(cell.replace(/\r$/, ""));
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describe("events and RSVPs through Discord", () => {
  it("an organizer creates an event; the reply echoes the time; a Discord event is created", async () => {
    const refused = await event(ben, "create", { name: "Mine", starts: inDays(3) });
    expect(refused.content).toMatch(/Only organizers/);
    const past = await event(ava, "create", { name: "Too late", starts: "2020-01-01 20:00" });
    expect(past.content).toMatch(/in the past/);

    const r = await event(ava, "create", {
      name: "Dance party",
      starts: inDays(7),
      location: "The stadium floor",
      capacity: 3,
      description: "For the dancing man",
    });
    expect(r.ephemeral).toBe(true);
    expect(r.content).toMatch(/starts <t:\d+:F> \(<t:\d+:R>\)/);
    expect(r.content).toContain("A Discord event was created");
    const row = await stack.db.event.findFirstOrThrow({ where: { name: "Dance party" } });
    eventId = row.id;
    const scheduled = stack.discord.scheduledEvents();
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).toMatchObject({ name: "Dance party", entity_metadata: { location: "The stadium floor" } });
    expect(row.discordEventId).toBe(scheduled[0].id);
  });

  it("autocompletes upcoming events, and /event list shows them to everyone", async () => {
    const choices = await stack.discord.autocomplete(ben, "rsvp", { event: "dance" }, "event", { subcommand: "going" });
    expect(choices.map((c) => c.value)).toEqual([String(eventId)]);
    const list = await event(ben, "list");
    expect(list.embeds[0].description).toContain("**Dance party**");
  });

  it("posts an announcement whose buttons answer and whose counts follow every change", async () => {
    const posted = await event(ava, "post", { event: String(eventId) });
    expect(posted.content).toContain(`<#${announce}>`);
    expect(field(announcement(), "Going")).toBe("0 / 3 seats");

    const going = await stack.discord.clickButton(ben, announcement(), `rsvp:going:${eventId}`);
    expect(going.ephemeral).toBe(true);
    expect(going.content).toContain("You are **going**");
    // No upload with every answer: a link button to the event's own .ics, served by the bot.
    expect(going.attachments).toEqual([]);
    const link = going.components.flatMap((row: { components: { url?: string }[] }) => row.components)[0];
    expect(link?.url).toBe(`https://party.example.org/events/${eventId}.ics`);
    // What a reverse proxy at PUBLIC_URL hands to the bot's own HTTP server:
    const served = link!.url!.replace("https://party.example.org", await httpUrl(stack.bot));
    const file = await fetch(served);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toContain("text/calendar");
    expect(await file.text()).toContain(`UID:event-${eventId}@`);
    expect((await fetch(served.replace(/\/\d+\.ics$/, "/999999.ics"))).status).toBe(404);
    await waitForField("Going", "1 / 3 seats");

    const chloeGoes = await rsvp(chloe, "going", { guests: 1 });
    expect(chloeGoes.content).toContain("with 1 guest");
    await waitForField("Going", "3 / 3 seats");

    const full = await stack.discord.clickButton(dev, announcement(), `rsvp:going:${eventId}`);
    expect(full.content).toMatch(/waitlist.*number 1/);
    const viaSelect = await stack.discord.selectMenu(eli, announcement(), `rsvp:guests:${eventId}`, ["0"]);
    expect(viaSelect.content).toMatch(/number 2/);
    const maybe = await stack.discord.clickButton(gus, announcement(), `rsvp:maybe:${eventId}`);
    expect(maybe.content).toContain("**maybe**");
    await waitForField("Waitlist", "2 people");
    expect(field(announcement(), "Maybe")).toBe("1");
    // Answering again changes the answer; it never adds a second one.
    await stack.discord.clickButton(ben, announcement(), `rsvp:going:${eventId}`);
    expect(await stack.db.rsvp.count({ where: { eventId, userId: ben.id } })).toBe(1);
  });

  it("a decline promotes the first on the waitlist at once, with a DM, and the announcement follows", async () => {
    const declined = await stack.discord.clickButton(ben, announcement(), `rsvp:decline:${eventId}`);
    expect(declined.content).toContain("can't go");
    expect(declined.content).toContain("The seats you freed went to the next person");
    const dm = await stack.discord.waitFor(
      () => stack.discord.dms(dev.id).find((m) => m.content.includes("now **going**")),
      WAIT,
    );
    expect(dm.content).toContain("Dance party");
    await waitForField("Waitlist", "1 person");
    expect(field(announcement(), "Going")).toBe("3 / 3 seats");
    const mine = await rsvp(eli, "mine");
    expect(mine.embeds[0].description).toContain("on the waitlist (number 1)");
  });

  it("lists answers in pages for organizers only", async () => {
    expect((await rsvp(ben, "list")).content).toMatch(/Only organizers/);
    const crowd = Array.from({ length: 22 }, (_, i) => stack.discord.addMember({ username: `crowd-${i}` }));
    for (const m of crowd) await rsvp(m, "maybe");
    const first = await rsvp(ava, "list", { event: String(eventId) });
    const text = first.embeds[0].description as string;
    expect(text).toMatch(/\*\*Going\*\*\nchloe \(\+1\)\ndev\n\n\*\*Waitlist\*\*\n1\. eli/);
    expect(first.embeds[0].footer.text).toContain("page 1 of 2");
    const next: InteractionResult = await stack.discord.clickButton(ava, first, `rsvp:page:${eventId}:1`);
    const page2 = next.message?.embeds[0] ?? next.embeds[0];
    expect(page2.footer.text).toContain("page 2 of 2");
  });

  it("exports every answer as CSV, parsed back equal to the database", async () => {
    const r = await rsvp(ava, "export", { event: String(eventId) });
    const file = r.attachments.find((a) => a.name.endsWith(".csv"))!;
    const [header, ...rows] = parseCsv(file.data.toString("utf8"));
    expect(header).toEqual(["member id", "display name", "status", "guests", "waitlist position", "updated at"]);
    const db = await stack.db.rsvp.findMany({ where: { eventId }, orderBy: { id: "asc" } });
    expect(rows).toEqual(
      db.map((d) => [
        d.userId,
        d.displayName,
        d.status,
        String(d.guests),
        d.status === "waitlisted" ? "1" : "",
        d.updatedAt.toISOString(),
      ]),
    );
  });

  it("a member who left keeps their answer until an organizer removes it", async () => {
    stack.discord.removeMember(chloe.id);
    expect((await stack.db.rsvp.findFirstOrThrow({ where: { eventId, userId: chloe.id } })).status).toBe("going");
    const choices = await stack.discord.autocomplete(ava, "rsvp", { event: String(eventId), member: "chl" }, "member", {
      subcommand: "remove",
    });
    expect(choices).toEqual([{ name: "chloe (going +1)", value: chloe.id }]);
    const removed = await rsvp(ava, "remove", { event: String(eventId), member: chloe.id });
    expect(removed.content).toContain("moved up from the waitlist");
    await stack.discord.waitFor(() => stack.discord.dms(eli.id).some((m) => m.content.includes("now **going**")), WAIT);
  });

  it("a lowered capacity keeps those seated and says so; the Discord event follows edits", async () => {
    const r = await event(ava, "edit", { event: String(eventId), capacity: 1, location: "Center court" });
    expect(r.content).toMatch(/more than the new capacity: those members keep their seats/);
    expect(r.content).toContain("The Discord event was updated too");
    expect(stack.discord.scheduledEvents()[0].entity_metadata.location).toBe("Center court");
  });

  it("a Discord event that fails to update does not fail the edit: it is logged and said", async () => {
    await event(ava, "create", { name: "Warm-up", starts: inDays(2) });
    const warmUp = await stack.db.event.findFirstOrThrow({ where: { name: "Warm-up" } });
    // Someone deleted its Discord event by hand; the emulator's store stands for Discord's own state.
    const world = (stack.discord as unknown as { world: { scheduledEvents: Map<string, unknown> } }).world;
    world.scheduledEvents.delete(warmUp.discordEventId!);
    const r = await event(ava, "edit", { event: String(warmUp.id), name: "Warm-up night" });
    expect(r.content).toContain("Changed name");
    expect(r.content).toContain("could not edit the Discord event");
    expect((await stack.db.event.findUniqueOrThrow({ where: { id: warmUp.id } })).name).toBe("Warm-up night");
    await stack.bot.waitForLog((l) => l.msg === "could not sync the Discord scheduled event");
  });

  it("cancel tells everyone who answered by DM, in the announce channel where DMs are closed", async () => {
    const r = await event(ava, "cancel", { event: String(eventId), reason: "the floor needs repairs" });
    expect(r.content).toContain("Cancelled **Dance party**");
    expect(r.content).toContain("The Discord event was removed");
    expect(stack.discord.scheduledEvents().map((e: { name: string }) => e.name)).not.toContain("Dance party");
    await stack.discord.waitFor(() => stack.discord.dms(dev.id).some((m) => m.content.includes("is cancelled")), WAIT);
    const fallback = await stack.discord.waitFor(
      () =>
        stack.discord
          .messages(announce)
          .find((m) => m.content.startsWith(`<@${gus.id}>`) && m.content.includes("is cancelled")),
      WAIT,
    );
    expect(fallback.content).toContain("the floor needs repairs");
    await stack.discord.waitFor(
      () => announcement().embeds[0].title.startsWith("[Cancelled]") && announcement().components.length === 0,
      WAIT,
    );
    const late = await rsvp(ben, "going", { event: String(eventId) });
    expect(late.content).toMatch(/cancelled/);
  });
});
