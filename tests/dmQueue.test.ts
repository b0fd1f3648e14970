// The DM outbox with the real discord.js client against the emulator: each message once, at a steady pace,
// closed DMs falling back to a channel, and a crash between sending and marking never delivering twice.
import { Client, GatewayIntentBits } from "discord.js";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDmSender } from "../src/discord/dmSender.js";
import { startDiscordEmulator, type DiscordEmulator } from "../src/sandbox/discord/index.js";
import { dueDms, queueDm } from "../src/services/directMessages.js";
import { freshDb, type TestDb } from "./support/db.js";

let discord: DiscordEmulator;
let client: Client;
let t: TestDb;
const log = pino({ level: "silent" });
// The test's own clock: any fixed moment works, since every rule here takes `now` from its caller.
const NOW = new Date("2026-11-29T12:00:00Z");

beforeAll(async () => {
  discord = await startDiscordEmulator({ port: 0 });
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  await client.login(discord.token);
  await discord.waitForReady();
  t = await freshDb();
});
afterAll(async () => {
  await client?.destroy();
  await discord?.close();
  await t?.close();
});

describe("the DM outbox", () => {
  it("queues a message once per key, however often it is written", async () => {
    const eli = discord.addMember({ username: "eli" });
    const first = await queueDm(t.db, { dedupeKey: "test:once", userId: eli.id, content: "See you there" }, NOW);
    const again = await t.db.$transaction((tx) =>
      queueDm(tx, { dedupeKey: "test:once", userId: eli.id, content: "See you there" }, NOW),
    );
    expect([first, again]).toEqual([true, false]);
    const flush = createDmSender({ db: t.db, client, log, perSecond: 50 });
    expect(await flush(NOW)).toBe(1);
    expect(await flush(NOW)).toBe(0);
    expect(discord.dms(eli.id).map((m) => m.content)).toEqual(["See you there"]);
    expect(discord.dms(eli.id)[0]!.allowed_mentions).toEqual({ parse: [] });
  });

  it("waits for notBefore", async () => {
    const gus = discord.addMember({ username: "gus" });
    const later = new Date(NOW.getTime() + 60 * 60_000);
    await queueDm(t.db, { dedupeKey: "test:later", userId: gus.id, content: "Reminder", notBefore: later }, NOW);
    const flush = createDmSender({ db: t.db, client, log, perSecond: 50 });
    await flush(NOW);
    expect(discord.dms(gus.id)).toHaveLength(0);
    expect(await dueDms(t.db, new Date(later.getTime() + 1), 10)).toHaveLength(1);
  });

  it("posts in the fallback channel, mentioning only that member, when DMs are closed", async () => {
    const closed = discord.addMember({ username: "closed", dmsOpen: false });
    const quiet = discord.addMember({ username: "quiet", dmsOpen: false });
    const open = discord.addMember({ username: "open" });
    const announce = discord.guild.channels.announce;
    await queueDm(
      t.db,
      { dedupeKey: "test:fallback", userId: closed.id, content: "The party moved to 9pm", fallbackChannelId: announce },
      NOW,
    );
    await queueDm(t.db, { dedupeKey: "test:nofallback", userId: quiet.id, content: "Quiet news" }, NOW);
    await queueDm(t.db, { dedupeKey: "test:open", userId: open.id, content: "Open news" }, NOW);
    const flush = createDmSender({ db: t.db, client, log, perSecond: 50 });
    await flush(NOW);
    const posted = discord.messages(announce).find((m) => m.content.includes("The party moved"));
    expect(posted?.content).toBe(`<@${closed.id}> The party moved to 9pm`);
    expect(posted?.allowed_mentions).toEqual({ users: [closed.id] });
    // A closed DM does not stop the others.
    expect(discord.dms(open.id).map((m) => m.content)).toEqual(["Open news"]);
    const rows = await t.db.directMessage.findMany({
      where: { dedupeKey: { in: ["test:fallback", "test:nofallback"] } },
      orderBy: { dedupeKey: "asc" },
    });
    expect(rows.map((r) => r.status)).toEqual(["fallback", "failed"]);
  });

  it("does not deliver twice when the process died after sending but before marking", async () => {
    const dev = discord.addMember({ username: "dev" });
    await queueDm(t.db, { dedupeKey: "test:crash", userId: dev.id, content: "Doors open at 8" }, NOW);
    const flush = createDmSender({ db: t.db, client, log, perSecond: 50 });
    await flush(NOW);
    // As if the row had never been marked: the next run sends again, with the same nonce.
    await t.db.directMessage.update({ where: { dedupeKey: "test:crash" }, data: { status: "pending", sentAt: null } });
    await flush(NOW);
    expect(discord.dms(dev.id).map((m) => m.content)).toEqual(["Doors open at 8"]);
  });
});
