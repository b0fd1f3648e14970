// `npm start` runs the compiled bot (scripts/start.mjs: dist/main.js, built first when missing or stale). With
// no configuration it still names every missing variable and points at .env.example, without a stack trace.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { START_NODE_FLAGS } from "../src/sandbox/botProcess.js";
import { tempDir } from "./support/db.js";

const START = path.resolve("scripts/start.mjs");

describe("npm start (the compiled bot) without configuration", () => {
  it("builds dist/ if needed, then exits 1 naming DISCORD_TOKEN and pointing at .env.example", async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
    const child = spawn(process.execPath, [START], { cwd: tempDir(), env });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain("DISCORD_TOKEN is missing");
    expect(stderr).toContain("DISCORD_GUILD_ID is missing");
    expect(stderr).toContain(".env.example");
    expect(stderr).not.toMatch(/\n\s+at /);
    // It ran the compiled JavaScript, not TypeScript through tsx.
    expect(fs.existsSync(path.resolve("dist/main.js"))).toBe(true);
    expect(fs.existsSync(path.resolve("dist/src/config.js"))).toBe(true);
  }, 240_000);
});

describe("npm start's Node flags", () => {
  it("are the ones the tests and the benchmark start the compiled bot with", () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve("package.json"), "utf8")) as { scripts: { start: string } };
    expect(pkg.scripts.start).toBe(["node", ...START_NODE_FLAGS, "scripts/start.mjs"].join(" "));
  });
});
