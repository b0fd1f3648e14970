// /privacy end to end: the real bot process against the Discord emulator. A member sees what is kept, exports
// it as a JSON file, and forgets themselves with the confirm button: their seat goes to the one waiting. A
// forged Forget button (another member's id, a malformed id) changes nothing; an organizer forgets someone
// who left the server, and is refused for someone still in it; a member cannot forget someone else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionResult, Member } from "../src/sandbox/discord/index.js";
import { createEvent } from "../src/services/events.js";
import { startStack, type Stack } from "./support/stack.js";
import { rowsNaming } from "./support/memberScan.js";

let stack: Stack;
let ava: Member, ben: Member, chloe: Member, dan: Member, eve: Member;
let eventId = 0;

const text = (r: InteractionResult) => String(r.message?.content ?? r.content ?? "");
const customIds = (r: InteractionResult): string[] =>
  (r.message?.components ?? r.components).flatMap((row: { components: { custom_id: string }[] }) =>
    row.components.map((c) => c.custom_id),
  );
const privacy = (member: Member, subcommand: string, options: Record<string, string> = {}) =>
  stack.discord.runCommand(member, "privacy", options, { subcommand, ignoreDefaultPermissions: true });

beforeAll(async () => {
  stack = await startStack();
  const d = stack.discord;
  ava = d.addMember({ username: "ava", organizer: true });
  ben = d.addMember({ username: "ben" });
  chloe = d.addMember({ username: "chloe", displayName: "Chloé Farrowmere" });
  dan = d.addMember({ username: "dan" });
  eve = d.addMember({ username: "eve", displayName: "Evangeline Stormlight" });
  const event = await createEvent(
    stack.db,
    { name: "Warm-up", starts: "in 10 days at 8pm", capacity: 1, createdBy: ava.id, now: new Date() },
    { timeZone: "UTC", reminderHours: [24, 1] },
    { id: ava.id, name: "ava" },
  );
  eventId = event.id;
  const rsvp = (m: Member) =>
    d.runCommand(m, "rsvp", { event: String(eventId) }, { subcommand: "going", ignoreDefaultPermissions: true });
  expect(text(await rsvp(chloe))).toMatch(/going/i);
  expect(text(await rsvp(dan))).toMatch(/waitlist/i);
  await rsvp(eve);
}, 120_000);

afterAll(() => stack?.close());

describe("/privacy", () => {
  it("shows what is kept, with counts and how long", async () => {
    const r = await privacy(chloe, "show");
    expect(r.ephemeral).toBe(true);
    expect(text(r)).toMatch(/1 answer to events/);
    expect(text(r)).toMatch(/180 days/);
    expect(text(r)).toMatch(/\/privacy export/);
  });

  it("exports every row about the member as one JSON file", async () => {
    const r = await privacy(chloe, "export");
    expect(r.ephemeral).toBe(true);
    const file = r.attachments.find((a) => a.name === `privacy-${chloe.id}.json`)!;
    const data = JSON.parse(file.data.toString("utf8")) as { member: string; tables: Record<string, unknown[]> };
    expect(data.member).toBe(chloe.id);
    expect(data.tables.answers).toEqual([
      expect.objectContaining({ eventId, userId: chloe.id, displayName: "Chloé Farrowmere", status: "going" }),
    ]);
  });

  it("asks to confirm; a forged Forget button changes nothing", async () => {
    const ask = await privacy(chloe, "forget");
    expect(ask.ephemeral).toBe(true);
    expect(customIds(ask)).toEqual([`privacy:forget:${chloe.id}`, "privacy:keep"]);
    // Ben presses a Forget button made up with Chloé's id: refused, not an organizer.
    const forged = await stack.discord.forge(
      ben,
      { type: "button", customId: `privacy:forget:${chloe.id}` },
      { message: ask },
    );
    expect(text(forged)).toMatch(/Only organizers/);
    const malformed = await stack.discord.forge(
      ben,
      { type: "button", customId: "privacy:forget:1;DROP" },
      { message: ask },
    );
    expect(text(malformed)).toMatch(/no longer active/);
    const extra = await stack.discord.forge(
      ben,
      { type: "button", customId: `privacy:forget:${ben.id}:x` },
      { message: ask },
    );
    expect(text(extra)).toMatch(/no longer active/);
    expect(await stack.db.rsvp.count({ where: { userId: chloe.id } })).toBe(1);
    expect(await stack.db.rsvp.count({ where: { userId: ben.id } })).toBe(0);
  });

  it("forgets the member on confirm: the seat goes to the one waiting, nothing names them", async () => {
    const ask = await privacy(chloe, "forget");
    const done = await stack.discord.clickButton(chloe, ask, `privacy:forget:${chloe.id}`);
    expect(text(done)).toMatch(/forgotten you \(1 seat freed, 1 person moved up/);
    expect(await rowsNaming(stack.db, [chloe.id, "Chloé Farrowmere"])).toEqual([]);
    const dan1 = await stack.db.rsvp.findFirstOrThrow({ where: { userId: dan.id } });
    expect(dan1.status).toBe("going");
    const event = await stack.db.event.findUniqueOrThrow({ where: { id: eventId } });
    expect([event.seatsTaken, event.waitlisted]).toEqual([1, 1]);
    const show = await privacy(chloe, "show");
    expect(text(show)).toMatch(/0 answers to events/);
  });

  it("Keep it leaves everything", async () => {
    const ask = await privacy(dan, "forget");
    const kept = await stack.discord.clickButton(dan, ask, "privacy:keep");
    expect(text(kept)).toMatch(/Nothing was forgotten/);
    expect(await stack.db.rsvp.count({ where: { userId: dan.id } })).toBe(1);
  });

  it("organizers forget someone who left the server, never someone still in it; members cannot", async () => {
    const refused = await privacy(ben, "forget", { member: eve.id });
    expect(text(refused)).toMatch(/Only organizers/);
    const stillHere = await privacy(ava, "forget", { member: eve.id });
    expect(text(stillHere)).toMatch(/still in this server/);
    stack.discord.removeMember(eve.id);
    const choices = await stack.discord.autocomplete(ava, "privacy", { member: "evang" }, "member", {
      subcommand: "forget",
      ignoreDefaultPermissions: true,
    });
    expect(choices).toEqual([{ name: "Evangeline Stormlight", value: eve.id }]);
    const ask = await privacy(ava, "forget", { member: eve.id });
    expect(customIds(ask)).toContain(`privacy:forget:${eve.id}`);
    const done = await stack.discord.clickButton(ava, ask, `privacy:forget:${eve.id}`);
    expect(text(done)).toMatch(/is forgotten/);
    expect(await rowsNaming(stack.db, [eve.id, "Evangeline Stormlight"])).toEqual([]);
    // The organizer's forget on someone's behalf is in the audit trail, naming a former member, not them.
    const trail = await stack.db.auditEntry.findMany({ where: { kind: "member.forget" } });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ actorId: ava.id, subjectLabel: "a former member", memberId: null });
    expect(JSON.parse(trail[0]!.before!)).toMatchObject({ answers: 1 });
    // A member's own forget is theirs, not an organizer action: it leaves no row.
    expect(await stack.db.auditEntry.count({ where: { actorId: chloe.id } })).toBe(0);
  });
});
