// One "bot process" of the viral-minute test (tests/rsvp-hot-event.test.ts): its own database client, its
// own batches. Waits for "go" on stdin (so the processes start together), then answers Going for every
// member it is given, all at once, in order, and prints one JSON line: each member's result, in that order.
import { createDb } from "../../src/db/client.js";
import "../../src/services/milestones.js";
import { answerRsvp } from "../../src/services/rsvps.js";

const { URL: url, EVENT_ID, PREFIX, COUNT, NOW } = process.env;
const db = createDb(url!);
const now = new Date(NOW!);
const count = Number(COUNT);
const eventId = Number(EVENT_ID);

await db.$connect();
process.stdout.write("ready\n");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));

const results = await Promise.all(
  Array.from({ length: count }, (_, i) =>
    answerRsvp(db, {
      eventId,
      userId: `${PREFIX}${i}`,
      displayName: `${PREFIX}${i}`,
      answer: "going",
      guests: i % 7 === 0 ? 1 : 0,
      now,
      maxGuests: 5,
    }).then(
      (r) => ({ userId: `${PREFIX}${i}`, status: r.status, position: r.position }),
      (err: unknown) => ({ userId: `${PREFIX}${i}`, error: String(err) }),
    ),
  ),
);
process.stdout.write(JSON.stringify(results) + "\n");
await db.$disconnect();
