// Jobs run once per tick across processes (the lease) and once at a time inside one (no overlapping runs).
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { acquireLease, holderId, isDeadLocalHolder, releaseLease } from "../src/jobs/lease.js";
import { createScheduler } from "../src/jobs/scheduler.js";
import { freshDb, type TestDb } from "./support/db.js";

let t: TestDb;
beforeAll(async () => (t = await freshDb()));
afterAll(async () => t?.close());
const log = pino({ level: "silent" });

describe("the job lease", () => {
  it("goes to one holder until it lapses or is released", async () => {
    const now = new Date("2026-12-01T12:00:00Z");
    expect(await acquireLease(t.db, "job-a", "p1", 30_000, now)).toBe(true);
    expect(await acquireLease(t.db, "job-a", "p2", 30_000, now)).toBe(false);
    expect(await acquireLease(t.db, "job-a", "p1", 30_000, new Date(now.getTime() + 10_000))).toBe(true); // renewed
    expect(await acquireLease(t.db, "job-a", "p2", 30_000, new Date(now.getTime() + 35_000))).toBe(false);
    expect(await acquireLease(t.db, "job-a", "p2", 30_000, new Date(now.getTime() + 41_000))).toBe(true); // lapsed
    await releaseLease(t.db, "job-a", "p2");
    expect(await acquireLease(t.db, "job-a", "p3", 30_000, new Date(now.getTime() + 42_000))).toBe(true);
  });

  it("is taken by exactly one of many processes asking at once", async () => {
    const now = new Date("2026-12-02T12:00:00Z");
    const holders = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const won = await Promise.all(holders.map((h) => acquireLease(t.db, "job-b", h, 30_000, now)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });
});

describe("runs inside one process", () => {
  it("never overlap: a call during a run asks for one more run after it", async () => {
    const scheduler = createScheduler({ db: t.db, log, holder: "me", timezone: "UTC" });
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      if (runs === 1) await gate;
      running--;
    };
    const first = scheduler.runOnce("job-c", job);
    await new Promise((r) => setTimeout(r, 20)); // the first run is under way
    const second = scheduler.runOnce("job-c", job);
    const third = scheduler.runOnce("job-c", job);
    release();
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect(await third).toBe(false);
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2); // the two wake-ups during the first run became one more run, not lost and not two
  });

  it("a shutdown waits for the run under way before giving its lease back, and starts no new run", async () => {
    const scheduler = createScheduler({ db: t.db, log, holder: "stopper", timezone: "UTC" });
    // Scheduled yearly: its tick does not matter here, only that stop() gives its lease back.
    scheduler.schedule("job-d", "0 0 1 1 *", async () => undefined);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let leaseAtEnd: string | undefined;
    const run = scheduler.runOnce("job-d", async () => {
      await gate;
      leaseAtEnd = (await t.db.jobLease.findUnique({ where: { name: "job-d" } }))?.holder;
    });
    await new Promise((r) => setTimeout(r, 20)); // the run is under way (a wake-up, not a scheduled tick)
    const stopped = scheduler.stop(5_000);
    expect(await scheduler.runOnce("job-d", async () => undefined)).toBe(false); // no new run while stopping
    await new Promise((r) => setTimeout(r, 50));
    release();
    await run;
    await stopped;
    expect(leaseAtEnd).toBe("stopper"); // still ours until the run ended
    expect(await t.db.jobLease.findUnique({ where: { name: "job-d" } })).toBeNull(); // then given back
  });
});

describe("a lease left by a dead process of this machine", () => {
  it("is taken over at once; a live holder's, or another machine's, is not", async () => {
    const now = new Date("2026-12-03T12:00:00Z");
    const me = holderId();
    const [host, boot, pidns] = me.split("|");
    // A real process that has ended: its PID no longer exists.
    const child = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => child.on("exit", r));
    const dead = [host, boot, pidns, String(child.pid), "abcdef"].join("|");
    expect(isDeadLocalHolder(dead)).toBe(true);
    await acquireLease(t.db, "job-e", dead, 120_000, now);
    expect(await acquireLease(t.db, "job-e", me, 120_000, new Date(now.getTime() + 1_000))).toBe(true);

    const alive = [host, boot, pidns, String(process.ppid), "abcdef"].join("|");
    expect(isDeadLocalHolder(alive)).toBe(false);
    await acquireLease(t.db, "job-f", alive, 120_000, now);
    expect(await acquireLease(t.db, "job-f", me, 120_000, new Date(now.getTime() + 1_000))).toBe(false);

    const elsewhere = ["another-host", boot, pidns, String(child.pid), "abcdef"].join("|");
    expect(isDeadLocalHolder(elsewhere)).toBe(false);
    expect(isDeadLocalHolder(`${host}:${child.pid}:abcdef`)).toBe(false); // an old-style id: left to lapse
  });
});
