// The bot's HTTP server end to end: the real bot process (HTTP_PORT=0) against the Discord emulator.
// Health, readiness (the database made unreachable, then back), metrics counting the interactions this test
// sends, the 64 KB body limit, the per-address rate limit, security headers, and no body in any log line.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlitePath } from "../src/db/client.js";
import type { Member } from "../src/sandbox/discord/index.js";
import { testPostgresUrl } from "./support/db.js";
import { httpUrl, request } from "./support/http.js";
import { startStack, type Stack } from "./support/stack.js";

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
let stack: Stack;
let base: string;
let ava: Member;

beforeAll(async () => {
  stack = await startStack({ env: { METRICS_TOKEN } });
  base = await httpUrl(stack.bot);
  ava = stack.discord.addMember({ username: "ava", organizer: true });
}, 90_000);
afterAll(async () => stack?.close());

/** The value of one sample of a Prometheus text exposition, by name and labels (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

const scrape = async () =>
  (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();

describe("the bot's HTTP server", () => {
  it("logs the address it listens on, on a free port of 127.0.0.1", () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(base).not.toBe("http://127.0.0.1:8080");
  });

  it("/healthz says alive; /readyz says ready with each check", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "alive" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok", gateway: "ok" } });
  });

  it("sends security headers on every answer, 404s included", async () => {
    for (const path of ["/", "/healthz", "/no-such-page"]) {
      const r = await fetch(`${base}${path}`);
      expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
    }
    expect((await fetch(`${base}/no-such-page`)).status).toBe(404);
  });

  it("refuses a body over 64 KB with 413, and never logs a request body", async () => {
    const marker = "BODY-MARKER-7f3a9c";
    const big = await request(`${base}/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ marker, pad: "x".repeat(70 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(big.body).toMatch(/larger than 64 KB/);
    const small = await request(`${base}/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ marker }),
    });
    expect(small.status).toBe(404); // no such route; the body was never read
    await new Promise((r) => setTimeout(r, 300));
    expect(JSON.stringify(stack.bot.logs)).not.toContain(marker);
  });

  it("limits requests per address: another address is not affected", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 310; i++)
      statuses.push((await request(`${base}/healthz`, { localAddress: "127.0.0.2" })).status);
    expect(statuses.slice(0, 300).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(300).every((s) => s === 429)).toBe(true);
    const limited = await request(`${base}/no-such-page`, { localAddress: "127.0.0.2" });
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
    expect((await request(`${base}/healthz`, { localAddress: "127.0.0.3" })).status).toBe(200);
  });

  it("/metrics wants the bearer token, then counts the interactions this test sent", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${base}/metrics`, { headers: { authorization: "Bearer wrong-token-of-some-length" } })).status,
    ).toBe(401);

    const before = await scrape();
    const helpBefore = sample(before, "keep_dancing_interactions_total", {
      kind: "command",
      name: "help",
      outcome: "answered",
    });
    const refusedBefore = sample(before, "keep_dancing_interactions_total", {
      kind: "command",
      name: "campaign",
      outcome: "refused",
    });
    for (let i = 0; i < 3; i++) await stack.discord.runCommand(ava, "help");
    // No campaign yet: a refusal in plain words.
    const refused = await stack.discord.runCommand(ava, "campaign", {}, { subcommand: "status" });
    expect(String(refused.content)).toMatch(/no campaign yet/);

    // Counted once the bot's answer request has completed, a moment after the emulator saw it.
    await expect
      .poll(async () =>
        sample(await scrape(), "keep_dancing_interactions_total", {
          kind: "command",
          name: "campaign",
          outcome: "refused",
        }),
      )
      .toBe(refusedBefore + 1);
    const after = await scrape();
    expect(
      sample(after, "keep_dancing_interactions_total", { kind: "command", name: "help", outcome: "answered" }),
    ).toBe(helpBefore + 3);
    expect(sample(after, "keep_dancing_interaction_answer_seconds_count", { kind: "command" })).toBeGreaterThanOrEqual(
      4,
    );
    expect(after).toContain("keep_dancing_interactions_dropped_total 0");
    expect(after).toMatch(/^keep_dancing_dm_queue_depth \d+$/m);
    expect(after).toMatch(/^keep_dancing_dm_queue_oldest_seconds \d/m);
    expect(after).toMatch(/^keep_dancing_post_outbox\{state="pending"\} 0$/m);
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(after).toMatch(/^process_resident_memory_bytes \d+$/m);
    // The DM queue's job runs every 5 s.
    await expect
      .poll(async () => sample(await scrape(), "keep_dancing_job_runs_total", { job: "dm-queue", outcome: "ok" }), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
  });

  it("/readyz turns 503 naming the database while it is unreachable, and 200 once it is back", async () => {
    const url = stack.dbUrl;
    if (url.startsWith("file:")) {
      // The bot keeps the file open, and would lose everything written after it is gone at the next start.
      const file = sqlitePath(url);
      fs.renameSync(file, `${file}.away`);
      try {
        const r = await fetch(`${base}/readyz`);
        expect(r.status).toBe(503);
        const body = (await r.json()) as { status: string; checks: { database: string } };
        expect(body.status).toBe("not ready");
        expect(body.checks.database).toMatch(/SQLite file .* is missing/);
      } finally {
        fs.renameSync(`${file}.away`, file);
      }
    } else {
      // PostgreSQL: a session holds the table the probe reads; the probe times out rather than queueing more.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const tx = stack.db.$transaction(
        async (t) => {
          await t.$executeRawUnsafe(`LOCK TABLE "_prisma_migrations" IN ACCESS EXCLUSIVE MODE`);
          locked();
          await held;
        },
        { timeout: 60_000, maxWait: 10_000 },
      );
      await isLocked;
      try {
        const r = await fetch(`${base}/readyz`);
        expect(r.status).toBe(503);
        expect(((await r.json()) as { checks: { database: string } }).checks.database).toMatch(
          /did not answer within 2 s/,
        );
        const again = await fetch(`${base}/readyz`);
        expect(again.status).toBe(503);
        expect(((await again.json()) as { checks: { database: string } }).checks.database).toMatch(
          /has not answered for \d+ s/,
        );
      } finally {
        release();
        await tx;
      }
    }
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 10_000 }).toBe(200);
  });

  // Several processes on one database is a PostgreSQL setup (README, Growing).
  it.skipIf(!testPostgresUrl())(
    "a second process is a standby for the gateway, and ready: it serves the page and runs jobs",
    async () => {
      const second = await stack.startBot();
      try {
        const url = await httpUrl(second);
        expect(url).not.toBe(base);
        const r = await fetch(`${url}/readyz`);
        expect(r.status).toBe(200);
        expect(await r.json()).toEqual({
          status: "ready",
          checks: { database: "ok", gateway: "standby (another process holds the gateway)" },
        });
      } finally {
        await second.stop();
      }
    },
  );

  it("stops cleanly with the bot, closing the port", async () => {
    await stack.bot.stop();
    expect(stack.bot.logs.some((l) => l.msg === "stopped")).toBe(true);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
