// Seeds a campaign of a given size straight into the database: N RSVPs, N shift claims and N track requests
// (with their votes), in multi-row INSERTs inside one transaction per table, and the counters and event numbers
// that match them, as the services would have left them. Portable SQL: it runs on SQLite and PostgreSQL.
import { Prisma } from "../src/generated/prisma/client.js";
import type { Db } from "../src/db/client.js";
import { MAX_CAPACITY } from "../src/services/shifts.js";
import type { Scenario } from "./scenario.js";

const CHUNK = 500;

async function insertRows(
  db: Db,
  table: string,
  columns: string[],
  count: number,
  row: (i: number) => unknown[],
): Promise<void> {
  const head = Prisma.raw(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES `);
  await db.$transaction(
    async (tx) => {
      for (let start = 0; start < count; start += CHUNK) {
        const values = [];
        for (let i = start; i < Math.min(count, start + CHUNK); i++) values.push(Prisma.sql`(${Prisma.join(row(i))})`);
        await tx.$executeRaw`${head}${Prisma.join(values)}`;
      }
    },
    { timeout: 600_000 },
  );
}

const userId = (i: number) => String(900_000_000_000_000_000n + BigInt(i));

export async function seedSize(db: Db, scenario: Scenario, size: number, now = new Date()): Promise<void> {
  await insertRows(
    db,
    "Rsvp",
    ["eventId", "userId", "displayName", "status", "guests", "createdAt", "updatedAt"],
    size,
    (i) => [scenario.eventId, userId(i), `Dancer ${i}`, "going", 0, now, now],
  );
  await db.$executeRaw`UPDATE "Event" SET "seatsTaken" = "seatsTaken" + ${size} WHERE "id" = ${scenario.eventId}`;

  // Claims fill whole shifts of the largest capacity; each volunteer holds one.
  const role = await db.shiftRole.upsert({
    where: { key: "stage crew" },
    create: { name: "Stage crew", key: "stage crew" },
    update: {},
  });
  const shifts = Math.ceil(size / MAX_CAPACITY);
  const startsAt = new Date(now.getTime() + 20 * 86_400_000);
  const endsAt = new Date(startsAt.getTime() + 3 * 3_600_000);
  await insertRows(
    db,
    "Shift",
    ["roleId", "startsAt", "endsAt", "capacity", "taken", "createdBy", "createdAt"],
    shifts,
    (i) => [role.id, startsAt, endsAt, MAX_CAPACITY, Math.min(MAX_CAPACITY, size - i * MAX_CAPACITY), "bench", now],
  );
  const firstShift = (await db.shift.findFirstOrThrow({ where: { roleId: role.id }, orderBy: { id: "asc" } })).id;
  await insertRows(db, "ShiftAssignment", ["shiftId", "userId", "userName", "claimedAt"], size, (i) => [
    firstShift + Math.floor(i / MAX_CAPACITY),
    userId(i),
    `Dancer ${i}`,
    now,
  ]);
  await insertRows(db, "Volunteer", ["userId", "heldCount", "minutesServed", "updatedAt"], size, (i) => [
    userId(i),
    1,
    0,
    now,
  ]);

  await insertRows(
    db,
    "TrackRequest",
    ["setId", "title", "artist", "matchKey", "queueKey", "requestedBy", "votes", "status", "createdAt"],
    size,
    (i) => [
      scenario.setId,
      `Song ${i}`,
      "The Crowd",
      `song ${i}|the crowd`,
      `${scenario.setId}:song ${i}|the crowd`,
      userId(i),
      1,
      "queued",
      now,
    ],
  );
  await db.$executeRaw`
    INSERT INTO "TrackVote" ("requestId", "userId", "notify", "createdAt")
    SELECT "id", "requestedBy", false, "createdAt" FROM "TrackRequest" WHERE "setId" = ${scenario.setId} AND "title" LIKE 'Song %'`;

  for (const [name, delta] of [
    ["rsvps_going", size],
    ["volunteers", size],
    ["shift_slots_filled", size],
    ["shift_slots_total", shifts * MAX_CAPACITY],
    ["track_requests", size],
    ["track_votes", size],
  ] as const) {
    await db.$executeRaw`
      INSERT INTO "Metric" ("name", "value", "updatedAt") VALUES (${name}, ${delta}, ${now})
      ON CONFLICT ("name") DO UPDATE SET "value" = "Metric"."value" + ${delta}`;
  }
  // As if each had been crossed on the way: a later change must not post them all at once.
  await db.$executeRaw`
    UPDATE "Milestone" SET "status" = 'passed'
    WHERE "status" = 'open' AND "threshold" <= (SELECT "value" FROM "Metric" WHERE "Metric"."name" = "Milestone"."metric")`;
}
