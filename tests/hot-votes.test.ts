// A burst of upvotes on one track request (src/services/trackVoteBatch.ts): the presses that arrive together
// are written together, each member gets their own answer, and the count equals the votes' rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOffer, reviewOffer } from "../src/services/djs.js";
import { placeSet } from "../src/services/lineup.js";
import { readMetrics } from "../src/services/metrics.js";
import { requestTrack, toggleVote } from "../src/services/trackRequests.js";
import { freshDb, type TestDb } from "./support/db.js";

let t: TestDb;
const NOW = new Date("2026-12-05T20:30:00Z");
/** The organizer of the set-up, as the audit trail records them. */
const ORGANIZER = { id: "100000000000000001", name: "Organizer" };
let setId = 0;

beforeAll(async () => {
  t = await freshDb();
  const offer = await createOffer(
    t.db,
    "dj-lumen",
    { djName: "Lumen", genres: "disco", minutes: 120, links: "", note: "" },
    NOW,
  );
  await reviewOffer(t.db, offer.id, "approve", NOW, ORGANIZER);
  setId = (
    await placeSet(
      t.db,
      { offerId: offer.id, startsAt: new Date("2026-12-05T20:00:00Z"), endsAt: new Date("2026-12-05T22:00:00Z") },
      NOW,
      ORGANIZER,
    )
  ).id;
});
afterAll(() => t.close());

describe("a burst of upvotes on one request", () => {
  for (const run of [1, 2, 3]) {
    it(`run ${run}: 300 members, some pressing twice, the requester refused`, async () => {
      const limits = { REQUEST_COOLDOWN_SECONDS: 0, REQUEST_MAX_OPEN_PER_SET: 100, REQUEST_BLOCKED_WORDS: [] };
      const { request } = await requestTrack(
        t.db,
        limits,
        { userId: `dj-fan-${run}`, title: `Burst ${run}`, artist: "The Load", setId },
        NOW,
      );
      const before = (await readMetrics(t.db)).track_votes;
      const presses = Array.from({ length: 300 }, (_, i) => `m${i}`);
      const twice = presses.filter((_, i) => i % 10 === 0);
      const all = [...presses, ...twice, `dj-fan-${run}`];
      const results = await Promise.allSettled(all.map((u) => toggleVote(t.db, u, request.id, NOW)));

      // The requester is refused; everyone else is answered.
      expect(results.at(-1)!.status).toBe("rejected");
      expect(String((results.at(-1) as PromiseRejectedResult).reason)).toMatch(/already counts as your vote/);
      const answers = results.slice(0, -1).map((r) => (r.status === "fulfilled" ? r.value : null));
      expect(answers.every((a) => a !== null)).toBe(true);
      // Pressing twice takes the vote back; a single press keeps it.
      const voters = new Set(presses.filter((u) => !twice.includes(u)));
      presses.forEach((u, i) => expect(answers[i]!.voted).toBe(true));
      twice.forEach((u, i) => expect(answers[presses.length + i]!.voted).toBe(false));

      const rows = await t.db.trackVote.findMany({ where: { requestId: request.id } });
      expect(new Set(rows.map((r) => r.userId))).toEqual(new Set([`dj-fan-${run}`, ...voters]));
      const row = await t.db.trackRequest.findUniqueOrThrow({ where: { id: request.id } });
      expect(row.votes).toBe(rows.length);
      expect(row.votes).toBe(1 + voters.size);
      expect((await readMetrics(t.db)).track_votes - before).toBe(voters.size);
      // The highest count anyone was told is the count after the last vote added.
      expect(Math.max(...answers.map((a) => a!.votes))).toBeLessThanOrEqual(1 + presses.length);
    });
  }
});
