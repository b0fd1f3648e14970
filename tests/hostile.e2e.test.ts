// A hostile crowd, end to end: the real bot process against the Discord emulator, with the attacker as a
// Discord client: someone who adds the bot to their own server, a member with Manage Events on one
// channel, a flooder, a modified client forging customIds, select values and modal answers.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Permission, type InteractionResult, type Member, type OptionValue } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member, ben: Member, mallory: Member;

beforeAll(async () => {
  // The per-member limit at its defaults (the shared stack raises it for tests that act faster than people).
  stack = await startStack({ env: { MEMBER_RATE_LIMIT: "" } });
  // On a loaded machine the gateway may connect (and register the commands) a little after "ready".
  await stack.discord.waitFor(() => stack.discord.commands("guild").length > 0, 60_000);
  ava = stack.discord.addMember({ username: "ava", organizer: true });
  ben = stack.discord.addMember({ username: "ben" });
  mallory = stack.discord.addMember({ username: "mallory" });
  const setup = await campaign(ava, "setup", { name: "A dance party for the dancing man", goal: "20,000" });
  expect(text(setup)).toMatch(/is set up/);
}, 120_000);
afterAll(async () => stack?.close());

const campaign = (
  member: Member,
  subcommand: string,
  options: Record<string, OptionValue> = {},
  extra: { channelId?: string } = {},
) => stack.discord.runCommand(member, "campaign", options, { subcommand, ignoreDefaultPermissions: true, ...extra });
const text = (r: InteractionResult) => String(r.message?.content ?? r.content ?? "");
const raised = async () => (await stack.db.metric.findUnique({ where: { name: "raised_cents" } }))?.value ?? 0;
const errorLogs = () => stack.bot.logs.filter((l) => (l.level ?? 0) >= 50);

describe("the bot serves DISCORD_GUILD_ID only", () => {
  it("leaves a server it is added to, and says so at warn level", async () => {
    const foreign = stack.discord.addForeignGuild("Mockers' den", "troll");
    await stack.discord.waitFor(() => stack.discord.leftGuilds.includes(foreign.id));
    const line = await stack.bot.waitForLog(
      (l) => l.guild === foreign.id && typeof l.msg === "string" && l.msg.includes("other than DISCORD_GUILD_ID"),
    );
    expect(line.level).toBe(40);
  });

  it("refuses, changing nothing, what comes from another server (where the sender owns everything) or a DM", async () => {
    const foreign = stack.discord.addForeignGuild("Another den", "troll2");
    const before = await raised();
    const fromThere = await stack.discord.forge(
      foreign.owner,
      { type: "command", name: "campaign", subcommand: "raised", options: { total: "99999" } },
      { origin: { guild: foreign } },
    );
    expect(fromThere.ephemeral).toBe(true);
    expect(text(fromThere)).toMatch(/serves one community's server only/);
    const exported = await stack.discord.forge(
      foreign.owner,
      { type: "command", name: "rsvp", subcommand: "export" },
      { origin: { guild: foreign } },
    );
    expect(exported.attachments).toEqual([]);
    expect(text(exported)).toMatch(/serves one community's server only/);
    const dm = await stack.discord.forge(
      ben,
      { type: "command", name: "campaign", subcommand: "raised", options: { total: "99999" } },
      { origin: "dm" },
    );
    expect(text(dm)).toMatch(/serves one community's server only/);
    const suggestions = await stack.discord.forge(
      foreign.owner,
      { type: "autocomplete", name: "rsvp", subcommand: "list", options: { event: "" } },
      { origin: { guild: foreign } },
    );
    expect(suggestions.choices).toEqual([]);
    expect(await raised()).toBe(before);
  });

  it("removes global commands left by an older registration, and registers on the campaign's server only", async () => {
    await stack.bot.stop();
    stack.discord.seedGlobalCommands([{ name: "campaign", description: "left over from a global registration" }]);
    // A server that added the bot while it was down: left at start.
    const whileDown = stack.discord.addForeignGuild("Added while down", "troll3");
    stack.bot = await stack.startBot();
    expect(stack.discord.commands("global")).toEqual([]);
    expect(stack.discord.commands("guild").map((c: { name: string }) => c.name)).toContain("campaign");
    await stack.discord.waitFor(() => stack.discord.leftGuilds.includes(whileDown.id));
  });
});

describe("organizers are organizers of the whole server", () => {
  it("a member given Manage Events on one channel is still not an organizer, for commands and buttons", async () => {
    const general = stack.discord.guild.channels.general;
    stack.discord.setOverwrite(general, {
      id: mallory.id,
      type: 1,
      allow: Permission.ManageEvents | Permission.ManageGuild,
      deny: 0n,
    });
    const before = await raised();
    const refused = await campaign(mallory, "raised", { total: "99999" }, { channelId: general });
    expect(text(refused)).toMatch(/Only organizers/);
    expect(await raised()).toBe(before);

    // A DJ offer waiting for review; mallory forges its Approve button.
    const shown = await stack.discord.runCommand(ben, "dj", {}, { subcommand: "offer" });
    const sent = await stack.discord.submitModal(ben, shown.modal.custom_id, {
      djName: "Ben",
      genres: "house",
      minutes: "60",
    });
    expect(text(sent)).toMatch(/Thank you/);
    const offer = await stack.db.djOffer.findFirstOrThrow({ where: { userId: ben.id } });
    const review = await stack.discord.waitFor(() =>
      stack.discord.messages(stack.discord.guild.channels.review).find((m) => m.embeds[0]?.title?.includes("Ben")),
    );
    const forged = await stack.discord.forge(
      mallory,
      { type: "button", customId: `djreview:approve:${offer.id}` },
      { message: review, channelId: general },
    );
    expect(text(forged)).toMatch(/Only organizers/);
    expect((await stack.db.djOffer.findUniqueOrThrow({ where: { id: offer.id } })).status).toBe("pending");
    // The organizer role still works.
    const approved = await stack.discord.clickButton(ava, review, `djreview:approve:${offer.id}`);
    expect(approved.callbackType).toBe(7);
    expect(errorLogs()).toEqual([]);
  });
});

describe("one member cannot crowd out the others", () => {
  it("a flooder's 300 interactions in 3 s are mostly told to slow down, and 20 honest members are all answered in time", async () => {
    const starts = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const created = await stack.discord.runCommand(
      ava,
      "event",
      { name: "Flood night", starts },
      { subcommand: "create", ignoreDefaultPermissions: true },
    );
    expect(text(created)).toMatch(/Flood night/);
    const flooder = stack.discord.addMember({ username: "flooder" });
    const honest = Array.from({ length: 20 }, (_, i) => stack.discord.addMember({ username: `honest${i}` }));

    const flood: Promise<InteractionResult>[] = [];
    const answers: Promise<InteractionResult>[] = [];
    const start = Date.now();
    for (let i = 0; i < 300; i++) {
      flood.push(stack.discord.runCommand(flooder, "rsvp", {}, { subcommand: i % 2 ? "going" : "maybe" }));
      if (i % 15 === 7)
        answers.push(stack.discord.runCommand(honest[answers.length]!, "rsvp", {}, { subcommand: "going" }));
      await new Promise((r) => setTimeout(r, Math.max(0, start + (i + 1) * 10 - Date.now())));
    }
    // Every honest member is answered, within Discord's 3 s (the emulator refuses a later answer).
    const honestResults = await Promise.all(answers);
    expect(honestResults).toHaveLength(20);
    for (const r of honestResults) expect(text(r)).toMatch(/going to \*\*Flood night\*\*|You're going|going/i);
    const flooded = await Promise.allSettled(flood);
    const fulfilled = flooded.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const worked = fulfilled.filter((r) => !/^Slow down/.test(text(r)));
    const slowed = fulfilled.filter((r) => /^Slow down: .* Try again in \d+ s\./.test(text(r)));
    // The bucket (10) plus what refills in ~3 s, plus one waiting behind a running one: the rest never reached a handler.
    expect(worked.length).toBeGreaterThanOrEqual(1);
    expect(worked.length).toBeLessThanOrEqual(16);
    expect(slowed.length).toBeGreaterThanOrEqual(300 - 16 - flooded.filter((r) => r.status === "rejected").length);
    expect(slowed.every((r) => r.ephemeral)).toBe(true);
    const honestRows = await stack.db.rsvp.count({
      where: { userId: { in: honest.map((m) => m.id) }, status: "going" },
    });
    expect(honestRows).toBe(20);
  }, 60_000);

  it("autocomplete past the limit answers with nothing", async () => {
    const typist = stack.discord.addMember({ username: "typist" });
    const results = [];
    for (let i = 0; i < 40; i++)
      results.push(
        await stack.discord.autocomplete(typist, "rsvp", { event: "Flo" }, "event", { subcommand: "going" }),
      );
    expect(results[0]!.length).toBeGreaterThan(0);
    expect(results.at(-1)).toEqual([]);
    // Someone else typing at the same moment still gets suggestions.
    expect(
      (await stack.discord.autocomplete(ben, "rsvp", { event: "Flo" }, "event", { subcommand: "going" })).length,
    ).toBeGreaterThan(0);
  });
});

describe("member text plants nothing", () => {
  it("a track titled as a masked link shows as text in every /dj queue, and a bare URL is not clickable", async () => {
    const offer = await stack.db.djOffer.findFirstOrThrow({ where: { userId: ben.id, status: "approved" } });
    const starts = new Date(Date.now() - 10 * 60_000).toISOString();
    const placed = await stack.discord.runCommand(
      ava,
      "dj",
      { offer: offer.id, starts, ends: "120", stage: "Main stage" },
      { group: "lineup", subcommand: "set", ignoreDefaultPermissions: true },
    );
    expect(text(placed)).toMatch(/Placed/);
    const requested = await stack.discord.runCommand(
      mallory,
      "dj",
      { title: "[Free Nitro](https://evil.example)", artist: "# https://evil.example/claim" },
      { subcommand: "request" },
    );
    expect(text(requested)).toMatch(/^Requested/);
    const queue = await stack.discord.runCommand(ben, "dj", {}, { subcommand: "queue" });
    const shown = String(queue.message?.embeds[0]?.description ?? queue.embeds[0]?.description);
    expect(shown).toContain("Free Nitro");
    expect(shown).not.toMatch(/(?<!\\)\[Free Nitro(?<!\\)\]\(/); // no masked link
    expect(shown).not.toMatch(/https?:\/\//); // no clickable URL
    expect(shown.replace(/[\\\u200b]/g, "")).toContain("[Free Nitro](https://evil.example)"); // shown as typed
  });
});

describe("loops that spam channels", () => {
  const reviewPosts = () => stack.discord.messages(stack.discord.guild.channels.review).length;

  it("offer, withdraw, offer again: the second offer waits, and posts nothing for review", async () => {
    const looper = stack.discord.addMember({ username: "looper" });
    const form = await stack.discord.runCommand(looper, "dj", {}, { subcommand: "offer" });
    expect(
      text(
        await stack.discord.submitModal(looper, form.modal.custom_id, {
          djName: "Loop",
          genres: "noise",
          minutes: "30",
        }),
      ),
    ).toMatch(/Thank you/);
    const offer = await stack.db.djOffer.findFirstOrThrow({ where: { userId: looper.id } });
    await stack.discord.waitFor(() =>
      stack.discord.messages(stack.discord.guild.channels.review).some((m) => m.embeds[0]?.title?.includes("Loop")),
    );
    expect(
      text(await stack.discord.runCommand(looper, "dj", { what: `offer:${offer.id}` }, { subcommand: "withdraw" })),
    ).toMatch(/withdrawn/);
    await new Promise((r) => setTimeout(r, 300)); // the withdrawal notice reaches the review channel
    const posts = reviewPosts();
    const again = await stack.discord.runCommand(looper, "dj", {}, { subcommand: "offer" });
    const refused = await stack.discord.submitModal(looper, again.modal.custom_id, {
      djName: "Loop again",
      genres: "noise",
      minutes: "30",
    });
    expect(refused.ephemeral).toBe(true);
    expect(text(refused)).toMatch(/withdrew an offer a moment ago\. You can offer a set again <t:\d+:R>/);
    await new Promise((r) => setTimeout(r, 300));
    expect(reviewPosts()).toBe(posts);
    expect(await stack.db.djOffer.count({ where: { userId: looper.id } })).toBe(1);
  });

  it("the lineup is public where members talk, once every few minutes, and never in a read-only channel", async () => {
    const { general, announce } = stack.discord.guild.channels;
    // A member of its own: mallory's earlier interactions (and their fair-share budget) are not this test's.
    const fan = stack.discord.addMember({ username: "lineupfan" });
    const inAnnouncements = await stack.discord.runCommand(
      fan,
      "dj",
      {},
      { group: "lineup", subcommand: "show", channelId: announce },
    );
    expect(inAnnouncements.ephemeral).toBe(true);
    const first = await stack.discord.runCommand(
      fan,
      "dj",
      { day: "today" },
      { group: "lineup", subcommand: "show", channelId: general },
    );
    // Public: the answer itself, or (when a slow moment deferred it for the member alone) its public follow-up.
    const shownToAll = (r: typeof first) =>
      !r.ephemeral || r.followUps.some((m: { ephemeral: boolean }) => !m.ephemeral);
    expect(shownToAll(first)).toBe(true);
    const second = await stack.discord.runCommand(
      fan,
      "dj",
      { day: "today" },
      { group: "lineup", subcommand: "show", channelId: general },
    );
    expect(shownToAll(second)).toBe(false);
  });

  it("a shift offer is posted once, where members talk", async () => {
    const { general, announce } = stack.discord.guild.channels;
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    await stack.discord.runCommand(
      ava,
      "shifts",
      { role: "Bar", starts: `${day}T18:00:00Z`, ends: `${day}T20:00:00Z`, capacity: 2 },
      { subcommand: "add", ignoreDefaultPermissions: true },
    );
    const shift = await stack.db.shift.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(
      text(await stack.discord.runCommand(ben, "volunteer", { shift: String(shift.id) }, { subcommand: "claim" })),
    ).toMatch(/You hold/);
    const readOnly = await stack.discord.runCommand(
      ben,
      "volunteer",
      { shift: String(shift.id) },
      { subcommand: "offer", channelId: announce },
    );
    expect(readOnly.ephemeral).toBe(true);
    expect(text(readOnly)).toMatch(/Members cannot write in this channel/);
    const posted = await stack.discord.runCommand(
      ben,
      "volunteer",
      { shift: String(shift.id) },
      { subcommand: "offer", channelId: general },
    );
    expect(posted.ephemeral).toBe(false);
    const again = await stack.discord.runCommand(
      ben,
      "volunteer",
      { shift: String(shift.id) },
      { subcommand: "offer", channelId: general },
    );
    expect(again.ephemeral).toBe(true);
    expect(text(again)).toMatch(/posted here a moment ago/);
    expect(stack.discord.messages(announce).some((m) => JSON.stringify(m.components).includes("vol:take"))).toBe(false);
  });
});

describe("exports", () => {
  it("a display name built as a formula is neutralised in the CSV an organizer opens", async () => {
    const eve = stack.discord.addMember({ username: "eve", displayName: ' ＝HYPERLINK("https://evil.example")' });
    const going = await stack.discord.runCommand(eve, "rsvp", {}, { subcommand: "going" });
    expect(text(going)).toMatch(/going/i);
    const exported = await stack.discord.runCommand(
      ava,
      "rsvp",
      {},
      { subcommand: "export", ignoreDefaultPermissions: true },
    );
    const csv = exported.attachments[0]!.data.toString("utf8");
    const line = csv.split("\n").find((l) => l.includes(eve.id))!;
    expect(line).toMatch(new RegExp(`^${eve.id},"?'\\s*＝HYPERLINK\\(`));
  });
});

describe("test hooks outside tests", () => {
  it("a production bot ignores KEEP_DANCING_EXTRA_COMMANDS and KEEP_DANCING_CRASH_AT, and says so", async () => {
    const hooked = await stack.startBot({
      NODE_ENV: "production",
      KEEP_DANCING_EXTRA_COMMANDS: path.resolve("tests/fixtures/commands"),
      KEEP_DANCING_CRASH_AT: "before-post",
    });
    try {
      const warned = await hooked.waitForLog(
        (l) => typeof l.msg === "string" && l.msg.startsWith("test hooks are honoured only when NODE_ENV=test"),
      );
      expect(warned.ignored).toEqual(["KEEP_DANCING_EXTRA_COMMANDS", "KEEP_DANCING_CRASH_AT"]);
      // The fixture folder's /boom and /slow were not loaded, so not registered either.
      expect(stack.discord.commands("guild").map((c: { name: string }) => c.name)).not.toContain("boom");
    } finally {
      await hooked.stop();
    }
  });
});
