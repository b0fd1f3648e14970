// `npm run demo` is the newcomer's first look: it must keep telling the whole story, whatever day it runs.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { testPostgresUrl } from "./support/db.js";

// The demo runs on its own SQLite file: once per CI run is enough, so not again in the PostgreSQL pass.
describe.skipIf(testPostgresUrl())("npm run demo", () => {
  it("plays the tour to its end and exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/sandbox/demo.ts"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(out, out.slice(-3_000)).toContain("The tour is over.");
    expect(code).toBe(0);
    // The story's beats, in order: the party, the waitlist, the shifts, the DJ, the milestones and what goes to X,
    // the organizers' audit trail.
    const beats = [
      "Created **A dance party for the dancing man**",
      "so you are on the **waitlist**",
      "You hold the **Door**",
      "Placed **Lumen**",
      "Thank you, **Dana**, for $250!",
      "just passed 150% of the goal",
      "The dry-run post, as it would appear on X",
      "On Bluesky (at://did:plc:",
      "On Mastodon (status ",
      "The card of that post is saved to",
      "Audit trail, newest first",
      "Your private calendar",
    ];
    const at = beats.map((b) => out.indexOf(b));
    expect(
      at.every((i) => i >= 0),
      JSON.stringify(Object.fromEntries(beats.map((b, i) => [b, at[i]]))),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out).not.toContain("bot log:"); // the bot warned or failed somewhere along the way
    expect(out).toMatch(/The campaign's public page: http:\/\/127\.0\.0\.1:\d+\//);
  }, 180_000);

  it("with --serve, keeps serving the public page after the tour until Ctrl-C", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/sandbox/demo.ts", "--serve"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const serving = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /Serving the public page at (http:\S+) until Ctrl-C/.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(m[1]!);
        }
      }, 200);
      void exited.then(() => {
        clearInterval(timer);
        reject(new Error(`the demo ended instead of serving:\n${out.slice(-3_000)}`));
      });
    });
    await new Promise((r) => setTimeout(r, 1_000)); // still there a moment later
    const page = await fetch(serving);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<h1>A dance party for the dancing man</h1>");
    expect(html).toContain("$33,000");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    await expect(fetch(serving)).rejects.toThrow();
  }, 180_000);
});
