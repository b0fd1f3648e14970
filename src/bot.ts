// Builds the running bot from a validated configuration: database, Discord client, router, jobs.
// It holds no rules of its own; main.ts calls it and owns the process (signals, exit codes).
import crypto from "node:crypto";
import os from "node:os";
import { Events } from "discord.js";
import type { Config } from "./config.js";
import { createDb, redactUrl } from "./db/client.js";
import { migrate } from "./db/migrate.js";
import { createDiscordClient } from "./discord/client.js";
import { COMMANDS_DIR, loadCommands, registerCommands } from "./discord/commands.js";
import { createDmSender } from "./discord/dmSender.js";
import { createCoalescer } from "./discord/liveMessages.js";
import { createRouter } from "./discord/router.js";
import type { BotContext } from "./discord/types.js";
import { DM_QUEUE_JOB, startJobs } from "./jobs/index.js";
import { createScheduler } from "./jobs/scheduler.js";
import type { Logger } from "./log.js";

export interface BotOptions {
  /** More command folders (tests load fixture commands this way). */
  extraCommandDirs?: string[];
}

export async function startBot(config: Config, log: Logger, options: BotOptions = {}) {
  const applied = await migrate(config.DATABASE_URL);
  log.info({ database: redactUrl(config.DATABASE_URL), applied }, applied.length ? "database migrated" : "database up to date");
  const db = createDb(config.DATABASE_URL);

  const commands = await loadCommands([COMMANDS_DIR, ...(options.extraCommandDirs ?? [])]);
  const client = createDiscordClient(config);
  const holder = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`;
  const scheduler = createScheduler({ db, log, holder, timezone: config.CAMPAIGN_TIMEZONE });
  const coalescer = createCoalescer(log);
  const flushDms = createDmSender({ db, client, log });
  const ctx: BotContext = {
    db,
    config,
    log,
    now: () => new Date(),
    client,
    commands,
    refreshLater: coalescer.refreshLater,
    wakeDmQueue: () => void scheduler.runOnce(DM_QUEUE_JOB.name, (now) => flushDms(now), DM_QUEUE_JOB).catch((err: unknown) => log.warn({ err }, "DM queue failed")),
  };
  const router = createRouter(commands, ctx);

  client.on(Events.InteractionCreate, (interaction) => void router.handle(interaction));
  client.on(Events.Error, (err) => log.error({ err }, "discord client error"));
  const ready = new Promise<void>((resolve, reject) => {
    client.once(Events.ClientReady, (readyClient) => {
      registerCommands(readyClient, db, commands, config.DISCORD_GUILD_ID)
        .then((registered) => {
          startJobs(scheduler, ctx, { flushDms });
          log.info({ user: readyClient.user.tag, commands: commands.length, registered }, "ready");
          resolve();
        })
        .catch(reject);
    });
  });
  await client.login(config.DISCORD_TOKEN);
  await ready;

  return {
    ctx,
    /** Stops schedules, lets in-flight interactions finish (bounded), then closes the gateway and the database. */
    async stop(): Promise<void> {
      await scheduler.stop(2_000);
      await router.drain(2_000);
      await coalescer.flush();
      await client.destroy();
      await db.$disconnect();
    },
  };
}
