// Volunteer shifts end to end: the real bot process against the Discord emulator. List and claim from the
// select menu, claim through autocomplete, a full shift's waitlist, drop with the promotion DM, offer and
// take, required roles, check-in, the roster and the export.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Member } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member, ben: Member, chloe: Member, dev: Member, medic: Member;
const H = 3600_000;
/** How a shift reads in a message: its role, then its times as Discord timestamps. */
const line = (role: string) => `\\*\\*${role}\\*\\* <t:\\d+:F> – <t:\\d+:[tF]>`;
const iso = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString().replace(/\.000Z$/, "Z");

beforeAll(async () => {
  stack = await startStack({ env: { CAMPAIGN_TIMEZONE: "UTC" } });
  ava = stack.discord.addMember({ username: "ava", organizer: true });
  ben = stack.discord.addMember({ username: "ben" });
  chloe = stack.discord.addMember({ username: "chloe" });
  dev = stack.discord.addMember({ username: "dev" });
  medic = stack.discord.addMember({ username: "fatima", roles: ["firstAid"] });
}, 120_000);
afterAll(async () => stack?.close());

async function addShift(
  role: string,
  startsInH: number,
  hours: number,
  capacity: number,
  extra: Record<string, string> = {},
) {
  const start = Date.now() + startsInH * H;
  const result = await stack.discord.runCommand(
    ava,
    "shifts",
    { role, starts: iso(start), ends: iso(start + hours * H), capacity, ...extra },
    { subcommand: "add" },
  );
  expect(result.content).toMatch(new RegExp(`^Added \\*\\*${role}\\*\\* <t:\\d+:F>`));
  return stack.db.shift.findFirstOrThrow({ where: { role: { name: role } }, orderBy: { id: "desc" } });
}

describe("volunteer shifts", () => {
  let door: { id: number }, stage: { id: number }, aid: { id: number }, soon: { id: number };

  it("organizers add shifts; members cannot", async () => {
    door = await addShift("Door", 72, 3, 1, { description: "Wristbands and a smile" });
    stage = await addShift("Stage crew", 80, 4, 2);
    aid = await addShift("First aid", 72, 2, 1, { requires: stack.discord.guild.roles.firstAid });
    soon = await addShift("Setup", 0.25, 1, 3);
    const refused = await stack.discord.runCommand(
      ben,
      "shifts",
      { role: "Door", starts: "tomorrow 9am", ends: "tomorrow 11am", capacity: 1 },
      { subcommand: "add", ignoreDefaultPermissions: true },
    );
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(/Only organizers/);
  });

  it("lists open shifts and claims from the select menu", async () => {
    const list = await stack.discord.runCommand(ben, "volunteer", {}, { subcommand: "shifts" });
    expect(list.ephemeral).toBe(true);
    expect(list.embeds[0].description).toMatch(/\*\*Door\*\* <t:\d+:F> – <t:\d+:t> · 1 of 1 left/);
    expect(list.embeds[0].description).toContain("needs <@&");
    const claimed = await stack.discord.selectMenu(ben, list, "vol:claim", [String(door.id)]);
    expect(claimed.content).toMatch(new RegExp(`^You hold the ${line("Door")} shift`));
    expect(claimed.content).toContain("Wristbands and a smile");
  });

  it("autocompletes only what a member could take, then claims with the chosen value", async () => {
    const forDev = await stack.discord.autocomplete(dev, "volunteer", { shift: "" }, "shift", { subcommand: "claim" });
    const names = forDev.map((c) => c.name);
    expect(names.some((n) => n.startsWith("Stage crew · ") && n.endsWith("2 of 2 left"))).toBe(true);
    expect(names.some((n) => n.startsWith("First aid"))).toBe(false); // dev lacks the role
    expect(names.some((n) => n.startsWith("Door") && n.endsWith("full: join the waitlist"))).toBe(true);
    const forMedic = await stack.discord.autocomplete(medic, "volunteer", { shift: "first" }, "shift", {
      subcommand: "claim",
    });
    expect(forMedic).toHaveLength(1);
    const result = await stack.discord.runCommand(
      medic,
      "volunteer",
      { shift: String(forMedic[0]!.value) },
      { subcommand: "claim" },
    );
    expect(result.content).toMatch(/^You hold the \*\*First aid\*\*/);
    const sneaky = await stack.discord.runCommand(dev, "volunteer", { shift: String(aid.id) }, { subcommand: "claim" });
    expect(sneaky.content).toMatch(/needs the <@&\d+> role/);
  });

  it("a full shift offers its waitlist; a drop promotes and DMs the first waiting", async () => {
    const full = await stack.discord.runCommand(
      chloe,
      "volunteer",
      { shift: String(door.id) },
      { subcommand: "claim" },
    );
    expect(full.content).toMatch(/is full/);
    const joined = await stack.discord.clickButton(chloe, full, `vol:wait:${door.id}`);
    expect(joined.content).toMatch(/waitlist .* place 1/);
    const dropChoices = await stack.discord.autocomplete(ben, "volunteer", { shift: "" }, "shift", {
      subcommand: "drop",
    });
    expect(dropChoices.map((c) => c.value)).toEqual([String(door.id)]);
    const dropped = await stack.discord.runCommand(
      ben,
      "volunteer",
      { shift: String(door.id) },
      { subcommand: "drop" },
    );
    expect(dropped.content).toMatch(new RegExp(`You dropped the ${line("Door")} shift.*waitlist has it now`));
    const dm = await stack.discord.waitFor(() =>
      stack.discord.dms(chloe.id).find((m) => m.content.includes("you now hold the **Door**")),
    );
    expect(dm.content).toMatch(/<t:\d+:F>/);
  });

  it("an offered shift goes to the first member to press the button, and the offerer is released", async () => {
    const offer = await stack.discord.runCommand(
      chloe,
      "volunteer",
      { shift: String(door.id) },
      { subcommand: "offer" },
    );
    expect(offer.ephemeral).toBe(false);
    expect(offer.content).toMatch(new RegExp(`is looking for someone to take their ${line("Door")} shift`));
    const customId = offer.components[0].components[0].custom_id as string;
    const own = await stack.discord.clickButton(chloe, offer, customId);
    expect(own.content).toMatch(/your own offer/);
    const taken = await stack.discord.clickButton(dev, offer, customId);
    expect(taken.message?.content ?? offer.message?.content).toMatch(
      new RegExp(`took over <@\\d+>'s ${line("Door")} shift`),
    );
    // The updated message has no button left to press twice.
    expect(stack.discord.message(offer.message!.id)!.components).toEqual([]);
    const holders = await stack.db.shiftAssignment.findMany({ where: { shiftId: door.id } });
    expect(holders.map((h) => h.userId)).toEqual([dev.id]);
    await stack.discord.waitFor(() =>
      stack.discord.dms(chloe.id).find((m) => /took the \*\*Door\*\* .* shift you offered/.test(m.content)),
    );
  });

  it("checks in from 30 minutes before, and counts the hours", async () => {
    await stack.discord.runCommand(ben, "volunteer", { shift: String(soon.id) }, { subcommand: "claim" });
    const early = await stack.discord.runCommand(dev, "volunteer", {}, { subcommand: "checkin" });
    expect(early.content).toMatch(/opens <t:\d+:R>/);
    const checkin = await stack.discord.runCommand(ben, "volunteer", {}, { subcommand: "checkin" });
    expect(checkin.content).toMatch(new RegExp(`^Checked in to the ${line("Setup")} shift.*1 h of volunteering`));
    const mine = await stack.discord.runCommand(ben, "volunteer", {}, { subcommand: "mine" });
    expect(mine.embeds[0].description).toMatch(/\*\*Setup\*\*.* · checked in/);
    expect(mine.embeds[0].footer.text).toBe("Hours served so far: 1 h");
    const served = await stack.db.metric.findUniqueOrThrow({ where: { name: "volunteer_minutes_served" } });
    expect(served.value).toBe(60);
  });

  it("warns the organizer, naming who, when an edit makes shifts overlap", async () => {
    await stack.discord.runCommand(dev, "volunteer", { shift: String(stage.id) }, { subcommand: "claim" });
    const door = await stack.db.shift.findUniqueOrThrow({
      where: {
        id: (
          await stack.db.shiftAssignment.findFirstOrThrow({
            where: { userId: dev.id, shift: { role: { name: "Door" } } },
          })
        ).shiftId,
      },
    });
    const edited = await stack.discord.runCommand(
      ava,
      "shifts",
      { shift: String(stage.id), starts: iso(door.endsAt.getTime() - H) },
      { subcommand: "edit" },
    );
    expect(edited.content).toMatch(
      new RegExp(`overlap other shifts these volunteers hold[^]*<@${dev.id}> \\(dev\\): ${line("Door")}`),
    );
    await stack.discord.waitFor(() =>
      stack.discord.dms(dev.id).find((m) => /now overlaps your \*\*Door\*\*/.test(m.content)),
    );
    await stack.discord.runCommand(dev, "volunteer", { shift: String(stage.id) }, { subcommand: "drop" });
  });

  it("shows organizers the roster and exports it", async () => {
    const roster = await stack.discord.runCommand(ava, "shifts", {}, { subcommand: "roster" });
    const text = roster.embeds[0].description as string;
    expect(text).toContain(`✅ <@${ben.id}>`);
    expect(text).toContain(`⬜ <@${dev.id}>`);
    expect(roster.embeds[0].footer.text).toMatch(/Overall: 3\/7 slots filled, 3 volunteers, 1 h served/);
    const exported = await stack.discord.runCommand(ava, "shifts", {}, { subcommand: "export" });
    const csv = exported.attachments[0]!.data.toString("utf8");
    expect(csv.split("\n")[0]).toMatch(/^shift_id,role,starts_utc/);
    expect(csv).toContain(",ben,checked in,");
    expect(stage.id).toBeGreaterThan(0);
  });
});
