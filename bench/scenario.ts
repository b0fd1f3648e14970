// What the load needs to exist before it starts, written through the services (as the commands would):
// a campaign, an event, shifts with room for every member, a DJ set playing now with a few requests.
import { setupCampaign } from "../src/services/campaign.js";
import { createOffer, reviewOffer } from "../src/services/djs.js";
import { createEvent } from "../src/services/events.js";
import { placeSet } from "../src/services/lineup.js";
import { addShift, MAX_CAPACITY } from "../src/services/shifts.js";
import { requestTrack } from "../src/services/trackRequests.js";
import type { Db } from "../src/db/client.js";

export interface Scenario {
  eventId: number;
  /** Member i claims and drops shiftIds[i % length]: each has room for all who share it. */
  shiftIds: number[];
  setId: number;
  /** Requests on the first page of the set's queue (the upvote buttons). */
  requestIds: number[];
}

const DAY = 86_400_000;
export const SEEDED_REQUESTS = 5;
/** The organizer who sets the scenario up, as the audit trail records them. */
const organizer = (id = "100000000000000001") => ({ id, name: "Bench organizer" });
const iso = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

export async function seedScenario(
  db: Db,
  organizerId: string,
  memberIds: string[],
  now = new Date(),
): Promise<Scenario> {
  await setupCampaign(
    db,
    { name: "A dance party for the dancing man", goalCents: 2_000_000, userId: organizerId },
    now,
    organizer(organizerId),
  );
  const event = await createEvent(
    db,
    { name: "The dance party", starts: iso(now.getTime() + 30 * DAY), capacity: 100_000, createdBy: organizerId, now },
    { timeZone: "UTC", reminderHours: [24, 1] },
    organizer(organizerId),
  );
  const perShift = Math.floor(MAX_CAPACITY * 0.8);
  const shiftIds: number[] = [];
  for (let i = 0; i < Math.ceil(memberIds.length / perShift); i++) {
    const startsAt = new Date(now.getTime() + 10 * DAY + i * 3_600_000);
    const shift = await addShift(
      db,
      {
        roleName: "Door",
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
        capacity: MAX_CAPACITY,
        createdBy: organizerId,
        now,
      },
      organizer(organizerId),
    );
    shiftIds.push(shift.id);
  }
  const offer = await createOffer(
    db,
    organizerId,
    { djName: "DJ Bench", genres: "disco", minutes: 240, links: "", note: "" },
    now,
  );
  await reviewOffer(db, offer.id, "approve", now, organizer(organizerId));
  const set = await placeSet(
    db,
    { offerId: offer.id, startsAt: new Date(now.getTime() - 600_000), endsAt: new Date(now.getTime() + 6 * 3_600_000) },
    now,
    organizer(organizerId),
  );
  const limits = { REQUEST_COOLDOWN_SECONDS: 0, REQUEST_MAX_OPEN_PER_SET: 100, REQUEST_BLOCKED_WORDS: [] };
  const requestIds: number[] = [];
  for (let i = 0; i < SEEDED_REQUESTS; i++) {
    const userId = memberIds[i % memberIds.length]!;
    const r = await requestTrack(
      db,
      limits,
      { userId, title: `Keep dancing ${i + 1}`, artist: "The Seed", setId: set.id },
      now,
    );
    requestIds.push(r.request.id);
  }
  return { eventId: event.id, shiftIds, setId: set.id, requestIds };
}
