// The process: configuration, the bot, and how it ends. No rules live here.
// - SIGINT/SIGTERM: a clean stop (bot.stop: no new work, work under way finished, leases given back), exit 0,
//   within SHUTDOWN_BOUND_MS whatever happens.
// - A gateway Discord will not reconnect (invalid token, disallowed intents), an uncaught exception or an unhandled
//   rejection: one clear log line and a non-zero exit, so a supervisor restarts the bot instead of it lingering as a
//   zombie that runs jobs and answers nothing. The outboxes make a restart safe: nothing is lost or sent twice.
import { startBot } from "./bot.js";
import { loadConfigOrExit } from "./config.js";
import { SHUTDOWN_BOUND_MS } from "./db/transaction.js";
import { EXIT_FAILURE, EXIT_GATEWAY_REFUSED } from "./exitCodes.js";
import { createLogger } from "./log.js";
import { ignoredTestHooks, testHook } from "./testHooks.js";

const config = loadConfigOrExit();

const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });

function die(code: number, err: unknown, msg: string): never {
  log.fatal({ err }, msg);
  log.flush?.();
  process.exit(code);
}
process.on("uncaughtException", (err) =>
  die(EXIT_FAILURE, err, "uncaught exception: exiting so a supervisor restarts the bot"),
);
process.on("unhandledRejection", (err) =>
  die(EXIT_FAILURE, err, "unhandled promise rejection: exiting so a supervisor restarts the bot"),
);

const ignored = ignoredTestHooks();
if (ignored.length) log.warn({ ignored }, "test hooks are honoured only when NODE_ENV=test: ignored");
const extra = testHook("KEEP_DANCING_EXTRA_COMMANDS"); // fixture commands: tests only (src/testHooks.ts)
// Every process connects to the gateway, as if the lease's overlap window never closed (tests only).
const gatewayLease = testHook("KEEP_DANCING_GATEWAY_LEASE") !== "off";
let bot: Awaited<ReturnType<typeof startBot>> | undefined;
// The signal handlers are in place before the bot starts: a SIGTERM during start-up (or in the moment after
// "ready") is a clean stop too, never Node's default of dying on the spot.
let stopping = false;
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
const starting = startBot(config, log, {
  extraCommandDirs: extra ? [extra] : [],
  gatewayLease,
  onFatal: (reason, details) => {
    log.fatal(details, reason);
    // Stop what can be stopped quickly (the jobs give their leases back), but never linger.
    setTimeout(() => die(EXIT_GATEWAY_REFUSED, undefined, "exiting"), 3_000).unref();
    void Promise.resolve(bot?.stop()).finally(() =>
      die(EXIT_GATEWAY_REFUSED, undefined, "exiting: the gateway is gone"),
    );
  },
});
try {
  bot = await starting;
} catch (err) {
  die(EXIT_FAILURE, err, "could not start");
}

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal, boundMs: SHUTDOWN_BOUND_MS }, "shutting down: finishing the work under way");
  // Whatever happens, the process is gone within the documented bound: a supervisor should not have to kill.
  setTimeout(() => {
    log.warn("shutdown took too long; exiting anyway");
    log.flush?.();
    process.exit(0);
  }, SHUTDOWN_BOUND_MS).unref();
  try {
    await (bot ?? (await starting.catch(() => undefined)))?.stop();
  } catch (err) {
    log.error({ err }, "error during shutdown");
  }
  log.info("stopped");
  log.flush?.();
  process.exit(0);
}
