// The viral minute, across processes: 2,000 answers to one event from three separate bot processes, each
// with its own client and its own batches (src/services/rsvpBatch.ts). Exactly the capacity seated, the
// waitlist in arrival order within each process, nobody twice, the counters equal to a recount. Run it on
// PostgreSQL with `npm run test:postgres -- tests/rsvp-hot-event.test.ts` (SQLite: the same, one file).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent } from "../src/services/events.js";
import { readMetrics } from "../src/services/metrics.js";
import { answerRsvp, type AnswerKind } from "../src/services/rsvps.js";
import { freshDb, type TestDb } from "./support/db.js";

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const NOW = new Date("2026-11-29T12:00:00Z");
const CAPACITY = 600;
const PROCESSES = [
  { prefix: "a", count: 700 },
  { prefix: "b", count: 650 },
  { prefix: "c", count: 650 },
];

interface Answer {
  userId: string;
  status?: string;
  position?: number | null;
  error?: string;
}

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t.close());

function startWorker(url: string, eventId: number, prefix: string, count: number) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--import", TSX, path.resolve("tests/support/rsvpBurstWorker.ts")],
    {
      env: {
        ...process.env,
        URL: url,
        EVENT_ID: String(eventId),
        PREFIX: prefix,
        COUNT: String(count),
        NOW: NOW.toISOString(),
      },
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => (out.startsWith("ready\n") ? resolve() : undefined);
    child.stdout.on("data", check);
    child.once("exit", (code) => reject(new Error(`worker ${prefix} exited ${code} before ready: ${err}`)));
  });
  const done = new Promise<Answer[]>((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`worker ${prefix} exited ${code}: ${err}`));
      resolve(JSON.parse(out.slice("ready\n".length)) as Answer[]);
    });
  });
  done.catch(() => undefined);
  return { child, ready, done };
}

describe("2,000 answers to one event from three processes", () => {
  it("seats exactly the capacity, keeps each process's arrival order on the waitlist, counts exactly", async () => {
    const e = await createEvent(
      t.db,
      { name: "Viral", starts: "2026-12-05 20:00", capacity: CAPACITY, createdBy: "1", now: NOW },
      { timeZone: "UTC", reminderHours: [24, 1] },
      { id: "1", name: "Organizer" },
    );
    const before = await readMetrics(t.db);
    const workers = PROCESSES.map((p) => startWorker(t.url, e.id, p.prefix, p.count));
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin.end("go\n");
    const answers = await Promise.all(workers.map((w) => w.done));

    const all = answers.flat();
    expect(all).toHaveLength(2000);
    expect(all.filter((a) => a.error)).toEqual([]);

    const rows = await t.db.rsvp.findMany({ where: { eventId: e.id } });
    expect(rows).toHaveLength(2000);
    expect(new Set(rows.map((r) => r.userId)).size).toBe(2000);
    const byUser = new Map(rows.map((r) => [r.userId, r]));
    // Every member's reply says what the database holds.
    for (const a of all) expect(byUser.get(a.userId)!.status).toBe(a.status);

    const seated = rows.filter((r) => r.status === "going");
    const waiting = rows.filter((r) => r.status === "waitlisted");
    expect(seated.length + waiting.length).toBe(2000);
    expect(seated.reduce((n, r) => n + 1 + r.guests, 0)).toBe(CAPACITY);

    // Tickets unique; within each process the waitlist follows the order the answers arrived in, and the
    // places told are 1..n without a gap once every answer is in.
    const tickets = waiting.map((r) => r.waitlistSeq!);
    expect(new Set(tickets).size).toBe(tickets.length);
    for (const p of PROCESSES) {
      const mine = answers[PROCESSES.indexOf(p)]!.filter((a) => a.status === "waitlisted");
      const seqs = mine.map((a) => byUser.get(a.userId)!.waitlistSeq!);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      // Nobody in this process was seated after someone of it was waitlisted unless they needed fewer seats.
      const order = answers[PROCESSES.indexOf(p)]!;
      order.forEach((a, i) => {
        if (a.status !== "waitlisted") return;
        const w = byUser.get(a.userId)!;
        for (const later of order.slice(i + 1)) {
          const r = byUser.get(later.userId)!;
          if (r.status === "going") expect(r.guests).toBeLessThan(w.guests);
        }
      });
    }
    const sortedTickets = [...tickets].sort((x, y) => x - y);
    const place = new Map(sortedTickets.map((s, i) => [s, i + 1]));
    // The last answer of each process was told its final place (nobody left the waitlist meanwhile), and no
    // place told is beyond the waitlist's length.
    for (const a of all) if (a.status === "waitlisted") expect(a.position!).toBeLessThanOrEqual(waiting.length);
    for (const w of waiting) expect(place.get(w.waitlistSeq!)).toBeGreaterThan(0);

    // Counters equal to a recount: on the event row, and the campaign metrics.
    const event = await t.db.event.findUniqueOrThrow({ where: { id: e.id } });
    expect(event.seatsTaken).toBe(CAPACITY);
    expect(event.waitlisted).toBe(waiting.reduce((n, r) => n + 1 + r.guests, 0));
    expect(event.waitlistSeq).toBe(Math.max(...tickets));
    expect(event.maybeCount).toBe(0);
    const after = await readMetrics(t.db);
    expect(after.rsvps_going - before.rsvps_going).toBe(CAPACITY);
    expect(after.rsvps_waitlisted - before.rsvps_waitlisted).toBe(event.waitlisted);
  }, 120_000);
});

/** A small event, and a way to answer it as a member: each answer goes through the batch like a command's. */
async function smallEvent(name: string, starts: string, capacity: number) {
  const e = await createEvent(
    t.db,
    { name, starts, capacity, createdBy: "1", now: NOW },
    { timeZone: "UTC", reminderHours: [24, 1] },
    { id: "1", name: "Organizer" },
  );
  const answer = (userId: string, kind: AnswerKind, guests?: number) =>
    answerRsvp(t.db, { eventId: e.id, userId, displayName: userId, answer: kind, guests, now: NOW, maxGuests: 5 });
  return { e, answer };
}

describe("one batch with every kind of answer", () => {
  it("decides each in arrival order: waitlist, a decline that promotes, a refusal, a maybe, a double press", async () => {
    const { e, answer } = await smallEvent("Small", "2026-12-05 20:00", 2);
    await answer("a", "going", 0);
    await answer("b", "going", 0);
    const before = await readMetrics(t.db);
    // Sent together: the first goes alone, the rest wait for it and go in one batch.
    const [f, c, a, d, e2, b, c2] = await Promise.allSettled([
      answer("f", "maybe"),
      answer("c", "going", 0),
      answer("a", "declined"),
      answer("d", "going", 0),
      answer("e", "maybe"),
      answer("b", "going", 3),
      answer("c", "going"),
    ]);
    const ok = <T>(r: PromiseSettledResult<T>) => (r.status === "fulfilled" ? r.value : Promise.reject(r.reason));
    expect((await ok(f)).status).toBe("maybe");
    expect(await ok(c)).toMatchObject({ status: "waitlisted", position: 1, previous: null });
    expect(await ok(a)).toMatchObject({
      status: "declined",
      previous: "going",
      promoted: [{ userId: "c", guests: 0 }],
    });
    expect(await ok(d)).toMatchObject({ status: "waitlisted", position: 1 });
    expect((await ok(e2)).status).toBe("maybe");
    expect(b.status).toBe("rejected");
    expect(String((b as PromiseRejectedResult).reason)).toMatch(/Only 0 more seats are free/);
    expect(await ok(c2)).toMatchObject({ status: "going", previous: "going", guests: 0 });

    const rows = await t.db.rsvp.findMany({ where: { eventId: e.id }, orderBy: { userId: "asc" } });
    expect(rows.map((r) => [r.userId, r.status, r.guests])).toEqual([
      ["a", "declined", 0],
      ["b", "going", 0],
      ["c", "going", 0],
      ["d", "waitlisted", 0],
      ["e", "maybe", 0],
      ["f", "maybe", 0],
    ]);
    const event = await t.db.event.findUniqueOrThrow({ where: { id: e.id } });
    expect([event.seatsTaken, event.waitlisted, event.maybeCount]).toEqual([2, 1, 2]);
    const after = await readMetrics(t.db);
    expect(after.rsvps_going - before.rsvps_going).toBe(0);
    expect(after.rsvps_waitlisted - before.rsvps_waitlisted).toBe(1);
    expect(after.rsvps_maybe - before.rsvps_maybe).toBe(2);
  });
});

describe("answers that free seats, in one batch", () => {
  it("with nobody waiting are decided in the batch, their seats going to later answers; once someone waits, they promote", async () => {
    const { e, answer } = await smallEvent("Tiny", "2026-12-06 20:00", 3);
    await answer("a", "going", 2); // full: a and two guests
    const before = await readMetrics(t.db);
    const [fewer, b, c, d, declined] = await Promise.all([
      answer("a", "going", 0), // frees two seats, nobody waiting
      answer("b", "going", 0),
      answer("c", "going", 0),
      answer("d", "going", 0), // full again: waits
      answer("a", "declined"), // frees a seat while d waits: d is promoted
    ]);
    expect(fewer).toMatchObject({ status: "going", guests: 0, previous: "going", promoted: [] });
    expect(b.status).toBe("going");
    expect(c.status).toBe("going");
    expect(d).toMatchObject({ status: "waitlisted", position: 1 });
    expect(declined).toMatchObject({ status: "declined", promoted: [{ userId: "d", guests: 0 }] });

    const rows = await t.db.rsvp.findMany({ where: { eventId: e.id }, orderBy: { userId: "asc" } });
    expect(rows.map((r) => [r.userId, r.status, r.guests])).toEqual([
      ["a", "declined", 0],
      ["b", "going", 0],
      ["c", "going", 0],
      ["d", "going", 0],
    ]);
    const event = await t.db.event.findUniqueOrThrow({ where: { id: e.id } });
    expect([event.seatsTaken, event.waitlisted]).toEqual([3, 0]);
    const after = await readMetrics(t.db);
    expect(after.rsvps_going - before.rsvps_going).toBe(0);
    expect(after.rsvps_waitlisted - before.rsvps_waitlisted).toBe(0);
  });
});
