// How the real bot process ends, against the Discord emulator: a gateway Discord will not reconnect and an
// uncaught exception make it exit non-zero (a supervisor restarts it; no zombie), SIGTERM with interactions in
// flight answers every one and exits 0, and a restart on the same machine resumes the jobs at once.
import { afterEach, describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_GATEWAY_REFUSED } from "../src/exitCodes.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** The exit code, or a failure if the process is still running after `ms` (it would be a zombie). */
function exitWithin(exited: Promise<number | string>, ms: number): Promise<number | string> {
  return Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve("still running"), ms))]);
}

describe("the bot process", () => {
  it("exits non-zero with a clear log line when Discord closes the gateway with 4004 (authentication failed)", async () => {
    stack = await startStack();
    expect(stack.discord.closeGateway(4004, "Authentication failed")).toBe(true);
    expect(await exitWithin(stack.bot.exited, 20_000)).toBe(EXIT_GATEWAY_REFUSED);
    const fatal = stack.bot.logs.find((l) => l.level === 60 && /gateway for good/.test(String(l.msg)));
    expect(fatal?.msg).toMatch(/token was refused \(4004\): check DISCORD_TOKEN/);
  }, 60_000);

  it("exits non-zero on an uncaught exception, with the error in the log", async () => {
    stack = await startStack({ fixtures: true });
    const eve = stack.discord.addMember({ username: "eve" });
    await stack.discord.runCommand(eve, "boom", { how: "uncaught" });
    expect(await exitWithin(stack.bot.exited, 20_000)).toBe(EXIT_FAILURE);
    const fatal = stack.bot.logs.find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(/uncaught exception/);
    expect(JSON.stringify(fatal?.err)).toContain("kaboom: a bug outside any handler");
  }, 60_000);

  it("SIGTERM with 20 interactions in flight: answers all 20, leaves later ones unanswered, and exits 0", async () => {
    stack = await startStack({ fixtures: true });
    const s = stack;
    const members = Array.from({ length: 21 }, (_, i) => s.discord.addMember({ username: `dancer${i}` }));
    const callbacks = () =>
      s.discord.requests.filter((r) => r.method === "POST" && /^\/interactions\/\d+\/[^/]+\/callback$/.test(r.path))
        .length;
    const before = callbacks();
    // Each takes 6 s: longer than the old 2 s drain and 4.5 s exit timer, well within the transaction bound.
    const answers = members
      .slice(0, 20)
      .map((m) => s.discord.runCommand(m, "slow", { ms: 6_000 }, { timeoutMs: 40_000 }));
    // All 20 are in the bot's hands: each was deferred.
    await s.discord.waitFor(() => callbacks() - before >= 20, 15_000);
    s.bot.child.kill("SIGTERM");
    // It first hands the gateway over (a lone process just lets it go), then takes nothing new.
    await s.bot.waitForLog((l) => l.msg === "no longer taking interactions", 10_000);
    const late = s.discord.runCommand(members[20]!, "slow", { ms: 0 }, { timeoutMs: 4_000 }).then(
      () => "answered",
      () => "unanswered",
    );
    const results = await Promise.all(answers);
    expect(results.map((r) => r.message?.content ?? r.content)).toEqual(Array(20).fill("done after 6000 ms"));
    expect(await late).toBe("unanswered");
    expect(await exitWithin(s.bot.exited, 30_000)).toBe(0);
    expect(s.bot.logs.some((l) => l.msg === "stopped")).toBe(true);
    // The jobs gave their leases back once their runs had ended.
    expect(await s.db.jobLease.count()).toBe(0);
  }, 90_000);

  it("killed and restarted on the same machine, the bot posts to X at once, not after its dead lease lapses", async () => {
    stack = await startStack({ withX: true, env: { TWEET_CRON: "*/2 * * * * *" } });
    const s = stack;
    // The tweet job holds a 2-minute lease between its ticks.
    let lease = await s.db.jobLease.findUnique({ where: { name: "tweet-outbox" } });
    for (let i = 0; !lease && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      lease = await s.db.jobLease.findUnique({ where: { name: "tweet-outbox" } });
    }
    expect(lease?.holder).toContain(`|${s.bot.child.pid}|`);
    await s.bot.stop("SIGKILL");
    const dead = await s.db.jobLease.findUniqueOrThrow({ where: { name: "tweet-outbox" } });
    s.bot = await s.startBot();

    const ava = s.discord.addMember({ username: "ava", organizer: true });
    const campaign = (subcommand: string, options: Record<string, string>) =>
      s.discord.runCommand(ava, "campaign", options, { subcommand, ignoreDefaultPermissions: true });
    await campaign("setup", { name: "A dance party for the dancing man", goal: "20,000" });
    await campaign("donation", { amount: "10,500" });
    await s.discord.waitFor(() => s.x.tweets.length >= 1, 90_000);
    // Posted while the dead process's lease was still running: the new process recognised it and took it over.
    expect(s.x.tweets[0]!.createdAt.getTime()).toBeLessThan(dead.expiresAt.getTime());
    const now = await s.db.jobLease.findUniqueOrThrow({ where: { name: "tweet-outbox" } });
    expect(now.holder).toContain(`|${s.bot.child.pid}|`);
  }, 120_000);
});
