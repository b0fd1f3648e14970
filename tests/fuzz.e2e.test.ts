// A modified client against the real bot: forged customIds, select values outside the menu, autocomplete
// values that are not ids, a modal's answers the form never offered. Each gets a clear refusal or "no
// longer active", changes nothing in the database, and logs nothing at error level.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForgeInput, InteractionResult, Member, StoredMessage } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member, ben: Member, lumen: Member;
let announcement: StoredMessage;
let eventId = 0;

const text = (r: InteractionResult) => String(r.message?.content ?? r.content ?? "");
const errors = () => stack.bot.logs.filter((l) => (l.level ?? 0) >= 50);

beforeAll(async () => {
  stack = await startStack();
  // On a loaded machine the gateway may connect (and register the commands) a little after "ready".
  await stack.discord.waitFor(() => stack.discord.commands("guild").length > 0, 60_000);
  const d = stack.discord;
  ava = d.addMember({ username: "ava", organizer: true });
  ben = d.addMember({ username: "ben" });
  lumen = d.addMember({ username: "lumen" });
  const run = (m: Member, name: string, subcommand: string, options = {}, group?: string) =>
    d.runCommand(m, name, options, { subcommand, ...(group ? { group } : {}), ignoreDefaultPermissions: true });
  await run(ava, "campaign", "setup", { name: "A dance party for the dancing man", goal: "20,000" });
  await run(ava, "event", "create", {
    name: "Fuzz party",
    starts: new Date(Date.now() + 5 * 86_400_000).toISOString(),
    capacity: 50,
  });
  eventId = (await stack.db.event.findFirstOrThrow()).id;
  await run(ava, "event", "post", { event: String(eventId) });
  announcement = await d.waitFor(() => d.messages(d.guild.channels.announce).find((m) => m.components.length > 0));
  const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  await run(ava, "shifts", "add", { role: "Door", starts: `${day}T18:00:00Z`, ends: `${day}T20:00:00Z`, capacity: 2 });
  const form = await run(lumen, "dj", "offer");
  await d.submitModal(lumen, form.modal.custom_id, { djName: "Lumen", genres: "disco", minutes: "60" });
  const offer = await stack.db.djOffer.findFirstOrThrow();
  const review = await d.waitFor(() => d.messages(d.guild.channels.review).find((m) => m.components.length > 0));
  await d.clickButton(ava, review, `djreview:approve:${offer.id}`);
  await run(
    ava,
    "dj",
    "set",
    { offer: offer.id, starts: new Date(Date.now() - 5 * 60_000).toISOString(), ends: "120" },
    "lineup",
  );
  await run(ben, "dj", "request", { title: "September", artist: "Earth, Wind & Fire" });
  // The ground the attacks stand on: an announcement with its buttons, a shift, a set with a request.
  expect(announcement.components[0].components.map((c: { custom_id: string }) => c.custom_id)).toContain(
    `rsvp:going:${eventId}`,
  );
  expect(await stack.db.shift.count()).toBe(1);
  expect(await stack.db.trackRequest.count()).toBe(1);
}, 120_000);
afterAll(async () => stack?.close());

/** Everything an attack could change: every table's rows, and the counters. */
async function snapshot(): Promise<string> {
  const db = stack.db;
  const [events, rsvps, shifts, volunteers, offers, sets, requests, votes, milestones, metrics, outbox] =
    await Promise.all([
      db.event.findMany({ orderBy: { id: "asc" } }),
      db.rsvp.findMany({ orderBy: { id: "asc" } }),
      db.shift.findMany({ orderBy: { id: "asc" } }),
      db.volunteer.findMany({ orderBy: { userId: "asc" } }),
      db.djOffer.findMany({ orderBy: { id: "asc" } }),
      db.djSet.findMany({ orderBy: { id: "asc" } }),
      db.trackRequest.findMany({ orderBy: { id: "asc" } }),
      db.trackVote.findMany({ orderBy: [{ requestId: "asc" }, { userId: "asc" }] }),
      db.milestone.findMany({ orderBy: { id: "asc" } }),
      db.metric.findMany({ orderBy: { name: "asc" } }),
      db.tweetOutbox.count(),
    ]);
  return JSON.stringify({
    events,
    rsvps,
    shifts,
    volunteers,
    offers,
    sets,
    requests,
    votes,
    milestones,
    metrics,
    outbox,
  });
}

type Case = { name: string; who: () => Member; input: () => ForgeInput; message?: () => StoredMessage; expect: RegExp };
const REFUSED = /no longer active|Only organizers|Pick|cannot tell|cannot find|not a web link|number of minutes/i;

const cases: Case[] = [
  {
    name: "rsvp:page:1:0 from a member",
    who: () => ben,
    input: () => ({ type: "button", customId: "rsvp:page:1:0" }),
    message: () => announcement,
    expect: /Only organizers/,
  },
  {
    name: "djreview:approve:1 from a member",
    who: () => ben,
    input: () => ({ type: "button", customId: "djreview:approve:1" }),
    message: () => announcement,
    expect: /Only organizers/,
  },
  {
    name: "djqueue:vote:1e20:0",
    who: () => ben,
    input: () => ({ type: "button", customId: "djqueue:vote:1e20:0" }),
    message: () => announcement,
    expect: /no longer active/,
  },
  {
    name: "vol:page:0:0:99999999999999:0",
    who: () => ben,
    input: () => ({ type: "button", customId: "vol:page:0:0:99999999999999:0" }),
    message: () => announcement,
    expect: /no longer active/,
  },
  {
    name: "event:list:Infinity",
    who: () => ben,
    input: () => ({ type: "button", customId: "event:list:Infinity" }),
    message: () => announcement,
    expect: /no longer active/,
  },
  {
    name: "rsvp:going:abc",
    who: () => ben,
    input: () => ({ type: "button", customId: "rsvp:going:abc" }),
    message: () => announcement,
    expect: /no longer active/,
  },
  {
    name: "rsvp:going:99999999999",
    who: () => ben,
    input: () => ({ type: "button", customId: "rsvp:going:99999999999" }),
    message: () => announcement,
    expect: /no longer active/,
  },
  ...["51", "-1", "1.5"].map((v): Case => ({
    name: `guests select ["${v}"]`,
    who: () => ben,
    input: () => ({ type: "select", customId: `rsvp:guests:${eventId}`, values: [v] }),
    message: () => announcement,
    expect: /no longer active/,
  })),
  ...["1e3", "0x1F", "9007199254740993"].flatMap((v): Case[] => [
    {
      name: `/rsvp going event:"${v}"`,
      who: () => ben,
      input: () => ({ type: "command", name: "rsvp", subcommand: "going", options: { event: v } }),
      expect: /cannot tell|cannot find/,
    },
    {
      name: `/volunteer claim shift:"${v}"`,
      who: () => ben,
      input: () => ({ type: "command", name: "volunteer", subcommand: "claim", options: { shift: v } }),
      expect: /Pick a shift|cannot find|no longer/i,
    },
    {
      name: `/campaign milestone remove milestone:"${v}"`,
      who: () => ava,
      input: () => ({
        type: "command",
        name: "campaign",
        group: "milestone",
        subcommand: "remove",
        options: { milestone: v },
      }),
      expect: /Pick a milestone|cannot find|no (open )?milestone/i,
    },
  ]),
  {
    name: "/dj request set:2^40",
    who: () => ben,
    input: () => ({
      type: "command",
      name: "dj",
      subcommand: "request",
      options: { title: "Le Freak", artist: "Chic", set: 2 ** 40 },
    }),
    expect: /Pick a set/,
  },
  {
    name: "/dj played request:2^40",
    who: () => lumen,
    input: () => ({ type: "command", name: "dj", subcommand: "played", options: { request: 2 ** 40 } }),
    expect: /Pick a request/,
  },
  {
    name: "offer form with minutes 1e2",
    who: () => ben,
    input: () => ({
      type: "modal",
      customId: "djoffer:submit",
      fields: { djName: "Ben", genres: "house", minutes: "1e2", links: "", note: "" },
    }),
    expect: /number of minutes/,
  },
  {
    name: "offer form with a javascript: link",
    who: () => ben,
    input: () => ({
      type: "modal",
      customId: "djoffer:submit",
      fields: { djName: "Ben", genres: "house", minutes: "60", links: "javascript:alert(1)", note: "" },
    }),
    expect: /not a web link/,
  },
];

describe("a modified client", () => {
  it.each(cases)("$name: refused in words, nothing changes, nothing logged at error", async (c) => {
    const before = await snapshot();
    const errorsBefore = errors().length;
    const result = await stack.discord.forge(c.who(), c.input(), c.message ? { message: c.message() } : {});
    expect(result.ephemeral).toBe(true);
    expect(text(result)).toMatch(c.expect);
    expect(text(result)).toMatch(REFUSED);
    expect(await snapshot()).toBe(before);
    expect(errors().slice(errorsBefore)).toEqual([]);
  });

  it("was answered every time (the bot is still up and well)", async () => {
    const r = await stack.discord.runCommand(ben, "help");
    expect(r.embeds[0].title).toBe("What you can do here");
    expect(errors()).toEqual([]);
  });
});
