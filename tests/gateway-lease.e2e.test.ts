// The real bot and its gateway lease, on SQLite and PostgreSQL: when its lease is taken by another holder (as
// when this process was paused past its time-to-live and a standby took over), the bot leaves the gateway at
// its next renewal instead of answering alongside the new holder; once that lease lapses, it logs in again
// with a fresh discord.js client and answers. Meanwhile its REST client keeps working for jobs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_LEASE } from "../src/discord/gatewayHolder.js";
import type { Member } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member;
const LEASE = "discord-gateway:0/1";

beforeAll(async () => {
  stack = await startStack();
  ava = stack.discord.addMember({ username: "ava" });
});
afterAll(async () => stack?.close());

describe("the gateway lease of one bot", () => {
  it("holds it and is the one session", async () => {
    const row = await stack.db.jobLease.findUniqueOrThrow({ where: { name: LEASE } });
    expect(row.holder).toContain(`|${stack.bot.child.pid}|`);
    expect(stack.discord.sessionCount).toBe(1);
    expect((await stack.discord.runCommand(ava, "help")).embeds[0].title).toBe("What you can do here");
  });

  it("disconnects when another holder has the lease, and comes back with a fresh client once it lapses", async () => {
    const identified = stack.discord.identifyCount;
    await stack.db.jobLease.update({
      where: { name: LEASE },
      data: { holder: "another-process", expiresAt: new Date(Date.now() + 4_000) },
    });
    await stack.discord.waitFor(() => stack.discord.sessionCount === 0, GATEWAY_LEASE.renewMs + 5_000);
    await stack.bot.waitForLog((l) => l.msg === "gateway lease lost: disconnecting", 5_000);
    await expect(stack.discord.runCommand(ava, "help")).rejects.toThrow(/no bot is connected/);

    await stack.discord.waitFor(() => stack.discord.sessionCount === 1, 4_000 + GATEWAY_LEASE.pollMs + 10_000);
    expect(stack.discord.identifyCount).toBe(identified + 1);
    expect((await stack.discord.runCommand(ava, "help")).embeds[0].title).toBe("What you can do here");
    expect((await stack.db.jobLease.findUniqueOrThrow({ where: { name: LEASE } })).holder).toContain(
      `|${stack.bot.child.pid}|`,
    );
    // The second login did not register the commands again: their hash had not changed.
    expect(stack.discord.bulkOverwriteCount).toBe(1);
  }, 30_000);

  it("gives the lease back on SIGTERM, so a new process connects at once", async () => {
    await stack.bot.stop();
    expect(await stack.db.jobLease.findUnique({ where: { name: LEASE } })).toBeNull();
    const next = await stack.startBot();
    expect(next.logs.find((l) => l.msg === "ready")?.gateway).toBe("connected");
  }, 30_000);
});
