// The end-to-end stack: the Discord, X, Bluesky and Mastodon emulators, and the real bot process on a fresh database: a SQLite
// file, or a schema of its own on TEST_DATABASE_URL (PostgreSQL), dropped by close().
import fs from "node:fs";
import path from "node:path";
import { createDb, type Db } from "../../src/db/client.js";
import { spawnBot, type BotProcess } from "../../src/sandbox/botProcess.js";
import { startDiscordEmulator, type DiscordEmulator } from "../../src/sandbox/discord/index.js";
import { startBlueskyEmulator, type BlueskyEmulator } from "../../src/sandbox/bluesky/index.js";
import { startMastodonEmulator, type MastodonEmulator } from "../../src/sandbox/mastodon/index.js";
import { startXEmulator, type XEmulator } from "../../src/sandbox/x/index.js";
import { dropDatabase, tempDir, uniqueDatabaseUrl } from "./db.js";

export interface StackOptions {
  /** More environment for the bot (overrides the defaults below); a function receives the emulated guild's ids. */
  env?: Record<string, string> | ((guild: DiscordEmulator["guild"]) => Record<string, string>);
  /** Give the bot the X emulator's credentials (default: none, so posts are dry runs). */
  withX?: boolean;
  /** Give the bot the Bluesky emulator's account (default: none). */
  withBluesky?: boolean;
  /** Give the bot the Mastodon emulator's token (default: none). */
  withMastodon?: boolean;
  /** Load the fixture commands of tests/fixtures/commands (a slow one, a failing one). */
  fixtures?: boolean;
}

export interface Stack {
  discord: DiscordEmulator;
  x: XEmulator;
  bluesky: BlueskyEmulator;
  mastodon: MastodonEmulator;
  /** A Prisma client on the bot's database, for assertions. */
  db: Db;
  dbUrl: string;
  bot: BotProcess;
  env: Record<string, string>;
  /** Starts a bot process (another one, or again after stop) and waits until it is ready. */
  startBot(extraEnv?: Record<string, string>): Promise<BotProcess>;
  /** SIGTERM, wait, start again. */
  restart(): Promise<BotProcess>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const discord = await startDiscordEmulator({ port: 0 });
  const x = await startXEmulator({ port: 0 });
  const bluesky = await startBlueskyEmulator({ port: 0 });
  const mastodon = await startMastodonEmulator({ port: 0, processingMs: 300 });
  const dir = tempDir("keep-dancing-e2e-");
  const dbUrl = uniqueDatabaseUrl(dir, "bot.db");
  const env: Record<string, string> = {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guild.id,
    DATABASE_URL: dbUrl,
    ANNOUNCE_CHANNEL_ID: discord.guild.channels.announce,
    DJ_REVIEW_CHANNEL_ID: discord.guild.channels.review,
    ORGANIZER_ROLE_ID: discord.guild.roles.organizer,
    TWITTER_API_URL: x.apiUrl,
    // Any free port: test files run side by side, each with its own bot and HTTP server.
    HTTP_PORT: "0",
    LOG_LEVEL: "info",
    // Tests act faster than any person (an organizer sets up ten events in a second): the per-member rate
    // limit is tested with its defaults in tests/hostile.e2e.test.ts, and kept out of the way elsewhere.
    MEMBER_RATE_LIMIT: "10000",
    ...(options.withX
      ? {
          TWITTER_API_KEY: x.credentials.appKey,
          TWITTER_API_SECRET: x.credentials.appSecret,
          TWITTER_ACCESS_TOKEN: x.credentials.accessToken,
          TWITTER_ACCESS_SECRET: x.credentials.accessSecret,
        }
      : {}),
    ...(options.withBluesky
      ? {
          BLUESKY_SERVICE: bluesky.serviceUrl,
          BLUESKY_IDENTIFIER: bluesky.account.handle,
          BLUESKY_APP_PASSWORD: bluesky.account.password,
        }
      : {}),
    ...(options.withMastodon ? { MASTODON_URL: mastodon.url, MASTODON_ACCESS_TOKEN: mastodon.accessToken } : {}),
    ...(options.fixtures ? { KEEP_DANCING_EXTRA_COMMANDS: path.resolve("tests/fixtures/commands") } : {}),
    ...(typeof options.env === "function" ? options.env(discord.guild) : options.env),
  };
  const bots: BotProcess[] = [];
  const startBot = async (extraEnv: Record<string, string> = {}) => {
    // Run from the temporary folder, so a developer's own .env in the project never leaks into a test.
    const bot = spawnBot({ ...env, ...extraEnv }, { cwd: dir });
    bots.push(bot);
    await bot.waitForLog((l) => l.msg === "ready", 60_000);
    return bot;
  };
  const stack: Stack = {
    discord,
    x,
    bluesky,
    mastodon,
    db: undefined as unknown as Db,
    dbUrl,
    bot: await startBot(),
    env,
    startBot,
    async restart() {
      await stack.bot.stop();
      stack.bot = await startBot();
      return stack.bot;
    },
    async close() {
      await Promise.all(bots.map((b) => b.stop("SIGKILL")));
      await stack.db.$disconnect();
      await dropDatabase(dbUrl).catch(() => undefined);
      await discord.close();
      await x.close();
      await bluesky.close();
      await mastodon.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  // Opened after the bot has migrated the file.
  stack.db = createDb(dbUrl);
  return stack;
}
