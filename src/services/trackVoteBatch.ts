// Group commit for upvotes (src/services/groupCommit.ts): a burst of members pressing Upvote on one track
// request is applied in one transaction per batch. Lock and read the request (one statement), read the
// batch's members' votes (one query), decide each press in arrival order in memory (a vote, or pressing again
// takes it back), then delete and insert the votes that changed (one statement each), move the request's
// count once and the campaign counter once. Each member gets their own answer or refusal.
import type { Db, Tx } from "../db/client.js";
import { Prisma } from "../generated/prisma/client.js";
import { UserError } from "../errors.js";
import { groupCommit, type Outcome } from "./groupCommit.js";
import { adjustMetric } from "./metrics.js";

export interface VoteInput {
  userId: string;
  now: Date;
}

export interface VoteResult {
  voted: boolean;
  votes: number;
  title: string;
  setId: number;
}

interface RequestRow {
  id: number;
  setId: number;
  title: string;
  requestedBy: string;
  votes: number;
  status: string;
}

const votes = groupCommit<VoteInput, VoteResult>(applyVotes);

/** The Upvote button's press, batched with the others on the same request. */
export function submitVote(db: Db, requestId: number, input: VoteInput): Promise<VoteResult> {
  return votes.submit(db, requestId, input);
}

async function applyVotes(db: Db, requestId: number, inputs: VoteInput[]): Promise<Outcome<VoteResult>[]> {
  const outcomes: Outcome<VoteResult>[] = new Array(inputs.length);
  const latest = new Date(Math.max(...inputs.map((i) => i.now.getTime())));
  await db.$transaction(async (tx) => {
    const [request] = await tx.$queryRaw<RequestRow[]>`
      UPDATE "TrackRequest" SET "votes" = "votes" WHERE "id" = ${requestId}
      RETURNING "id", "setId", "title", "requestedBy", "votes", "status"`;
    if (!request) {
      const err = new UserError("That request no longer exists. Open /dj queue again.", "not_found");
      inputs.forEach((_, i) => (outcomes[i] = { err }));
      return;
    }
    const userIds = [...new Set(inputs.map((i) => i.userId))];
    const had = new Set(
      (await tx.trackVote.findMany({ where: { requestId, userId: { in: userIds } }, select: { userId: true } })).map(
        (v) => v.userId,
      ),
    );
    const has = new Set(had);
    const pressedAt = new Map<string, Date>();
    let count = Number(request.votes);
    inputs.forEach((input, i) => {
      if (request.status !== "queued")
        return void (outcomes[i] = {
          err: new UserError(`That track was already ${request.status}; votes are closed for it.`, "conflict"),
        });
      if (request.requestedBy === input.userId)
        return void (outcomes[i] = {
          err: new UserError("You requested this track: your request already counts as your vote.", "conflict"),
        });
      const voted = !has.has(input.userId);
      if (voted) has.add(input.userId);
      else has.delete(input.userId);
      count += voted ? 1 : -1;
      pressedAt.set(input.userId, input.now);
      outcomes[i] = { ok: { voted, votes: count, title: request.title, setId: Number(request.setId) } };
    });
    // The count moves by the votes actually written: a request for the same track (requestTrack's "counts as
    // a vote") may have added one of these members' votes since they were read.
    const delta = await writeVotes(tx, requestId, had, has, pressedAt);
    if (delta) {
      await tx.$executeRaw`UPDATE "TrackRequest" SET "votes" = "votes" + ${delta} WHERE "id" = ${requestId}`;
      await adjustMetric(tx, "track_votes", delta, latest);
    }
  });
  return outcomes;
}

async function writeVotes(
  tx: Tx,
  requestId: number,
  had: Set<string>,
  has: Set<string>,
  pressedAt: Map<string, Date>,
): Promise<number> {
  const removed = [...had].filter((u) => !has.has(u));
  const added = [...has].filter((u) => !had.has(u));
  let delta = 0;
  if (removed.length) delta -= (await tx.trackVote.deleteMany({ where: { requestId, userId: { in: removed } } })).count;
  if (added.length) {
    const values = added.map((u) => Prisma.sql`(${requestId}, ${u}, ${false}, ${pressedAt.get(u)!})`);
    delta += await tx.$executeRaw`
      INSERT INTO "TrackVote" ("requestId", "userId", "notify", "createdAt") VALUES ${Prisma.join(values)}
      ON CONFLICT ("requestId", "userId") DO NOTHING`;
  }
  return delta;
}
