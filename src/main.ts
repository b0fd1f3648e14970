// The process: configuration, the bot, and a clean exit on SIGINT/SIGTERM. No rules live here.
import { startBot } from "./bot.js";
import { loadConfigOrExit } from "./config.js";
import { createLogger } from "./log.js";

const config = loadConfigOrExit();

const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
process.on("unhandledRejection", (err) => log.error({ err }, "unhandled rejection"));

const extra = process.env.KEEP_DANCING_EXTRA_COMMANDS; // a test hook: fixture commands, never needed in production
// A test hook too: every process connects to the gateway, as if the lease's overlap window never closed.
const gatewayLease = process.env.KEEP_DANCING_GATEWAY_LEASE !== "off";
let bot: Awaited<ReturnType<typeof startBot>> | undefined;
try {
  bot = await startBot(config, log, { extraCommandDirs: extra ? [extra] : [], gatewayLease });
} catch (err) {
  log.fatal({ err }, "could not start");
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  // Whatever happens, the process is gone within 5 s: a supervisor waiting on us should not have to kill.
  setTimeout(() => {
    log.warn("shutdown took too long; exiting anyway");
    process.exit(0);
  }, 4_500).unref();
  try {
    await bot?.stop();
  } catch (err) {
    log.error({ err }, "error during shutdown");
  }
  log.info("stopped");
  log.flush?.();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
