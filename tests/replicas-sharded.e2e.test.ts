// `npm run start:sharded` against the Discord emulator: discord.js's ShardingManager starts one bot process per
// shard (SHARD_COUNT=2), each identifies as its own shard, commands are answered, and SIGTERM stops them all.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDiscordEmulator, type DiscordEmulator } from "../src/sandbox/discord/index.js";
import { dropDatabase, tempDir, uniqueDatabaseUrl } from "./support/db.js";

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

let discord: DiscordEmulator;
let manager: ChildProcess;
let dir: string;
let dbUrl: string;
const lines: { name?: string; msg?: string; shard?: number; pid?: number }[] = [];
const exited = () =>
  new Promise<number | null>((resolve) =>
    manager.exitCode !== null ? resolve(manager.exitCode) : manager.once("exit", (code) => resolve(code)),
  );

async function waitForLine(predicate: (l: (typeof lines)[number]) => boolean, timeoutMs: number) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const found = lines.find(predicate);
    if (found) return found;
    if (manager.exitCode !== null) break;
  }
  throw new Error(
    `no such log line; last lines:\n${lines
      .slice(-10)
      .map((l) => JSON.stringify(l))
      .join("\n")}`,
  );
}

beforeAll(async () => {
  discord = await startDiscordEmulator({ port: 0 });
  dir = tempDir("keep-dancing-shards-");
  dbUrl = uniqueDatabaseUrl(dir, "bot.db");
  manager = spawn(process.execPath, ["--import", TSX, path.resolve("src/sharded.ts")], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_GUILD_ID: discord.guild.id,
      DATABASE_URL: dbUrl,
      SHARD_COUNT: "2",
      HTTP_PORT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buffer = "";
  manager.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const raw of parts) {
      try {
        lines.push(JSON.parse(raw));
      } catch {
        lines.push({ msg: raw });
      }
    }
  });
  manager.stderr!.setEncoding("utf8").on("data", (chunk: string) => lines.push({ msg: `stderr: ${chunk}` }));
}, 60_000);

afterAll(async () => {
  if (manager && manager.exitCode === null) {
    manager.kill("SIGKILL");
    await exited();
  }
  await discord?.close();
  await dropDatabase(dbUrl).catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm run start:sharded", () => {
  it("starts one process per shard; each identifies as its shard and gets ready", async () => {
    await waitForLine((l) => l.msg === "all shards started", 90_000);
    // Each bot logs "ready" once its commands are registered, a moment after discord.js's own ready event.
    await waitForLine(() => lines.filter((l) => l.name === "keep-dancing" && l.msg === "ready").length === 2, 30_000);
    expect(
      lines
        .filter((l) => l.msg === "shard ready")
        .map((l) => l.shard)
        .sort(),
    ).toEqual([0, 1]);
    const bots = lines.filter((l) => l.name === "keep-dancing" && l.msg === "ready");
    expect(new Set(bots.map((l) => l.pid)).size).toBe(2);
    expect(discord.identifyCount).toBe(2);
  }, 120_000);

  it("answers a command", async () => {
    const ava = discord.addMember({ username: "ava" });
    const r = await discord.runCommand(ava, "help");
    expect(r.embeds.length).toBeGreaterThan(0);
  });

  it("stops every shard on SIGTERM", async () => {
    const pids = [...new Set(lines.filter((l) => l.name === "keep-dancing" && l.msg === "ready").map((l) => l.pid!))];
    manager.kill("SIGTERM");
    expect(await exited()).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(lines.filter((l) => l.msg === "stopped" && l.name === "keep-dancing")).toHaveLength(2);
  }, 30_000);
});
