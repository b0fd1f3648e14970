// Every milestone on X, Bluesky and Mastodon, exactly once per network, with the real bot process against the
// three emulators: the happy path (card, alt text, a hashtag facet with byte offsets over emoji), a SIGKILL
// before, during and after each network accepted a post (then a restart), a template too long for Bluesky
// refused at /campaign milestone add while it fits X, and X rate-limited for an hour while the others post.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionResult, Member, OptionValue } from "../src/sandbox/discord/index.js";
import type { Network } from "../src/x/networks.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member;
const TEMPLATE = "🎉💃 {campaign} passed {milestone}! {hashtag}";

beforeAll(async () => {
  stack = await startStack({
    withX: true,
    withBluesky: true,
    withMastodon: true,
    env: { TWEET_CRON: "*/2 * * * * *", TWEET_ALLOW_LINKS: "true", TWEET_DAILY_CAP: "100" },
  });
  ava = stack.discord.addMember({ username: "ava", organizer: true });
  await campaign("setup", { name: "A dance party for the dancing man", goal: "100,000", hashtag: "KeepDancing" });
  // One custom milestone per step: the first case, nine SIGKILL cases and two in the rate-limit case.
  for (let k = 1; k <= 12; k++) {
    const added = await campaign(
      "add",
      { metric: "raised_cents", threshold: `${k},000`, template: TEMPLATE },
      "milestone",
    );
    expect(text(added)).toMatch(/Milestone added/);
  }
}, 120_000);
afterAll(async () => stack?.close());

function campaign(subcommand: string, options: Record<string, OptionValue> = {}, group?: string) {
  return stack.discord.runCommand(ava, "campaign", options, {
    subcommand,
    ...(group ? { group } : {}),
    ignoreDefaultPermissions: true,
  });
}
const text = (r: InteractionResult) => String(r.message?.content ?? r.content ?? "");
const embed = (r: InteractionResult) =>
  (r.message?.embeds[0] ?? r.embeds[0]) as {
    title?: string;
    description?: string;
    fields?: { name: string; value: string }[];
  };
const donate = (amount: string) => campaign("donation", { amount });

/** The posts carrying this text on each network. */
function postsOn(network: Network, fragment: string): unknown[] {
  if (network === "x") return stack.x.tweets.filter((t) => t.text.includes(fragment));
  if (network === "bluesky") return stack.bluesky.records.filter((r) => String(r.value.text).includes(fragment));
  return stack.mastodon.statuses.filter((s) => s.text.includes(fragment));
}
const onceEverywhere = (fragment: string) =>
  (["x", "bluesky", "mastodon"] as const).map((n) => postsOn(n, fragment).length);

const rowOf = async (fragment: string) =>
  (await stack.db.tweetOutbox.findMany({ include: { deliveries: true } })).find((r) => r.text.includes(fragment));

async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, ms = 40_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const value = await check();
    if (value) return value;
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}
const waitPosted = (fragment: string) =>
  waitFor(`"${fragment}" posted everywhere`, async () =>
    (await rowOf(fragment))?.status === "posted" ? rowOf(fragment) : null,
  );

/** The dead process's leases would lapse after their time-to-live; dropping them spares the test that wait. */
async function restart(): Promise<void> {
  await stack.db.jobLease.deleteMany();
  stack.bot = await stack.startBot();
}

let step = 0;
/** Donates $1,000: crosses the next custom milestone; returns the fragment its posts carry. */
async function nextMilestone(): Promise<string> {
  step++;
  await donate("1,000");
  return `passed $${step},000!`;
}

describe("posting to X, Bluesky and Mastodon", { timeout: 180_000 }, () => {
  it("a milestone reaches each network once, with the card, alt text and a hashtag facet counted in bytes", async () => {
    const fragment = await nextMilestone();
    const row = await waitPosted(fragment);
    expect(onceEverywhere(fragment)).toEqual([1, 1, 1]);
    expect(row.deliveries.map((d) => [d.network, d.status]).sort()).toEqual([
      ["bluesky", "posted"],
      ["mastodon", "posted"],
      ["x", "posted"],
    ]);
    expect(row.deliveries.find((d) => d.network === "bluesky")!.postUrl).toMatch(
      /^https:\/\/bsky\.app\/profile\/did:plc:.+\/post\/[2-7a-z]{13}$/,
    );

    const record = stack.bluesky.records.find((r) => String(r.value.text).includes(fragment))!;
    const value = record.value as {
      text: string;
      facets: { index: { byteStart: number; byteEnd: number }; features: { tag?: string }[] }[];
      embed: { images: { alt: string }[] };
    };
    expect(value.text.startsWith("🎉💃")).toBe(true);
    const tag = value.facets.find((f) => f.features[0]!.tag === "KeepDancing")!;
    expect(Buffer.from(value.text).subarray(tag.index.byteStart, tag.index.byteEnd).toString()).toBe("#KeepDancing");
    expect(tag.index.byteStart).toBe(Buffer.byteLength(value.text.slice(0, value.text.indexOf("#KeepDancing"))));
    expect(tag.index.byteStart).not.toBe(value.text.indexOf("#KeepDancing")); // bytes, not UTF-16 units
    expect(value.embed.images[0]!.alt).toBe(row.altText);
    expect(stack.mastodon.media.at(-1)!.description).toBe(row.altText);
    expect(stack.x.media.at(-1)!.altText).toBe(row.altText);

    const history = embed(await campaign("history"));
    expect(history.description).toMatch(/X: posted .* · \[post\]\(https:\/\/x\.com\/i\/web\/status\/\d+\)/);
    expect(history.description).toMatch(/Bluesky: posted .* · \[post\]\(https:\/\/bsky\.app\//);
    expect(history.description).toMatch(
      /Mastodon: posted .* · \[post\]\(https:\/\/127\.0\.0\.1:\d+\/@keepdancing\/\d+\)/,
    );
  });

  for (const network of ["x", "bluesky", "mastodon"] as const) {
    for (const point of ["before-post", "after-post"] as const) {
      it(`SIGKILL ${point === "before-post" ? "before calling" : "after it was accepted by"} ${network}, restarted: once per network`, async () => {
        await stack.bot.stop();
        stack.bot = await stack.startBot({ KEEP_DANCING_CRASH_AT: `${point}:${network}` });
        const fragment = await nextMilestone();
        expect(await stack.bot.exited).toBe("SIGKILL");
        const delivery = (await rowOf(fragment))!.deliveries.find((d) => d.network === network)!;
        expect(delivery).toMatchObject({ status: "posting", attempts: 1 });
        expect(postsOn(network, fragment)).toHaveLength(point === "before-post" ? 0 : 1);
        await restart();
        await waitPosted(fragment);
        expect(onceEverywhere(fragment)).toEqual([1, 1, 1]);
      });
    }

    it(`SIGKILL while the call to ${network} was in flight, restarted: once per network`, async () => {
      const calls = () =>
        network === "x"
          ? stack.x.requests.filter((r) => r.path === "/2/tweets" && r.status === 0).length
          : network === "bluesky"
            ? stack.bluesky.requests.filter((r) => r.nsid === "com.atproto.repo.createRecord" && r.status === 0).length
            : stack.mastodon.requests.filter((r) => r.path === "/api/v1/statuses" && r.status === 0).length;
      const before = calls();
      if (network === "x") stack.x.fail({ hang: true });
      else if (network === "bluesky") stack.bluesky.fail({ hang: true });
      else stack.mastodon.fail({ hang: true });
      const fragment = await nextMilestone();
      await waitFor(`a hanging call to ${network}`, async () => calls() > before, 30_000);
      stack.bot.child.kill("SIGKILL");
      expect(await stack.bot.exited).toBe("SIGKILL");
      await restart();
      await waitPosted(fragment);
      expect(onceEverywhere(fragment)).toEqual([1, 1, 1]);
    });
  }

  it("refuses a template too long for Bluesky at milestone add, though it fits X", async () => {
    const template = `{campaign} passed {milestone}! {hashtag} https://example.com/${"a".repeat(200)}`;
    const refused = await campaign("add", { metric: "raised_cents", threshold: "90,000", template }, "milestone");
    expect(refused.ephemeral).toBe(true);
    expect(text(refused)).toMatch(/fits X but can reach \d+ graphemes; Bluesky allows 300/);
    expect(await stack.db.milestone.count({ where: { threshold: 9_000_000 } })).toBe(0);
  });

  it("X rate-limited for an hour: Bluesky and Mastodon post at once, X waits for its reset", async () => {
    // (This stack's X daily cap is 100: the cap is X's alone, and the cases above posted a dozen.)
    stack.x.fail({ status: 429, resetInSeconds: 3600 });
    const fragment = await nextMilestone();
    await waitFor(
      "Bluesky and Mastodon posted",
      async () => postsOn("bluesky", fragment).length === 1 && postsOn("mastodon", fragment).length === 1,
    );
    const row = (await rowOf(fragment))!;
    const x = row.deliveries.find((d) => d.network === "x")!;
    expect(x.status).toBe("pending");
    expect(x.notBefore.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(postsOn("x", fragment)).toHaveLength(0);
    // A later milestone goes to Bluesky and Mastodon too, while X still waits.
    const next = await nextMilestone();
    await waitFor(
      "the next one on Bluesky and Mastodon",
      async () => postsOn("bluesky", next).length === 1 && postsOn("mastodon", next).length === 1,
    );
    expect(postsOn("x", next)).toHaveLength(0);
    const preview = embed(await campaign("preview"));
    expect(preview.fields!.find((f) => f.name.startsWith("Goes to"))!.value).toMatch(
      /\*\*X\*\*: \d+\/280 weighted characters · rate-limited until <t:\d+:R>/,
    );
  });
});
