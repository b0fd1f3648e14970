// One process answers each interaction. Normally only the holder of the gateway lease is connected
// (src/discord/gatewayHolder.ts), but during a handover, or when a paused holder wakes after its lease
// lapsed, two processes are connected to one shard and Discord sends each of them every interaction.
// Before any work, the router inserts the interaction's id here: insert-or-nothing on the primary key. The
// process whose insert took the row answers; the other stays silent (answering would only earn Discord's
// 40060 "already acknowledged", and running the handler would apply it twice). Claims that arrive while one
// is being written wait and go together in the next statement (group commit, src/services/groupCommit.ts):
// in a burst, one INSERT for many interactions instead of one each.
import type { Db, DbOrTx } from "../db/client.js";
import { Prisma } from "../generated/prisma/client.js";
import { groupCommit } from "../services/groupCommit.js";

const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** How long claims are kept: far past the 15 minutes an interaction can be answered in, or replayed on a resume. */
export const CLAIM_RETENTION_MS = 60 * 60 * 1000;

/** Claims written in one statement at most (one parameter each). */
export const CLAIM_BATCH_MAX = 500;

/**
 * Claims interaction ids in one INSERT ... ON CONFLICT DO NOTHING RETURNING (the same SQL on SQLite and
 * PostgreSQL): true for each id this call inserted. An id given twice is won by its first occurrence only.
 */
export async function claimInteractions(db: DbOrTx, interactionIds: string[]): Promise<boolean[]> {
  const values = interactionIds.map((id) => Prisma.sql`(${BigInt(id)})`);
  // As text: a snowflake is past 2^53, and a number would lose its last digits.
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "InteractionClaim" ("id") VALUES ${Prisma.join(values)} ON CONFLICT DO NOTHING
    RETURNING CAST("id" AS TEXT) AS "id"`;
  const inserted = new Set(rows.map((r) => String(r.id)));
  return interactionIds.map((id) => inserted.delete(BigInt(id).toString()));
}

const claims = groupCommit<string, boolean>(async (db, _key, ids) => {
  // An id twice in one batch (the same interaction delivered twice): DO NOTHING keeps the first row, on both
  // databases, and claimInteractions gives the win to the first occurrence.
  const won = await claimInteractions(db, ids);
  return won.map((ok) => ({ ok }));
}, CLAIM_BATCH_MAX);

/**
 * True when this process is the first to claim the interaction; it throws only when the database cannot be
 * reached (and then fails every claim written in the same statement).
 */
export function claimInteraction(db: Db, interactionId: string): Promise<boolean> {
  return claims.submit(db, 0, interactionId);
}

/** The smallest snowflake Discord can mint at `time`: ids below it were created earlier. */
export function snowflakeAt(time: Date): bigint {
  return (BigInt(time.getTime()) - DISCORD_EPOCH_MS) << 22n;
}

/** Forgets claims of interactions created before `now - CLAIM_RETENTION_MS` (a scheduled job). Returns how many. */
export async function pruneClaims(db: DbOrTx, now: Date): Promise<number> {
  const { count } = await db.interactionClaim.deleteMany({
    where: { id: { lt: snowflakeAt(new Date(now.getTime() - CLAIM_RETENTION_MS)) } },
  });
  return count;
}
