// One process answers each interaction. Normally only the holder of the gateway lease is connected
// (src/discord/gatewayHolder.ts), but during a handover, or when a paused holder wakes after its lease
// lapsed, two processes are connected to one shard and Discord sends each of them every interaction.
// Before any work, the router inserts the interaction's id here: one statement, insert-or-nothing on the
// primary key. The process whose insert took the row answers; the other stays silent (answering would
// only earn Discord's 40060 "already acknowledged", and running the handler would apply it twice).
import type { DbOrTx } from "../db/client.js";

const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** How long claims are kept: far past the 15 minutes an interaction can be answered in, or replayed on a resume. */
export const CLAIM_RETENTION_MS = 60 * 60 * 1000;

/**
 * True when this process is the first to claim the interaction. One INSERT ... ON CONFLICT DO NOTHING,
 * the same SQL on SQLite and PostgreSQL; it throws only when the database cannot be reached.
 */
export async function claimInteraction(db: DbOrTx, interactionId: string): Promise<boolean> {
  const inserted =
    await db.$executeRaw`INSERT INTO "InteractionClaim" ("id") VALUES (${BigInt(interactionId)}) ON CONFLICT DO NOTHING`;
  return inserted === 1;
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
