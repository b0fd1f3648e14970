// Track requests, votes and the fairness limits, against a real database with a controllable clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unmarked } from "../src/errors.js";
import { createOffer, reviewOffer } from "../src/services/djs.js";
import { placeSet } from "../src/services/lineup.js";
import { readMetrics } from "../src/services/metrics.js";
import {
  closableRequests,
  closeRequest,
  queuePage,
  requestTrack,
  toggleVote,
  type RequestLimits,
} from "../src/services/trackRequests.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

let t: TestDb;
const NOW = new Date("2026-12-05T20:30:00Z");
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const limits: RequestLimits = {
  REQUEST_COOLDOWN_SECONDS: 120,
  REQUEST_MAX_OPEN_PER_SET: 3,
  REQUEST_BLOCKED_WORDS: ["nasty"],
};
const noCooldown: RequestLimits = { ...limits, REQUEST_COOLDOWN_SECONDS: 0 };
let setId = 0;
let nextSetId = 0;

beforeAll(async () => {
  t = await freshDb();
  const offer = await createOffer(
    t.db,
    "dj-lumen",
    { djName: "Lumen", genres: "disco", minutes: 120, links: "", note: "" },
    NOW,
  );
  await reviewOffer(t.db, offer.id, "approve", NOW, organizer("org"));
  const playing = await placeSet(
    t.db,
    { offerId: offer.id, startsAt: new Date("2026-12-05T20:00:00Z"), endsAt: new Date("2026-12-05T22:00:00Z") },
    NOW,
    organizer(),
  );
  const next = await placeSet(
    t.db,
    { offerId: offer.id, startsAt: new Date("2026-12-06T20:00:00Z"), endsAt: new Date("2026-12-06T22:00:00Z") },
    NOW,
    organizer(),
  );
  setId = playing.id;
  nextSetId = next.id;
});
afterAll(() => t.close());

const ask = (
  userId: string,
  title: string,
  artist: string,
  opts: { limits?: RequestLimits; at?: Date; setId?: number; notify?: boolean } = {},
) =>
  requestTrack(
    t.db,
    opts.limits ?? noCooldown,
    { userId, title, artist, setId: opts.setId, notify: opts.notify },
    opts.at ?? NOW,
  );

describe("requests and duplicates", () => {
  it("goes to the set playing now when no set is given", async () => {
    const r = await ask("ben", "September", "Earth, Wind & Fire");
    expect(r).toMatchObject({ kind: "new", set: { id: setId, djName: "Lumen" }, request: { votes: 1 } });
  });

  it("counts a matching request as a vote instead of a second entry", async () => {
    const before = await readMetrics(t.db);
    const r = await ask("chloe", "september!!", "Earth Wind and Fire feat. Nobody");
    expect(r).toMatchObject({ kind: "vote", request: { title: "September", votes: 2 } });
    const after = await readMetrics(t.db);
    expect(after.track_requests - before.track_requests).toBe(0);
    expect(after.track_votes - before.track_votes).toBe(1);
    expect((await queuePage(t.db, setId, 0)).total).toBe(1);
  });

  it("refuses the same member backing the same track twice, without spending their cooldown", async () => {
    await expect(ask("chloe", "September", "Earth, Wind & Fire", { limits, at: later(1000) })).rejects.toThrow(
      /already in the queue with your vote \(2 in all\)/,
    );
    // The refusal rolled back: chloe's cooldown was not taken.
    await expect(ask("chloe", "Le Freak", "Chic", { limits, at: later(1000) })).resolves.toMatchObject({ kind: "new" });
  });

  it("many members asking for one track at once make one entry with all their votes", async () => {
    const crowd = Array.from({ length: 12 }, (_, i) => `crowd-${i}`);
    const results = await Promise.all(
      crowd.map((u, i) => ask(u, i % 2 ? "Get Lucky (feat. Pharrell Williams)" : "GET LUCKY", "Daft Punk")),
    );
    expect(results.filter((r) => r.kind === "new")).toHaveLength(1);
    const rows = await t.db.trackRequest.findMany({ where: { setId, matchKey: "daft punk|get lucky" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.votes).toBe(12);
  });

  it("keeps sets apart, and refuses sets that are over", async () => {
    await expect(ask("ben", "September", "Earth, Wind & Fire", { setId: nextSetId })).resolves.toMatchObject({
      kind: "new",
    });
    await expect(ask("ben", "Anything", "Anyone", { setId, at: new Date("2026-12-05T23:00:00Z") })).rejects.toThrow(
      /set is over/,
    );
  });

  it("refuses blocked words, saying it can be sent again at once", async () => {
    await expect(ask("dev", "A NASTY song", "Someone")).rejects.toThrow(/does not allow.*right away/);
    await expect(
      ask("dev", "Title", "Ártist", { limits: { ...limits, REQUEST_BLOCKED_WORDS: ["artist"] } }),
    ).rejects.toThrow(/does not allow/);
  });

  it("refuses empty and over-long text", async () => {
    await expect(ask("dev", "   ", "x")).rejects.toThrow(/title/);
    await expect(ask("dev", "t".repeat(101), "x")).rejects.toThrow(/100 characters/);
  });
});

describe("fairness limits with a controllable clock", () => {
  it("a cooldown per member says when to try again", async () => {
    await ask("eli", "Track One", "Artist", { limits });
    const refusal = ask("eli", "Track Two", "Artist", { limits, at: later(119) });
    await expect(refusal).rejects.toThrow(/One request every 2 minutes.*again <t:\d+:R>/);
    await expect(refusal).rejects.toThrow(new RegExp(`<t:${Math.floor(later(120).getTime() / 1000)}:R>`));
    await expect(ask("eli", "Track Two", "Artist", { limits, at: later(120) })).resolves.toMatchObject({ kind: "new" });
  });

  it("a burst from one member gets through once", async () => {
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => ask("burst", `Song ${i}`, "Band", { limits })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("caps queued requests per member per set, freeing a slot when one is played", async () => {
    const ids = [];
    for (const i of [1, 2, 3]) ids.push((await ask("fatima", `Cap ${i}`, "Band")).request.id);
    await expect(ask("fatima", "Cap 4", "Band")).rejects.toThrow(/3 requests waiting in this set.*played or skipped/);
    // Another set has its own cap; a vote on someone else's track is not a request.
    await expect(ask("fatima", "Cap 4", "Band", { setId: nextSetId })).resolves.toMatchObject({ kind: "new" });
    await expect(ask("fatima", "GET LUCKY", "Daft Punk")).resolves.toMatchObject({ kind: "vote" });
    await closeRequest(t.db, { userId: "dj-lumen", organizer: false }, ids[0]!, "skipped", NOW);
    await expect(ask("fatima", "Cap 4", "Band")).resolves.toMatchObject({ kind: "new" });
  });
});

describe("votes and the queue", () => {
  it("toggles: one vote per member, pressing again takes it back", async () => {
    const { request } = await ask("gus", "Vogue", "Madonna");
    const before = (await readMetrics(t.db)).track_votes;
    await expect(toggleVote(t.db, "gus", request.id, NOW)).rejects.toThrow(/already counts as your vote/);
    expect(await toggleVote(t.db, "ben", request.id, NOW)).toMatchObject({ voted: true, votes: 2 });
    expect(await toggleVote(t.db, "ben", request.id, NOW)).toMatchObject({ voted: false, votes: 1 });
    expect(await toggleVote(t.db, "ben", request.id, NOW)).toMatchObject({ voted: true, votes: 2 });
    expect((await readMetrics(t.db)).track_votes - before).toBe(1);
    // Two presses at once by one member land on one state, with the count matching the rows.
    await Promise.all([toggleVote(t.db, "chloe", request.id, NOW), toggleVote(t.db, "chloe", request.id, NOW)]);
    const row = await t.db.trackRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(row.votes).toBe(await t.db.trackVote.count({ where: { requestId: request.id } }));
  });

  it("orders the queue by votes, earlier first among equals, in pages", async () => {
    const page = await queuePage(t.db, setId, 0, 3);
    expect(page.items[0]!.title).toMatch(/Get Lucky/i);
    const all = await queuePage(t.db, setId, 0, 100);
    const votes = all.items.map((i) => i.votes);
    expect(votes).toEqual([...votes].sort((a, b) => b - a));
    expect(page.pages).toBe(Math.ceil(all.total / 3));
    expect((await queuePage(t.db, setId, 99, 3)).page).toBe(page.pages - 1);
  });
});

describe("played and skipped", () => {
  it("only the set's DJ or an organizer may close a request; watchers get a DM when played", async () => {
    const { request } = await ask("dev", "Good Times", "Chic", { notify: true });
    await ask("eli", "good times", "CHIC", { notify: true, at: later(600) });
    await ask("ben", "Good Times", "Chic"); // no notify
    await expect(closeRequest(t.db, { userId: "ben", organizer: false }, request.id, "played", NOW)).rejects.toThrow(
      /Only the DJ of this set or an organizer/,
    );
    expect((await closableRequests(t.db, { userId: "ben", organizer: false }, "", NOW)).length).toBe(0);
    expect(
      (await closableRequests(t.db, { userId: "dj-lumen", organizer: false }, "good", NOW)).map((r) => r.id),
    ).toEqual([request.id]);

    const { notified } = await closeRequest(t.db, { userId: "dj-lumen", organizer: false }, request.id, "played", NOW);
    expect(notified).toBe(2);
    const dms = await t.db.directMessage.findMany({
      where: { dedupeKey: { startsWith: `track-played:${request.id}:` } },
    });
    expect(dms.map((d) => d.userId).sort()).toEqual(["dev", "eli"]);
    // The row keeps member text marked; the DM sender escapes it when it sends.
    expect(unmarked(dms[0]!.content)).toMatch(/Now playing: Good Times by Chic.*Lumen/);
    await expect(closeRequest(t.db, { userId: "org", organizer: true }, request.id, "skipped", NOW)).rejects.toThrow(
      /already played/,
    );
    // Played tracks do not come back into this set's queue.
    await expect(ask("gus", "Good Times", "Chic", { at: later(900) })).rejects.toThrow(/already played in this set/);
  });
});
