// The DM outbox through Discord outages, on a test clock: the emulator fails for minutes or hours of that clock
// and the sender runs its ticks on it, so a day of outage plays in seconds. Also: priorities, reminders whose
// moment passed, permanent failures, and a database that refuses writes while sending.
import type { Client } from "discord.js";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDiscordClient } from "../src/discord/client.js";
import { createDmSender } from "../src/discord/dmSender.js";
import { startDiscordEmulator, type DiscordEmulator } from "../src/sandbox/discord/index.js";
import { queueDm } from "../src/services/directMessages.js";
import { freshDb, testPostgresUrl, type TestDb } from "./support/db.js";

let discord: DiscordEmulator;
let client: Client;
let t: TestDb;
const log = pino({ level: "silent" });
// The test's clock: the emulator's outages and nonce window and the sender's ticks all read it.
let clock = Date.now();
const now = () => new Date(clock);

beforeAll(async () => {
  discord = await startDiscordEmulator({ port: 0, now: () => clock });
  // Short time-outs and few immediate retries so an unanswered request costs this test little real time.
  client = createDiscordClient({ DISCORD_API_URL: discord.apiUrl }, { timeout: 300, retries: 1 });
  await client.login(discord.token);
  await discord.waitForReady();
  t = await freshDb();
});
afterAll(async () => {
  await client?.destroy();
  await discord?.close();
  await t?.close();
});
beforeEach(async () => {
  await t.db.directMessage.deleteMany();
});

const row = (key: string) => t.db.directMessage.findUniqueOrThrow({ where: { dedupeKey: key } });
const sender = (retryHours = 24) => createDmSender({ db: t.db, client, log, perSecond: 100, retryHours });

/** Runs the DM job every `everyMs` of the test clock for `forMs`. */
async function runTicks(flush: ReturnType<typeof sender>, forMs: number, everyMs = 5_000): Promise<void> {
  const end = clock + forMs;
  while (clock <= end) {
    await flush(now());
    clock += everyMs;
  }
}

describe("Discord outages", () => {
  it("a two-minute outage of 5xx answers loses no DM, and sends none twice", async () => {
    const ada = discord.addMember({ username: "ada" });
    const bo = discord.addMember({ username: "bo" });
    await queueDm(
      t.db,
      { dedupeKey: "outage:promotion", userId: ada.id, content: "You got a seat", priority: "first" },
      now(),
    );
    await queueDm(t.db, { dedupeKey: "outage:news", userId: bo.id, content: "The party moved" }, now());
    discord.outage({ status: 503, until: clock + 2 * 60_000 });
    await runTicks(sender(), 10 * 60_000);
    expect(discord.dms(ada.id).map((m) => m.content)).toEqual(["You got a seat"]);
    expect(discord.dms(bo.id).map((m) => m.content)).toEqual(["The party moved"]);
    const promotion = await row("outage:promotion");
    expect(promotion.status).toBe("sent");
    // More attempts than the old limit of 5: it kept trying through the outage.
    expect(promotion.attempts).toBeGreaterThan(5);
  });

  it("Discord not answering at all for two minutes: the DM goes out once it answers again", async () => {
    const cy = discord.addMember({ username: "cy" });
    await queueDm(t.db, { dedupeKey: "timeout:1", userId: cy.id, content: "Your shift moved" }, now());
    discord.outage({ status: "timeout", match: /^POST \/channels\//, until: clock + 2 * 60_000 });
    await runTicks(sender(), 6 * 60_000, 10_000);
    expect(discord.dms(cy.id).map((m) => m.content)).toEqual(["Your shift moved"]);
    expect((await row("timeout:1")).status).toBe("sent");
  });

  it("a long rate limit waits for its Retry-After, then sends", async () => {
    const di = discord.addMember({ username: "di" });
    await queueDm(t.db, { dedupeKey: "429:1", userId: di.id, content: "Doors at 8" }, now());
    discord.outage({ status: 429, retryAfter: 600, match: /^POST \/channels\//, times: 1 });
    const flush = sender();
    const start = clock;
    await flush(now());
    const waiting = await row("429:1");
    expect(waiting.status).toBe("pending");
    expect(waiting.notBefore.getTime()).toBeGreaterThanOrEqual(start + 600_000);
    clock = start + 599_000;
    await flush(now());
    expect(discord.dms(di.id)).toHaveLength(0);
    clock = waiting.notBefore.getTime();
    await flush(now());
    expect(discord.dms(di.id).map((m) => m.content)).toEqual(["Doors at 8"]);
  });

  it("gives up only after DM_RETRY_HOURS of failures", async () => {
    const ed = discord.addMember({ username: "ed" });
    await queueDm(t.db, { dedupeKey: "long:1", userId: ed.id, content: "News" }, now());
    const start = clock;
    const stop = discord.outage({ status: 500, until: clock + 30 * 3_600_000 });
    const flush = sender(2);
    await runTicks(flush, 90 * 60_000, 60_000);
    expect((await row("long:1")).status).toBe("pending"); // 1.5 h in: still trying
    await runTicks(flush, 60 * 60_000, 60_000);
    const failed = await row("long:1");
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toMatch(/gave up after 2 h/);
    expect(clock - start).toBeGreaterThanOrEqual(2 * 3_600_000);
    stop();
    expect(discord.dms(ed.id)).toHaveLength(0);
  });

  it("permanent answers end a DM at once: an unknown member is not retried", async () => {
    await queueDm(t.db, { dedupeKey: "gone:1", userId: "199999999999999999", content: "Hello" }, now());
    await sender()(now());
    expect(await row("gone:1")).toMatchObject({ status: "failed", attempts: 1, lastError: "unknown-user" });
  });
});

describe("order", () => {
  it("sends promotions before a burst of news and reminders queued earlier", async () => {
    const many = Array.from({ length: 12 }, (_, i) => discord.addMember({ username: `many${i}` }));
    for (const m of many)
      await queueDm(t.db, { dedupeKey: `burst:${m.id}`, userId: m.id, content: "Reminder", priority: "last" }, now());
    for (const m of many.slice(0, 3))
      await queueDm(t.db, { dedupeKey: `burst-news:${m.id}`, userId: m.id, content: "News" }, now());
    const lucky = discord.addMember({ username: "lucky" });
    await queueDm(
      t.db,
      { dedupeKey: "burst:promotion", userId: lucky.id, content: "You got a seat", priority: "first" },
      now(),
    );
    // One batch of 4: the promotion, then the news, then reminders.
    await createDmSender({ db: t.db, client, log, perSecond: 40 })(now(), 100);
    expect(discord.dms(lucky.id)).toHaveLength(1);
    expect(many.slice(0, 3).map((m) => discord.dms(m.id).map((d) => d.content))).toEqual([
      ["News"],
      ["News"],
      ["News"],
    ]);
    expect(many.flatMap((m) => discord.dms(m.id)).filter((d) => d.content === "Reminder")).toHaveLength(0);
  });

  it("drops a reminder whose moment passed instead of sending it late", async () => {
    const late = discord.addMember({ username: "late" });
    await queueDm(
      t.db,
      {
        dedupeKey: "late:1",
        userId: late.id,
        content: "Starts in 1 hour",
        priority: "last",
        expiresAt: new Date(clock - 1),
      },
      now(),
    );
    await sender()(now());
    expect(discord.dms(late.id)).toHaveLength(0);
    expect((await row("late:1")).status).toBe("dropped");
  });
});

describe("a database that refuses writes while sending", () => {
  /** A real refusal from the real database: a trigger that fails the update, as a full disk would. */
  async function refuse(when: "sent" | "any"): Promise<() => Promise<void>> {
    const condition = when === "sent" ? `NEW."status" = 'sent'` : "1 = 1";
    if (!testPostgresUrl()) {
      await t.db.$executeRawUnsafe(
        `CREATE TRIGGER refuse_dm BEFORE UPDATE ON "DirectMessage" WHEN ${condition} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
      );
      return async () => void (await t.db.$executeRawUnsafe(`DROP TRIGGER refuse_dm`));
    }
    await t.db.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION refuse_dm() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$`,
    );
    await t.db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_dm BEFORE UPDATE ON "DirectMessage" FOR EACH ROW WHEN (${condition}) EXECUTE FUNCTION refuse_dm()`,
    );
    return async () => void (await t.db.$executeRawUnsafe(`DROP TRIGGER refuse_dm ON "DirectMessage"`));
  }

  it("sends nothing while no write is accepted", async () => {
    const fay = discord.addMember({ username: "fay" });
    await queueDm(t.db, { dedupeKey: "full:1", userId: fay.id, content: "Hi" }, now());
    const allow = await refuse("any");
    const flush = sender();
    await expect(flush(now())).rejects.toThrow();
    expect(discord.dms(fay.id)).toHaveLength(0);
    await allow();
    await flush(now());
    expect(discord.dms(fay.id)).toHaveLength(1);
  });

  it("a DM Discord accepted but the database could not record: nothing new goes out until it is recorded, and it is sent once", async () => {
    const gil = discord.addMember({ username: "gil" });
    const hal = discord.addMember({ username: "hal" });
    await queueDm(t.db, { dedupeKey: "unrecorded:1", userId: gil.id, content: "First" }, now());
    await queueDm(t.db, { dedupeKey: "unrecorded:2", userId: hal.id, content: "Second" }, now());
    const allow = await refuse("sent");
    const flush = sender();
    await expect(flush(now())).rejects.toThrow();
    expect(discord.dms(gil.id)).toHaveLength(1);
    clock += 5_000;
    await expect(flush(now())).rejects.toThrow(); // still refused: the next message waits
    expect(discord.dms(hal.id)).toHaveLength(0);
    await allow();
    clock += 5_000;
    await flush(now());
    expect(discord.dms(gil.id)).toHaveLength(1);
    expect(discord.dms(hal.id)).toHaveLength(1);
    expect((await row("unrecorded:1")).status).toBe("sent");
  });

  it("after a crash with the outcome unrecorded, a retry past the nonce window finds the DM instead of sending it again", async () => {
    const ida = discord.addMember({ username: "ida" });
    await queueDm(t.db, { dedupeKey: "crash:1", userId: ida.id, content: "Your set is at 10pm" }, now());
    const allow = await refuse("sent");
    await expect(sender()(now())).rejects.toThrow();
    await allow();
    // The process died with the outcome in memory; a new one runs ten minutes later, past Discord's nonce window.
    clock += 10 * 60_000;
    await sender()(now());
    expect(discord.dms(ida.id).map((m) => m.content)).toEqual(["Your set is at 10pm"]);
    const recorded = await row("crash:1");
    expect(recorded.status).toBe("sent");
    expect(recorded.messageId).toBe(discord.dms(ida.id)[0]!.id);
  });
});
