// One benchmark stack: the Discord emulator in this process, the real bot (src/main.ts) as a child process
// on a given database, configured as tests/support/stack.ts does, plus the benchmark's fixture command.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createDb, type Db } from "../src/db/client.js";
import { spawnBot, type BotProcess } from "../src/sandbox/botProcess.js";
import { startDiscordEmulator, type DiscordEmulator, type Member } from "../src/sandbox/discord/index.js";
import { scratchDir } from "./db.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE_COMMANDS = path.join(BENCH_DIR, "fixtures", "commands");
const CPU_PROFILER = path.join(BENCH_DIR, "fixtures", "cpu-profile.mjs");

export interface BenchStack {
  discord: DiscordEmulator;
  bot: BotProcess;
  /** A client of the bot's database, for seeding and for service-level timings. */
  db: Db;
  organizer: Member;
  members: Member[];
  /** The bot's peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** Its resident memory once ready, before any load (code, libraries, caches), in MB. */
  readyRssMb: number;
  close(): Promise<void>;
}

export interface StackOptions {
  dbUrl: string;
  members: number;
  /** Write a V8 CPU profile of the bot into this folder when it exits. */
  profileDir?: string;
  /** Run the compiled bot (dist/main.js, as `npm start` does); the caller builds it first. */
  compiled?: boolean;
}

export async function startBenchStack(options: StackOptions): Promise<BenchStack> {
  const discord = await startDiscordEmulator({ port: 0 });
  const cwd = scratchDir();
  const env: Record<string, string> = {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guild.id,
    DATABASE_URL: options.dbUrl,
    ANNOUNCE_CHANNEL_ID: discord.guild.channels.announce,
    DJ_REVIEW_CHANNEL_ID: discord.guild.channels.review,
    ORGANIZER_ROLE_ID: discord.guild.roles.organizer,
    CAMPAIGN_TIMEZONE: "UTC",
    // Any free port: test files run side by side, each with its own bot and HTTP server.
    HTTP_PORT: "0",
    // As a campaign that may go viral is set up: answers link the event's .ics instead of carrying it.
    PUBLIC_URL: "https://party.example.org",
    LOG_LEVEL: "info",
    // A burst of members each asking for several tracks: the per-member limits would refuse most of the load.
    REQUEST_COOLDOWN_SECONDS: "0",
    REQUEST_MAX_OPEN_PER_SET: "100",
    // The driver is a machine sending each member's interactions back to back: per-member fairness would
    // measure itself, not the bot.
    MEMBER_RATE_LIMIT: "1000000",
    KEEP_DANCING_EXTRA_COMMANDS: FIXTURE_COMMANDS,
    // Node 20 refuses --cpu-prof in NODE_OPTIONS; a preload starts the same profiler (see the fixture).
    ...(options.profileDir
      ? { NODE_OPTIONS: `--import ${pathToFileURL(CPU_PROFILER).href}`, BENCH_CPU_PROFILE_DIR: options.profileDir }
      : {}),
  };
  const bot = spawnBot(env, { cwd, compiled: options.compiled ?? false });
  await bot.waitForLog((l) => l.msg === "ready", 90_000);
  const readyRssMb = procMemoryMb(bot.child.pid, "VmRSS");
  const organizer = discord.addMember({ username: "ava", organizer: true });
  const members = Array.from({ length: options.members }, (_, i) => discord.addMember({ username: `member${i}` }));
  const db = createDb(options.dbUrl);
  return {
    discord,
    bot,
    db,
    organizer,
    members,
    peakRssMb: () => procMemoryMb(bot.child.pid, "VmHWM"),
    readyRssMb,
    async close() {
      await bot.stop("SIGTERM");
      await db.$disconnect();
      await discord.close();
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** A memory figure of a process (Linux): VmHWM is the most resident memory it ever held, VmRSS what it holds now. */
export function procMemoryMb(pid: number | undefined, field: "VmHWM" | "VmRSS"): number {
  if (!pid) return NaN;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return NaN;
  }
}
