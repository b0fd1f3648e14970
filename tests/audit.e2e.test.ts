// The audit trail end to end: the real bot process against the Discord emulator. Organizer commands leave one row
// each (a refused one none); /audit lists them newest first in pages, filters by member and kind, shows names
// escaped, exports CSV; members cannot read it, and forged page buttons are refused.
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Member } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member, ben: Member;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString().replace(/\.000Z$/, "Z");

beforeAll(async () => {
  stack = await startStack({ env: { CAMPAIGN_TIMEZONE: "UTC" } });
  ava = stack.discord.addMember({ username: "ava", displayName: "Ava *the* organizer", organizer: true });
  ben = stack.discord.addMember({ username: "ben" });
}, 120_000);
afterAll(async () => stack?.close());

const rows = () => stack.db.auditEntry.findMany({ orderBy: { id: "asc" } });
const description = (r: { embeds: { description?: string }[] }) => r.embeds[0]?.description ?? "";

describe("/audit", () => {
  let eventId: number;
  let listed: Awaited<ReturnType<Stack["discord"]["runCommand"]>>;

  it("organizer commands leave one row each; a refused one leaves none", async () => {
    const setup = await stack.discord.runCommand(
      ava,
      "campaign",
      { name: "Dance party", goal: "20000" },
      { subcommand: "setup" },
    );
    expect(setup.content).toMatch(/Dance party/);
    const created = await stack.discord.runCommand(
      ava,
      "event",
      { name: "The party", starts: iso(Date.now() + 10 * DAY), capacity: 50 },
      { subcommand: "create" },
    );
    expect(created.content).toMatch(/^Created \*\*The party\*\*/);
    eventId = (await stack.db.event.findFirstOrThrow({ where: { name: "The party" } })).id;
    await stack.discord.runCommand(ben, "rsvp", { event: String(eventId) }, { subcommand: "going" });
    expect((await rows()).map((r) => r.kind)).toEqual(["campaign.setup", "event.create"]);

    const refused = await stack.discord.runCommand(ava, "event", { event: String(eventId) }, { subcommand: "edit" });
    expect(refused.content).toMatch(/Nothing to change/);
    const removed = await stack.discord.runCommand(
      ava,
      "rsvp",
      { event: String(eventId), member: ben.id },
      { subcommand: "remove" },
    );
    expect(removed.content).toMatch(/^Removed/);
    const again = await stack.discord.runCommand(
      ava,
      "rsvp",
      { event: String(eventId), member: ben.id },
      { subcommand: "remove" },
    );
    expect(again.ephemeral).toBe(true);
    const all = await rows();
    expect(all.map((r) => r.kind)).toEqual(["campaign.setup", "event.create", "rsvp.remove"]);
    expect(all[2]).toMatchObject({ actorId: ava.id, actorName: "Ava *the* organizer", memberId: ben.id });
  });

  it("members cannot read it", async () => {
    const list = await stack.discord.runCommand(
      ben,
      "audit",
      {},
      { subcommand: "list", ignoreDefaultPermissions: true },
    );
    expect(list.ephemeral).toBe(true);
    expect(list.content).toMatch(/Only organizers/);
    const exported = await stack.discord.runCommand(
      ben,
      "audit",
      {},
      { subcommand: "export", ignoreDefaultPermissions: true },
    );
    expect(exported.attachments).toEqual([]);
  });

  it("lists newest first with names escaped, in pages", async () => {
    for (let i = 1; i <= 10; i++) {
      const r = await stack.discord.runCommand(ava, "campaign", { amount: String(i) }, { subcommand: "donation" });
      expect(r.content).toMatch(/^Total raised/);
    }
    const first = await stack.discord.runCommand(ava, "audit", {}, { subcommand: "list" });
    listed = first;
    expect(first.ephemeral).toBe(true);
    const lines = description(first)
      .split("\n")
      .filter((l) => l.startsWith("<t:"));
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => l.includes("Donation added"))).toBe(true);
    expect(lines[0]).toContain("**Ava \\*the\\* organizer**");
    expect(description(first)).toContain("raisedCents 4500 → 5500, amountCents 1000");
    const next = await stack.discord.clickButton(ava, first, "audit:page:1:-:-");
    const second = description(next)
      .split("\n")
      .filter((l) => l.startsWith("<t:"));
    expect(second.map((l) => l.split(" · ")[2]!.split(":")[0])).toEqual([
      "Answer removed",
      "Event created",
      "Campaign set up",
    ]);
    expect(
      next.components.flatMap((row: { components: { disabled?: boolean }[] }) => row.components).at(-1),
    ).toMatchObject({
      disabled: true,
    });
  });

  it("filters by member and by kind", async () => {
    const aboutBen = await stack.discord.runCommand(ava, "audit", { member: ben.id }, { subcommand: "list" });
    const lines = description(aboutBen)
      .split("\n")
      .filter((l) => l.startsWith("<t:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("Answer removed");
    expect(lines[0]).toContain(`<@${ben.id}>`);
    const events = await stack.discord.runCommand(ava, "audit", { kind: "event.create" }, { subcommand: "list" });
    expect(
      description(events)
        .split("\n")
        .filter((l) => l.startsWith("<t:")),
    ).toHaveLength(1);
    expect(description(events)).toContain("The party");
    expect(events.components).toEqual([]);
  });

  it("exports CSV", async () => {
    const exported = await stack.discord.runCommand(ava, "audit", {}, { subcommand: "export" });
    expect(exported.attachments[0]!.name).toBe("audit.csv");
    const table = parse(exported.attachments[0]!.data.toString("utf8")) as string[][];
    expect(table[0]!.slice(0, 5)).toEqual(["id", "at_utc", "actor_id", "actor_name", "kind"]);
    expect(table).toHaveLength(14);
    expect(table[3]!.slice(2, 5)).toEqual([ava.id, "Ava *the* organizer", "rsvp.remove"]);
    const donations = await stack.discord.runCommand(
      ava,
      "audit",
      { kind: "money.donation" },
      { subcommand: "export" },
    );
    expect(parse(donations.attachments[0]!.data.toString("utf8"))).toHaveLength(11);
  });

  it("refuses forged page buttons without reading the trail", async () => {
    for (const customId of [
      "audit:page:0:12345:-",
      "audit:page:0:-:event.drop",
      "audit:page:x:-:-",
      "audit:drop:0:-:-",
    ]) {
      const forged = await stack.discord.forge(ava, { type: "button", customId }, { message: listed });
      expect(forged.content ?? "", customId).toMatch(/no longer active/);
    }
    const member = await stack.discord.forge(
      ben,
      { type: "button", customId: "audit:page:0:-:-" },
      { message: listed },
    );
    expect(member.content).toMatch(/Only organizers/);
  });
});
