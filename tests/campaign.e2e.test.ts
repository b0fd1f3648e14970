// The campaign end to end: the real bot process against the Discord emulator, posts as dry runs
// (no X credentials): the milestone in the announce channel with its card, and the dry-run post.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionResult, Member, OptionValue } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member, ben: Member;

beforeAll(async () => {
  // Posts every 2 s instead of every 15 minutes, so the test need not wait.
  stack = await startStack({ env: { TWEET_CRON: "*/2 * * * * *" } });
  ava = stack.discord.addMember({ username: "ava", organizer: true });
  ben = stack.discord.addMember({ username: "ben" });
});
afterAll(async () => stack?.close());

const campaign = (member: Member, subcommand: string, options: Record<string, OptionValue> = {}, group?: string) =>
  stack.discord.runCommand(member, "campaign", options, {
    subcommand,
    ...(group ? { group } : {}),
    ignoreDefaultPermissions: true,
  });
const text = (r: InteractionResult) => String(r.message?.content ?? r.content ?? "");
const embed = (r: InteractionResult) =>
  (r.message?.embeds[0] ?? r.embeds[0]) as {
    title?: string;
    description?: string;
    fields?: { name: string; value: string }[];
    image?: { url: string };
  };

describe("/campaign end to end", () => {
  it("sets up the campaign; members cannot change the money", async () => {
    const r = await campaign(ava, "setup", {
      name: "A dance party for the dancing man",
      goal: "20,000",
      hashtag: "KeepDancing",
    });
    expect(text(r)).toMatch(/is set up with a goal of \$20,000 and #KeepDancing/);
    const refused = await campaign(ben, "raised", { total: "50000" });
    expect(refused.ephemeral).toBe(true);
    expect(text(refused)).toMatch(/Only organizers/);
    expect(text(await campaign(ava, "donation", { amount: "33k" }))).toMatch(/33000, 33,000 or 33000.50/);
  });

  it("a donation that crosses 25% and 50% announces one milestone with its card, then the dry-run post", async () => {
    const r = await campaign(ava, "donation", { amount: "10,500", note: "the first week" });
    expect(text(r)).toMatch(/\$0 → \*\*\$10,500\*\* of \$20,000 \(52%\)/);
    const announce = stack.discord.guild.channels.announce;
    const milestone = await stack.discord.waitFor(
      () => stack.discord.messages(announce).find((m) => m.embeds[0]?.title === "Milestone: 50% of the goal"),
      20_000,
    );
    expect(milestone.embeds[0].description).toBe(
      "A dance party for the dancing man just passed 50% of the goal: $10,500 raised of $20,000 (52%). Thank you to everyone who gave! #KeepDancing",
    );
    expect(milestone.attachments[0]?.content_type).toBe("image/png");
    expect(milestone.embeds[0].image.url).toBe("attachment://progress-card.png");
    const dry = await stack.discord.waitFor(
      () => stack.discord.messages(announce).find((m) => m.embeds[0]?.title?.startsWith("Dry run")),
      20_000,
    );
    expect(dry.embeds[0].description).toBe(milestone.embeds[0].description);
    expect(dry.attachments[0]?.data.subarray(1, 4).toString()).toBe("PNG");
    expect(stack.x.requests).toHaveLength(0);
    const rows = await stack.db.tweetOutbox.findMany();
    expect(rows).toHaveLength(1); // 25 % was passed over
    expect(rows[0]).toMatchObject({ status: "posted", dryRun: true, announce: "done" });
  });

  it("shows the status with the card to everyone", async () => {
    const r = await campaign(ben, "status");
    const e = embed(r);
    expect(e.title).toBe("A dance party for the dancing man");
    expect(e.fields?.find((f) => f.name === "Raised")?.value).toBe("$10,500 of $20,000 (52%)");
    expect(r.attachments[0]?.name).toBe("progress-card.png");
  });

  it("lists milestones, previews, and keeps the history", async () => {
    expect(String(embed(await campaign(ava, "list", {}, "milestone")).description)).toMatch(
      /↷ passed over 25% of the goal\n✅ posted 50% of the goal\n○ 75% of the goal/,
    );
    const added = await campaign(ava, "add", { metric: "lineup_sets", threshold: "8" }, "milestone");
    expect(text(added)).toMatch(/Milestone added: 8 sets \(lineup full\)/);
    const tooLong = await campaign(
      ava,
      "add",
      { metric: "volunteers", threshold: "500", template: `{milestone} ${"舞".repeat(135)} 🎉` },
      "milestone",
    );
    expect(text(tooLong)).toMatch(/Emoji and CJK characters count 2/);
    const choices = await stack.discord.autocomplete(ava, "campaign", { milestone: "lineup" }, "milestone", {
      subcommand: "remove",
      group: "milestone",
    });
    expect(choices.some((c) => c.name === "8 sets (lineup full)")).toBe(true);
    expect(String(embed(await campaign(ava, "preview")).title)).toBe("Nothing is waiting to be posted");
    expect(String(embed(await campaign(ava, "history")).description)).toMatch(/\*\*milestone\*\* · .*\nX: dry run/);
  });

  it("/campaign retry: organizers pick a failed post and queue it again, once; forged or repeated picks change nothing", async () => {
    const [row] = await stack.db.tweetOutbox.findMany();
    // As if X had been down past TWEET_RETRY_HOURS.
    await stack.db.tweetOutbox.update({
      where: { id: row!.id },
      data: { status: "failed", lastError: "gave up after 40 attempts over 48 h: X answered 503" },
    });
    expect(
      await stack.discord.autocomplete(ben, "campaign", { post: "" }, "post", {
        subcommand: "retry",
        ignoreDefaultPermissions: true,
      }),
    ).toEqual([]);
    const choices = await stack.discord.autocomplete(ava, "campaign", { post: "" }, "post", { subcommand: "retry" });
    expect(choices).toEqual([
      { name: expect.stringMatching(new RegExp(`^milestone #${row!.id}: A dance party`)), value: String(row!.id) },
    ]);
    const refused = await campaign(ben, "retry", { post: String(row!.id) });
    expect(text(refused)).toMatch(/Only organizers/);
    expect(text(await campaign(ava, "retry", { post: "1 OR 1=1" }))).toMatch(/Pick a failed post/);
    expect((await stack.db.tweetOutbox.findUniqueOrThrow({ where: { id: row!.id } })).status).toBe("failed");
    const dryRuns = () =>
      stack.discord
        .messages(stack.discord.guild.channels.announce)
        .filter((m) => m.embeds[0]?.title?.startsWith("Dry run"));
    const before = dryRuns().length;
    const [first, second] = await Promise.all([
      campaign(ava, "retry", { post: String(row!.id) }),
      campaign(ava, "retry", { post: String(row!.id) }),
    ]);
    expect([text(first), text(second)].filter((t) => t.startsWith("Queued again"))).toHaveLength(1);
    expect([text(first), text(second)].filter((t) => /not waiting for a retry/.test(t))).toHaveLength(1);
    for (
      let i = 0;
      i < 200 && (await stack.db.tweetOutbox.findUniqueOrThrow({ where: { id: row!.id } })).status !== "posted";
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    expect((await stack.db.tweetOutbox.findUniqueOrThrow({ where: { id: row!.id } })).status).toBe("posted");
    // This dry run had been shown before it "failed": its nonce keeps it to one message, as X's duplicate check does for real posts.
    expect(dryRuns().length).toBe(before);
  });
});
