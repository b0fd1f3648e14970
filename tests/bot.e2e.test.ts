// The real bot process against the local Discord emulator: the ground every feature stands on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSY } from "../src/discord/router.js";
import { spawnBot } from "../src/sandbox/botProcess.js";
import type { Member } from "../src/sandbox/discord/index.js";
import { tempDir } from "./support/db.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let member: Member;
let organizer: Member;

beforeAll(async () => {
  stack = await startStack({ fixtures: true });
  member = stack.discord.addMember({ username: "ben" });
  organizer = stack.discord.addMember({ username: "ava", organizer: true });
});
afterAll(async () => stack?.close());

describe("the bot process", () => {
  it("answers /help with the commands the caller may use", async () => {
    const forMember = await stack.discord.runCommand(member, "help");
    expect(forMember.ephemeral).toBe(true);
    const text = forMember.embeds[0].description as string;
    expect(text).toContain("/help");
    expect(text).toContain("Organizers have more commands");
    const forOrganizer = await stack.discord.runCommand(organizer, "help");
    expect(forOrganizer.embeds[0].description).not.toContain("Organizers have more commands");
    // Replies never ping, whatever they contain.
    expect(forMember.message?.allowed_mentions).toEqual({ parse: [] });
  });

  it("registers its commands once: a restart with the same definitions sends no overwrite", async () => {
    expect(stack.discord.bulkOverwriteCount).toBe(1);
    const names = stack.discord.commands("guild").map((c: { name: string }) => c.name);
    expect(names).toContain("help");
    await stack.restart();
    await stack.restart();
    expect(stack.discord.bulkOverwriteCount).toBe(1);
    const registration = await stack.db.commandRegistration.findUniqueOrThrow({
      where: { scope: stack.discord.guild.id },
    });
    expect(registration.hash).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000); // two restarts of the real bot: on a loaded 2-core machine a start alone can take 10 s

  it("turns a refusal into an ephemeral message in plain words", async () => {
    const result = await stack.discord.runCommand(member, "boom", { how: "refuse" });
    expect(result.ephemeral).toBe(true);
    expect(result.content).toBe("Not like that. Try /help instead.");
  });

  it("answers a failing handler with a reference, logs it, and keeps answering", async () => {
    const result = await stack.discord.runCommand(member, "boom", { how: "crash" });
    expect(result.ephemeral).toBe(true);
    const ref = result.content?.match(/ref ([0-9a-f]{6})/)?.[1];
    expect(ref).toBeDefined();
    const logged = await stack.bot.waitForLog((l) => l.ref === ref);
    expect(logged.msg).toBe("interaction failed");
    expect(JSON.stringify(logged)).toContain("kaboom");
    const next = await stack.discord.runCommand(member, "help");
    expect(next.embeds[0].title).toBe("What you can do here");
  });

  it("defers a slow handler, then edits the answer in", async () => {
    const result = await stack.discord.runCommand(member, "slow", { ms: 2_500 }, { timeoutMs: 10_000 });
    expect(result.deferred).toBe(true);
    expect(result.content).toBe("done after 2500 ms");
    const fast = await stack.discord.runCommand(member, "slow", { ms: 0 });
    expect(fast.deferred).toBe(false);
  });

  it("a slow public answer still reaches the channel: deferred for the member alone, it follows up in public", async () => {
    const result = await stack.discord.runCommand(member, "slow", { ms: 2_500, public: true }, { timeoutMs: 10_000 });
    expect(result.deferred).toBe(true);
    // The deferral was for the member alone (Discord cannot make it public later): the placeholder goes...
    expect(result.message?.deleted).toBe(true);
    // ...and the answer is one public follow-up.
    expect(result.followUps.map((m) => [m.content, m.ephemeral])).toEqual([["done after 2500 ms", false]]);
  });

  it("says a button it no longer knows is no longer active", async () => {
    const posted = await stack.discord.runCommand(member, "boom", { how: "button" });
    const click = await stack.discord.clickButton(member, posted, "retired:press:1");
    expect(click.ephemeral).toBe(true);
    expect(click.content).toMatch(/no longer active/i);
  });

  it("under overload, answers what it can in time and drops, unworked, what waited too long", async () => {
    // MAX_CONCURRENT (32) slow handlers hold every slot for 3 s; the ones queued behind them cannot be answered
    // within Discord's 3 s, so they are dropped instead of worked on for nobody.
    const crowd = Array.from({ length: 36 }, (_, i) => stack.discord.addMember({ username: `burst${i}` }));
    const results = await Promise.allSettled(
      crowd.map((m) => stack.discord.runCommand(m, "slow", { ms: 3_000 }, { timeoutMs: 8_000 })),
    );
    const answered = results.filter((r) => r.status === "fulfilled");
    expect(answered).toHaveLength(32);
    expect(answered.every((r) => r.value.content === "done after 3000 ms")).toBe(true);
    const overload = await stack.bot.waitForLog((l) => l.msg?.startsWith("overloaded") === true);
    expect(overload.dropped).toBeGreaterThanOrEqual(1);
    const after = await stack.discord.runCommand(member, "help");
    expect(after.embeds[0].title).toBe("What you can do here");
  });

  it("under a burst past what it can do, refuses as busy, unworked, what waited past 1.5 s for its turn", async () => {
    // MAX_CONCURRENT (32) slow handlers hold every slot for 1.8 s: the ones queued behind them get their turn
    // after SHED_AFTER_MS (1.5 s) but in time for a refusal, so they are told to try again, and nothing ran.
    const crowd = Array.from({ length: 36 }, (_, i) => stack.discord.addMember({ username: `shed${i}` }));
    const results = await Promise.all(
      crowd.map((m) => stack.discord.runCommand(m, "slow", { ms: 1_800 }, { timeoutMs: 8_000 })),
    );
    const busy = results.filter((r) => r.content === BUSY);
    expect(results.filter((r) => r.content === "done after 1800 ms")).toHaveLength(32);
    expect(busy).toHaveLength(4);
    expect(busy.every((r) => r.ephemeral)).toBe(true);
  });

  it("never logs a secret", () => {
    const all = JSON.stringify(stack.bot.logs);
    expect(all).not.toContain(stack.discord.token);
  });

  it("exits 0 on SIGTERM, within 5 s", async () => {
    const bot = await stack.startBot();
    bot.child.kill("SIGTERM");
    const deadline = setTimeout(() => bot.child.kill("SIGKILL"), 5_000);
    const code = await bot.exited;
    clearTimeout(deadline);
    expect(code).toBe(0);
    expect(bot.logs.some((l) => l.msg === "stopped")).toBe(true);
  });
});

describe("npm start without configuration", () => {
  it("exits 1 naming DISCORD_TOKEN and pointing at .env.example, without a stack trace", async () => {
    const bot = spawnBot({}, { cwd: tempDir() });
    const code = await bot.exited;
    const stderr = bot.stderr.join("");
    expect(code).toBe(1);
    expect(stderr).toContain("DISCORD_TOKEN is missing");
    expect(stderr).toContain(".env.example");
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
