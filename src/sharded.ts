// `npm run start:sharded`: one bot process per Discord shard, through discord.js's ShardingManager. Each shard is
// src/main.ts exactly as `npm start` runs it (discord.js hands it SHARDS and SHARD_COUNT); the shards share the
// database, so their scheduled jobs run once per tick through the lease rows, and each shard's gateway connection
// is held under a lease of its own, so this command can run on several machines (replicas of every shard). Use
// PostgreSQL for this: several processes writing one SQLite file works, but wait on each other's locks.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ChildProcess } from "node:child_process";
import { ShardingManager, type Shard } from "discord.js";
import { EXIT_GATEWAY_REFUSED } from "./exitCodes.js";
import { loadConfigOrExit } from "./config.js";
import { redactUrl } from "./db/client.js";
import { SHUTDOWN_BOUND_MS } from "./db/transaction.js";
import { createLogger } from "./log.js";

// Checked once here, so a mistake is one message rather than one per shard.
const config = loadConfigOrExit();

const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: "keep-dancing-shards" });
// As in main.ts: a manager in an unknown state stops its shards and exits non-zero, for a supervisor to restart.
process.on("uncaughtException", (err) => void fail(err, "uncaught exception"));
process.on("unhandledRejection", (err) => void fail(err, "unhandled promise rejection"));
if (config.DATABASE_URL.startsWith("file:") && config.SHARD_COUNT > 1) {
  log.warn(
    { database: redactUrl(config.DATABASE_URL) },
    "several shard processes on one SQLite file: fine on one machine, but PostgreSQL scales further",
  );
}

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const manager = new ShardingManager(path.join(here, "main.ts"), {
  token: config.DISCORD_TOKEN,
  totalShards: config.SHARD_COUNT,
  mode: "process",
  // A shard that dies is started again; a clean shutdown below turns this off first.
  respawn: true,
  execArgv: ["--import", tsx],
});

manager.on("shardCreate", (shard: Shard) => {
  // Each shard process runs its own HTTP server: shard n listens on HTTP_PORT + n (0 stays 0: any free port).
  if (config.HTTP_PORT !== 0) (shard.env as NodeJS.ProcessEnv).HTTP_PORT = String(config.HTTP_PORT + shard.id);
  log.info({ shard: shard.id, of: config.SHARD_COUNT }, "shard starting");
  shard.on("death", (child) => {
    const code = (child as ChildProcess).exitCode;
    log.warn({ shard: shard.id, code }, "shard process ended");
    // Discord refused the gateway for good (invalid token, disallowed intents): respawning cannot help.
    if (code === EXIT_GATEWAY_REFUSED)
      void fail(
        undefined,
        `shard ${shard.id} lost the Discord gateway for good (see its log): stopping every shard`,
        EXIT_GATEWAY_REFUSED,
      );
  });
  shard.on("ready", () => log.info({ shard: shard.id }, "shard ready"));
});

async function fail(err: unknown, msg: string, code = 1): Promise<void> {
  log.fatal({ err }, msg);
  await shutdown("failure", code);
}

let stopping = false;
async function shutdown(signal: string, exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  manager.respawn = false;
  log.info({ signal }, "stopping every shard");
  // Each shard stops itself cleanly on SIGTERM (src/main.ts: leases given back, in-flight answers finished).
  await Promise.all(
    [...manager.shards.values()].map(
      (shard) =>
        new Promise<void>((resolve) => {
          const child = shard.process;
          if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
          // Each shard exits within SHUTDOWN_BOUND_MS on its own; this is only for one that hangs.
          setTimeout(() => {
            child.kill("SIGKILL");
            resolve();
          }, SHUTDOWN_BOUND_MS + 2_000).unref();
        }),
    ),
  );
  log.info("stopped");
  log.flush?.();
  process.exit(exitCode);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

try {
  // Discord allows one identify every 5 s per bucket: the manager's default pace between shards. No time-out on
  // READY: with replicas (this command on several machines), a shard process whose gateway lease another
  // machine holds stands by without connecting (src/discord/gatewayHolder.ts); each says "ready" when it is up.
  await manager.spawn({ timeout: -1 });
  log.info({ shards: manager.shards.size }, "all shards started");
} catch (err) {
  await fail(err, "could not start the shards");
}
