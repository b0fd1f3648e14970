// Exactly once across crashes, with the real bot process: it is killed (SIGKILL) before the call to X,
// during it, and after X accepted the post but before the outbox row was marked; then restarted.
// Each time the post reaches X exactly once. The kill points use the outbox's test hook KEEP_DANCING_CRASH_AT.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Member } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member;

beforeAll(async () => {
  stack = await startStack({ withX: true, env: { TWEET_CRON: "*/2 * * * * *" } });
  ava = stack.discord.addMember({ username: "ava", organizer: true });
  await stack.discord.runCommand(
    ava,
    "campaign",
    { name: "A dance party for the dancing man", goal: "20000" },
    { subcommand: "setup" },
  );
});
afterAll(async () => stack?.close());

const donate = (amount: string) => stack.discord.runCommand(ava, "campaign", { amount }, { subcommand: "donation" });
const rowOf = async (headline: string) =>
  (await stack.db.tweetOutbox.findMany()).find((r) => JSON.parse(r.card).headline === headline);
const tweetsWith = (fragment: string) => stack.x.tweets.filter((t) => t.text.includes(fragment));

async function killed(): Promise<void> {
  expect(await stack.bot.exited).toBe("SIGKILL");
}

/** The dead process's leases would lapse after their time-to-live; dropping them spares the test that wait. */
async function restart(): Promise<void> {
  await stack.db.jobLease.deleteMany();
  stack.bot = await stack.startBot();
}

async function waitPosted(headline: string) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const row = await rowOf(headline);
    if (row?.status === "posted") return row;
  }
  throw new Error(`"${headline}" was not posted within 30 s`);
}

// Each case kills and restarts the real bot: on a loaded 2-core machine a start alone can take 10 s.
describe("exactly once across a SIGKILL", { timeout: 120_000 }, () => {
  it("killed after marking the attempt, before calling X: posted once after the restart", async () => {
    await stack.bot.stop();
    stack.bot = await stack.startBot({ KEEP_DANCING_CRASH_AT: "before-post" });
    await donate("5,000"); // 25 %
    await killed();
    expect(await rowOf("Milestone: 25% of the goal")).toMatchObject({ status: "posting", attempts: 1 });
    expect(tweetsWith("25% of the goal")).toHaveLength(0);
    await restart();
    const row = await waitPosted("Milestone: 25% of the goal");
    expect(row).toMatchObject({ attempts: 2, tweetId: tweetsWith("25% of the goal")[0]!.id });
    expect(tweetsWith("25% of the goal")).toHaveLength(1);
  });

  it("killed after X accepted the post, before the row was marked: counted as posted, not posted again", async () => {
    await stack.bot.stop();
    stack.bot = await stack.startBot({ KEEP_DANCING_CRASH_AT: "after-post" });
    await donate("5,000"); // 50 %
    await killed();
    expect(tweetsWith("50% of the goal")).toHaveLength(1);
    expect(await rowOf("Milestone: 50% of the goal")).toMatchObject({ status: "posting", attempts: 1 });
    await restart();
    const row = await waitPosted("Milestone: 50% of the goal");
    expect(row).toMatchObject({ attempts: 2, tweetId: null });
    expect(row.lastError).toMatch(/duplicate/);
    expect(tweetsWith("50% of the goal")).toHaveLength(1);
  });

  it("killed while the call to X was in flight: posted once after the restart", async () => {
    stack.x.fail({ hang: true });
    const before = stack.x.requests.length;
    await donate("5,000"); // 75 %
    await stack.discord.waitFor(
      () => stack.x.requests.slice(before).some((r) => r.method === "POST" && r.path === "/2/tweets" && r.status === 0),
      20_000,
    );
    stack.bot.child.kill("SIGKILL");
    await killed();
    expect(await rowOf("Milestone: 75% of the goal")).toMatchObject({ status: "posting", attempts: 1 });
    await restart();
    await waitPosted("Milestone: 75% of the goal");
    expect(tweetsWith("75% of the goal")).toHaveLength(1);
    // Every post of the campaign is on X once, with its card.
    expect(stack.x.tweets).toHaveLength(3);
    expect(stack.x.tweets.every((t) => t.mediaIds.length === 1)).toBe(true);
  });
});
