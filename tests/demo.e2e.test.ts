// `npm run demo` is the newcomer's first look: it must keep telling the whole story, whatever day it runs.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { testPostgresUrl } from "./support/db.js";

// The demo runs on its own SQLite file: once per CI run is enough, so not again in the PostgreSQL pass.
describe.skipIf(testPostgresUrl())("npm run demo", () => {
  it("plays the tour to its end and exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/sandbox/demo.ts"], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(out, out.slice(-3_000)).toContain("The tour is over.");
    expect(code).toBe(0);
    // The story's beats, in order: the party, the waitlist, the shifts, the DJ, the milestones and what goes to X.
    const beats = [
      "Created **A dance party for the dancing man**",
      "so you are on the **waitlist**",
      "You hold the **Door**",
      "Placed **Lumen**",
      "just passed 150% of the goal",
      "The dry-run post, as it would appear on X",
      "On Bluesky (at://did:plc:",
      "On Mastodon (status ",
      "The card of that post is saved to",
    ];
    const at = beats.map((b) => out.indexOf(b));
    expect(at.every((i) => i >= 0), JSON.stringify(Object.fromEntries(beats.map((b, i) => [b, at[i]])))).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out).not.toContain("bot log:"); // the bot warned or failed somewhere along the way
  }, 180_000);
});
