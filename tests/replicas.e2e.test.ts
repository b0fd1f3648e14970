// Three bot processes on one database (PostgreSQL under `npm run test:postgres`, one SQLite file otherwise) and the
// emulators: every scheduled job takes its lease row first, so each due DM is sent once and each milestone is
// posted on X once; when the process holding a lease dies without a word (SIGKILL), another takes the job over
// once the lease lapses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BotProcess } from "../src/sandbox/botProcess.js";
import type { Member } from "../src/sandbox/discord/index.js";
import { queueDm } from "../src/services/directMessages.js";
import { testPostgresUrl } from "./support/db.js";
import { startStack, type Stack } from "./support/stack.js";

/** The dm-queue job's lease (src/jobs/index.ts): how long a dead holder keeps the job. */
const DM_LEASE_MS = 30_000;
/** The dm-queue job runs every 5 s. */
const TICK_MS = 5_000;

// Several processes on one database is what PostgreSQL is for (the README: SQLite is for one process; three
// processes on one SQLite file wait on each other's write locks, and under load a post or DM can slip past a
// test's deadline). So this file runs in the PostgreSQL pass of CI (`npm run test:postgres`).
const onPostgres = Boolean(testPostgresUrl());

let stack: Stack;
const bots: BotProcess[] = [];
const members: Member[] = [];

beforeAll(async () => {
  if (!onPostgres) return;
  stack = await startStack({ withX: true, env: { TWEET_CRON: "*/2 * * * * *" } });
  bots.push(stack.bot, await stack.startBot(), await stack.startBot());
  for (let i = 0; i < 6; i++) members.push(stack.discord.addMember({ username: `replica${i}` }));
}, 120_000);
afterAll(async () => stack?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How often a member received a DM with this text, and the nonces of the requests that sent it. A request sent
 * twice with one nonce is still one message (enforce_nonce, as on Discord): that is the sender's guard against a
 * crash between sending and marking the row.
 */
function deliveries(member: Member, content: string): { received: number; nonces: string[] } {
  const requests = stack.discord.requests.filter(
    (r) =>
      r.method === "POST" &&
      /^\/channels\/\d+\/messages$/.test(r.path) &&
      (r.body as { content?: string } | null)?.content === content,
  );
  return {
    received: stack.discord.dms(member.id).filter((m) => m.content === content).length,
    nonces: [...new Set(requests.map((r) => String((r.body as { nonce?: unknown }).nonce)))],
  };
}

function expectOnce(member: Member, content: string): void {
  const { received, nonces } = deliveries(member, content);
  expect({ content, received, nonces: nonces.length }).toEqual({ content, received: 1, nonces: 1 });
}

async function queue(key: string, member: Member, content: string, notBefore: Date): Promise<void> {
  await stack.db.$transaction(async (tx) => {
    await queueDm(tx, { dedupeKey: key, userId: member.id, content, notBefore }, new Date());
  });
}

/** The outbox rows of these keys once all are marked sent (the mark follows the send by a moment). */
async function sentRows(prefix: string, count: number) {
  for (const deadline = Date.now() + 15_000; ; await sleep(200)) {
    const rows = await stack.db.directMessage.findMany({
      where: { dedupeKey: { startsWith: prefix }, status: "sent" },
    });
    if (rows.length >= count || Date.now() > deadline) return rows;
  }
}

/** The process holding a job's lease (its holder id is `host|boot id|pid namespace|pid|random`, src/jobs/lease.ts). */
async function leaseHolder(job: string): Promise<{ holder: string; expiresAt: Date; bot: BotProcess | undefined }> {
  const lease = await stack.db.jobLease.findUniqueOrThrow({ where: { name: job } });
  const pid = Number(/\|(\d+)\|[0-9a-f]+$/.exec(lease.holder)?.[1]);
  return { holder: lease.holder, expiresAt: lease.expiresAt, bot: bots.find((b) => b.child.pid === pid) };
}

describe.runIf(onPostgres)("three bot processes on one PostgreSQL database", () => {
  it("all three are up on the same database", () => {
    expect(bots).toHaveLength(3);
    expect(new Set(bots.map((b) => b.child.pid)).size).toBe(3);
    for (const bot of bots) expect(bot.logs.some((l) => l.msg === "ready")).toBe(true);
  });

  it("delivers each DM queued with a due time exactly once", async () => {
    const now = Date.now();
    const sent = members.map((member, i) => ({ member, content: `Reminder ${i}: the dance party starts soon.` }));
    for (const [i, { member, content }] of sent.entries()) {
      // Some due at once, some a few ticks later; each written twice, as a retried job would.
      const due = new Date(now + (i % 3) * TICK_MS);
      await queue(`replica-reminder-${i}`, member, content, due);
      await queue(`replica-reminder-${i}`, member, content, due);
    }
    await stack.discord.waitFor(
      () => sent.every(({ member, content }) => deliveries(member, content).received > 0),
      60_000,
    );
    // Let every process tick a few more times: none may send any of them again.
    await sleep(3 * TICK_MS);
    for (const { member, content } of sent) expectOnce(member, content);
    expect(await sentRows("replica-reminder-", sent.length)).toHaveLength(sent.length);
  }, 120_000);

  // Before the kill below: the killed process may hold the tweet jobs' leases too (up to 2 minutes).
  it("posts each milestone crossed on X once, and announces it once", async () => {
    const ava = stack.discord.addMember({ username: "ava", organizer: true });
    const campaign = (subcommand: string, options: Record<string, string>) =>
      stack.discord.runCommand(ava, "campaign", options, { subcommand, ignoreDefaultPermissions: true });
    await campaign("setup", { name: "A dance party for the dancing man", goal: "20,000", hashtag: "KeepDancing" });
    await campaign("donation", { amount: "10,500" }); // passes 25 % (passed over) and 50 %
    await stack.discord.waitFor(() => stack.x.tweets.length >= 1, 30_000);
    await campaign("donation", { amount: "22,500" }); // $33,000: passes 75 % (passed over), 100 % and 150 %... one post
    await stack.discord.waitFor(() => stack.x.tweets.length >= 2, 30_000);
    await sleep(3 * 2_000 + TICK_MS); // several more TWEET_CRON ticks on every process

    const rows = await stack.db.tweetOutbox.findMany({ orderBy: { id: "asc" } });
    expect(rows.length).toBe(2);
    expect(rows.every((r) => r.status === "posted" && !r.dryRun && r.tweetId)).toBe(true);
    const texts = stack.x.tweets.map((t) => t.text);
    expect(texts).toHaveLength(rows.length);
    expect(new Set(texts).size).toBe(texts.length);
    expect(stack.x.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets")).toHaveLength(rows.length);
    const announced = stack.discord
      .messages(stack.discord.guild.channels.announce)
      .filter((m) => m.embeds[0]?.title?.startsWith("Milestone:"));
    expect(announced.map((m) => m.embeds[0].title)).toHaveLength(rows.length);
  }, 120_000);

  it("when the process holding the DM queue is killed, another takes the queue over: at once on the same machine (the dead PID is recognised)", async () => {
    const before = await leaseHolder("dm-queue");
    expect(before.bot, `the lease holder ${before.holder} is one of the three processes`).toBeDefined();
    await before.bot!.stop("SIGKILL");
    const killedAt = Date.now();
    const after = members.slice(0, 3).map((member, i) => ({ member, content: `After the crash ${i}: still dancing.` }));
    for (const [i, { member, content }] of after.entries())
      await queue(`replica-after-${i}`, member, content, new Date());

    // The three share this machine: a live one sees that the holder's PID is gone and takes the lease without waiting for it to lapse.
    await stack.discord.waitFor(
      () => after.every(({ member, content }) => deliveries(member, content).received > 0),
      DM_LEASE_MS + 3 * TICK_MS,
    );
    const taken = await leaseHolder("dm-queue");
    expect(taken.holder).not.toBe(before.holder);
    expect(taken.bot && taken.bot !== before.bot).toBe(true);
    const rows = await sentRows("replica-after-", after.length);
    expect(rows).toHaveLength(after.length);
    for (const row of rows) expect(row.sentAt!.getTime()).toBeLessThanOrEqual(killedAt + DM_LEASE_MS + 3 * TICK_MS);
    await sleep(2 * TICK_MS);
    for (const { member, content } of after) expectOnce(member, content);
  }, 120_000);
});
