// Builds the running bot from a validated configuration: database, Discord clients, router, jobs, and the
// gateway connection when this process holds its lease.
// It holds no rules of its own; main.ts calls it and owns the process (signals, exit codes).
import { ClientUser, Events, Routes, type Client } from "discord.js";
import type { Config } from "./config.js";
import { createDb, redactUrl } from "./db/client.js";
import { migrate } from "./db/migrate.js";
import { TX_BOUND_MS } from "./db/transaction.js";
import { createDiscordClient } from "./discord/client.js";
import { COMMANDS_DIR, loadCommands, registerCommands } from "./discord/commands.js";
import { createDmSender } from "./discord/dmSender.js";
import { leaveOtherGuilds } from "./discord/guilds.js";
import { createCoalescer } from "./discord/liveMessages.js";
import { createGatewayHolder, gatewayLeaseName, type GatewayConnection } from "./discord/gatewayHolder.js";
import { createRouter } from "./discord/router.js";
import type { BotContext } from "./discord/types.js";
import { DM_QUEUE_JOB, startJobs } from "./jobs/index.js";
import { holderId } from "./jobs/lease.js";
import { expandFanouts } from "./services/dmFanout.js";
import { createScheduler } from "./jobs/scheduler.js";
import { startHttpServer } from "./http/index.js";
import { createBotMetrics } from "./http/metrics.js";
import type { Logger } from "./log.js";
// Registers the milestone check that every counter change runs (see src/services/metrics.ts).
import "./services/milestones.js";
import { createPublishers } from "./x/publisher.js";

export interface BotOptions {
  /** More command folders (tests load fixture commands this way). */
  extraCommandDirs?: string[];
  /** false: connect to the gateway without taking its lease (a test hook; see src/discord/gatewayHolder.ts). */
  gatewayLease?: boolean;
  /**
   * Called when the bot can no longer work and must not linger as a zombie: Discord closed the gateway with a
   * code it will not reconnect after (invalid token, disallowed intents, invalid shard). main.ts exits non-zero.
   */
  onFatal?: (reason: string, details: Record<string, unknown>) => void;
}

export async function startBot(config: Config, log: Logger, options: BotOptions = {}) {
  const applied = await migrate(config.DATABASE_URL);
  log.info(
    { database: redactUrl(config.DATABASE_URL), applied },
    applied.length ? "database migrated" : "database up to date",
  );
  const db = createDb(config.DATABASE_URL);

  const commands = await loadCommands([COMMANDS_DIR, ...(options.extraCommandDirs ?? [])]);
  // Two clients. This one never connects to the gateway: jobs and handlers reach Discord through it by REST, in
  // every process, holder of the gateway or standby. The gateway client below exists only while this process
  // holds the gateway lease (a discord.js client cannot log in again once destroyed, so each term gets a new one).
  const client = await createRestClient(config);
  const holder = holderId();
  const now = () => new Date();
  const metrics = createBotMetrics({ db, log, now });
  const scheduler = createScheduler({ db, log, holder, timezone: config.CAMPAIGN_TIMEZONE, onRun: metrics.onJobRun });
  let publicUrl = config.PUBLIC_URL ?? "";
  const coalescer = createCoalescer(log);
  const sendDms = createDmSender({ db, client, log, retryHours: config.DM_RETRY_HOURS });
  // The DM job: fan-outs (one row per moved or cancelled event) become DMs first, in short batches, then DMs go out.
  const flushDms = async (now: Date) => {
    await expandFanouts(db, now);
    return sendDms(now);
  };
  const ctx: BotContext = {
    db,
    config,
    log,
    now,
    publicUrl: () => publicUrl,
    client,
    commands,
    refreshLater: coalescer.refreshLater,
    publishers: createPublishers(config),
    wakeDmQueue: () =>
      void scheduler
        .runOnce(DM_QUEUE_JOB.name, (now) => flushDms(now), DM_QUEUE_JOB)
        .catch((err: unknown) => log.warn({ err }, "DM queue failed")),
  };
  const router = createRouter(commands, ctx, metrics.router);

  async function connectGateway(): Promise<GatewayConnection> {
    const gateway = createDiscordClient(config);
    gateway.on(Events.InteractionCreate, (interaction) => void router.handle(interaction));
    gateway.on(Events.Error, (err) => log.error({ err }, "discord client error"));
    // discord.js emits ShardDisconnect only for close codes it will not reconnect after (4004, 4010-4014).
    gateway.on(Events.ShardDisconnect, (event, shardId) => {
      const code = (event as { code?: number }).code;
      const why =
        code === 4004
          ? "the token was refused (4004): check DISCORD_TOKEN"
          : code === 4014
            ? "an intent the bot asks for is not enabled for it (4014)"
            : `Discord closed the gateway with ${code}, which allows no reconnect`;
      options.onFatal?.(`lost the Discord gateway for good: ${why}`, { code, shard: shardId });
    });
    // Under `npm run start:sharded`, discord.js reports shard states to the manager from the first client made in
    // the process, which is the REST client: pass them on to it.
    for (const event of [
      Events.ShardReady,
      Events.ShardDisconnect,
      Events.ShardReconnecting,
      Events.ShardResume,
    ] as const) {
      gateway.on(event, (...args: unknown[]) => void client.emit(event as string, ...args));
    }
    try {
      const ready = new Promise<Client<true>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the gateway sent no READY within 30 s")), 30_000);
        gateway.once(Events.ClientReady, (readyClient) => {
          clearTimeout(timer);
          resolve(readyClient);
        });
      });
      await gateway.login(config.DISCORD_TOKEN);
      const readyClient = await ready;
      // The bot serves DISCORD_GUILD_ID only: any other server it is in (or is added to) is left.
      leaveOtherGuilds(readyClient, config.DISCORD_GUILD_ID, log);
      const { registered, removedGlobal } = await registerCommands(readyClient, db, commands, config.DISCORD_GUILD_ID);
      if (removedGlobal > 0)
        log.warn(
          { removed: removedGlobal },
          "removed global commands: the bot's commands live on DISCORD_GUILD_ID only",
        );
      log.info({ user: readyClient.user.tag, commands: commands.length, registered }, "logged in to the gateway");
    } catch (err) {
      await gateway.destroy();
      throw err;
    }
    return {
      async close() {
        // New interactions belong to the next holder (it receives them too); those under way are answered first.
        gateway.removeAllListeners(Events.InteractionCreate);
        await router.drain(1_500);
        await gateway.destroy();
      },
    };
  }

  const gateway = createGatewayHolder({
    db,
    log,
    holder,
    name: gatewayLeaseName(client.options.shards as number[], client.options.shardCount ?? 1),
    connect: connectGateway,
    leased: options.gatewayLease !== false,
  });
  // The HTTP server starts before the gateway, so /healthz answers (and /readyz says what is missing) while
  // the bot connects. A port already taken stops the start here, with the reason.
  const leaseName = gatewayLeaseName(client.options.shards as number[], client.options.shardCount ?? 1);
  const http = await startHttpServer(
    {
      db,
      config,
      log,
      now,
      publicUrl: () => publicUrl,
      // Connected here, or a standby while another process holds the gateway's lease: either way interactions are answered.
      async gatewayState() {
        if (gateway.isConnected()) return "connected";
        const lease = await db.jobLease.findUnique({ where: { name: leaseName } });
        return lease && lease.expiresAt > now() ? "standby" : "down";
      },
    },
    metrics,
  );
  const listening = await http.listen();
  publicUrl = config.PUBLIC_URL ?? listening.url;
  log.info({ url: listening.url, publicUrl }, "http server listening");

  startJobs(scheduler, ctx, { flushDms });
  let role: Awaited<ReturnType<typeof gateway.start>>;
  try {
    role = await gateway.start();
  } catch (err) {
    await http.close().catch(() => undefined);
    throw err;
  }
  log.info({ gateway: role, commands: commands.length }, "ready");

  return {
    ctx,
    /** Where the HTTP server listens (HTTP_PORT=0 picks a free port). */
    httpUrl: listening.url,
    /**
     * The shutdown order: first hand the gateway over (give its lease back and keep answering until a standby
     * holds it, at most a couple of seconds; a lone process just disconnects), so a planned restart of one replica
     * loses no interaction; from then on nothing new arrives, and the router takes nothing new either. Then close
     * the HTTP server (open live streams are ended, so this is quick), let the interactions and jobs under way
     * finish (at most TX_BOUND_MS, the longest a transaction may wait and run; their answers go by REST with the
     * interaction's own token), give the job leases back (the scheduler does, once its runs ended), send the
     * pending announcement edits, and close the database.
     */
    async stop(): Promise<void> {
      await gateway.stop();
      router.close();
      log.info("no longer taking interactions");
      await Promise.race([http.close(), new Promise((r) => setTimeout(r, 1_000).unref())]);
      const [left] = await Promise.all([router.drain(TX_BOUND_MS), scheduler.stop(TX_BOUND_MS)]);
      if (left) log.warn({ left }, "interactions still running at the shutdown deadline");
      await coalescer.flush();
      await client.destroy();
      await db.$disconnect();
    },
  };
}

/**
 * A client for REST only: the token set without a login; its own user and the guilds put in its cache by REST,
 * as READY and GUILD_CREATE would have done (discord.js needs `client.user` to open a DM, and resolves a guild
 * channel only when its guild is cached).
 */
async function createRestClient(config: Config): Promise<Client> {
  const client = createDiscordClient(config);
  client.token = config.DISCORD_TOKEN;
  client.rest.setToken(config.DISCORD_TOKEN);
  // ClientUser's constructor is public in discord.js, only marked protected in its typings.
  const Me = ClientUser as unknown as new (client: Client, data: unknown) => ClientUser;
  client.user = new Me(client, await client.rest.get(Routes.user()));
  client.users.cache.set(client.user.id, client.user);
  const guildIds = config.DISCORD_GUILD_ID ? [config.DISCORD_GUILD_ID] : [...(await client.guilds.fetch()).keys()];
  for (const id of guildIds) await client.guilds.fetch({ guild: id, force: true });
  return client;
}
